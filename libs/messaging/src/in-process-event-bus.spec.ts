import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineTopic } from '@parley/contracts';
import { createEnvelope } from './envelope';
import { describeEventBusContract } from './event-bus.contract';
import { InProcessEventBus } from './in-process-event-bus';
import { type DeadLetter } from './dead-letter';
import { type EventBus } from './event-bus.port';

function inProcess(bus: EventBus): InProcessEventBus {
  if (!(bus instanceof InProcessEventBus)) throw new Error('not the in-process bus');
  return bus;
}

async function waitFor<T>(what: string, read: () => T | undefined, timeoutMs = 2_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describeEventBusContract('InProcessEventBus', {
  createBus: async () => new InProcessEventBus({ partitionsPerTopic: 4, retryBackoff: { initialMs: 5, maxMs: 20 } }),
  publishRaw: async (bus, topic, message) => inProcess(bus).publishRaw(topic, message),
  deadLetters: (bus, topic, count) =>
    waitFor<readonly DeadLetter[]>(`${count} dead letters`, () => {
      const letters = inProcess(bus).deadLetters(topic);
      return letters.length >= count ? letters : undefined;
    }),
  runCrashingMember: async (bus, { group, topic, crashOnMessageId }) => {
    const handled: string[] = [];
    let crashed = false;
    const member = await inProcess(bus).subscribe({
      group,
      topics: [topic],
      handle: async (m) => {
        if (m.envelope.id === crashOnMessageId) {
          crashed = true;
          member.kill();
          return new Promise<void>(() => undefined); // a dead process never finishes its handler
        }
        handled.push(m.envelope.id);
      },
    });
    await waitFor('the crash', () => (crashed ? true : undefined));
    return { handledBeforeCrash: handled };
  },
  uniqueName: (prefix) => `${prefix}-${randomUUID().slice(0, 8)}`,
  deliveryTimeoutMs: 3_000,
  settleMs: 50,
});

describe('InProcessEventBus specifics', () => {
  const topic = defineTopic({
    name: 'test.inproc.happened.v1',
    status: 'draft',
    description: 'in-process bus test topic',
    schema: z.object({ key: z.string(), seq: z.number() }),
    keyOf: (p) => p.key,
  });
  const tenantId = randomUUID();

  it('refuses to publish something that is not an envelope, naming the field', async () => {
    const bus = new InProcessEventBus();
    const envelope = createEnvelope(topic, tenantId, { key: 'k', seq: 1 });
    await expect(bus.publish([{ ...envelope, id: 'nope' }])).rejects.toThrow(/test\.inproc\.happened\.v1.*id/);
    await bus.close();
  });

  it('starts a new group at the end of the log when fromBeginning is false', async () => {
    const bus = new InProcessEventBus();
    await bus.publish([createEnvelope(topic, tenantId, { key: 'k', seq: 1 })]);
    const seen: number[] = [];
    await bus.subscribe({ group: 'late', topics: [topic], fromBeginning: false, handle: async (m) => void seen.push((m.envelope.payload as { seq: number }).seq) });
    await bus.publish([createEnvelope(topic, tenantId, { key: 'k', seq: 2 })]);
    await waitFor('the new message', () => (seen.length > 0 ? true : undefined));
    expect(seen).toEqual([2]);
    await bus.close();
  });

  it('keeps a bounded number of messages per partition: a new group from the beginning sees only those, a lagging one resumes at the oldest kept', async () => {
    const bus = new InProcessEventBus({ partitionsPerTopic: 1, retainPerPartition: 100 });
    for (let seq = 1; seq <= 1000; seq += 1) await bus.publish([createEnvelope(topic, tenantId, { key: 'k', seq })]);
    const seen: number[] = [];
    await bus.subscribe({ group: 'from-start', topics: [topic], handle: async (m) => void seen.push((m.envelope.payload as { seq: number }).seq) });
    await waitFor('the retained messages', () => (seen.at(-1) === 1000 ? true : undefined));
    // Between 100 and 150 kept (trimmed in batches), always the newest, in order.
    expect(seen.length).toBeGreaterThanOrEqual(100);
    expect(seen.length).toBeLessThanOrEqual(150);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => 1001 - seen.length + i));
    await bus.close();
  });

  it('rebalances when a member leaves: the remaining member takes over its partitions', async () => {
    const bus = new InProcessEventBus({ partitionsPerTopic: 4 });
    const a: string[] = [];
    const b: string[] = [];
    const first = await bus.subscribe({ group: 'g', topics: [topic], handle: async (m) => void a.push(m.envelope.key) });
    await bus.subscribe({ group: 'g', topics: [topic], handle: async (m) => void b.push(m.envelope.key) });
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    await bus.publish(keys.map((key, seq) => createEnvelope(topic, tenantId, { key, seq })));
    await waitFor('20 messages', () => (a.length + b.length === 20 ? true : undefined));
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    await first.close();
    b.length = 0;
    await bus.publish(keys.map((key, seq) => createEnvelope(topic, tenantId, { key, seq })));
    await waitFor('20 more messages', () => (b.length === 20 ? true : undefined));
    expect([...b].sort()).toEqual([...keys].sort());
    await bus.close();
  });

  it('close() of the bus waits for in-flight handlers and then refuses to publish', async () => {
    const bus = new InProcessEventBus();
    let finished = false;
    let started = false;
    await bus.subscribe({
      group: 'slow',
      topics: [topic],
      handle: async () => {
        started = true;
        await new Promise((r) => setTimeout(r, 100));
        finished = true;
      },
    });
    await bus.publish([createEnvelope(topic, tenantId, { key: 'k', seq: 1 })]);
    await waitFor('the handler to start', () => (started ? true : undefined));
    await bus.close();
    expect(finished).toBe(true);
    await expect(bus.publish([createEnvelope(topic, tenantId, { key: 'k', seq: 2 })])).rejects.toThrow(/closed/);
    await expect(bus.ping()).rejects.toThrow(/closed/);
  });

  it('waits with bounded, growing backoff between attempts', async () => {
    const bus = new InProcessEventBus({ retryBackoff: { initialMs: 20, maxMs: 40 } });
    const times: number[] = [];
    await bus.subscribe({
      group: 'backoff',
      topics: [topic],
      maxAttempts: 4,
      handle: async () => {
        times.push(Date.now());
        throw new Error('nope');
      },
    });
    await bus.publish([createEnvelope(topic, tenantId, { key: 'k', seq: 1 })]);
    await waitFor('the dead letter', () => (bus.deadLetters(topic.name).length === 1 ? true : undefined));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps).toHaveLength(3);
    expect(gaps[0]).toBeGreaterThanOrEqual(18); // 20
    expect(gaps[1]).toBeGreaterThanOrEqual(38); // 40
    expect(gaps[2]).toBeGreaterThanOrEqual(38); // capped at 40
    expect(gaps[2]).toBeLessThan(200);
    await bus.close();
  });
});
