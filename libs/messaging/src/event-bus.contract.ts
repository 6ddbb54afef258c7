// The behaviour every EventBus adapter must show, run against each of them:
// src/in-process-event-bus.spec.ts and test/kafka-event-bus.int-spec.ts (real broker).
// Not exported from the lib's index: it needs Jest's globals.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineTopic, MESSAGE_HEADER_TENANT_ID, MESSAGE_HEADER_TRACEPARENT, type Envelope, type TopicDefinition } from '@parley/contracts';
import { type DeadLetter } from './dead-letter';
import { createEnvelope } from './envelope';
import { type EventBus, type ReceivedMessage, type Subscription } from './event-bus.port';
import { MessageRejectedError } from './message.errors';

export interface EventBusContractHarness {
  /** A new bus for one test; the suite closes it afterwards. */
  createBus(): Promise<EventBus>;
  /** Writes a message exactly as given (e.g. not JSON), bypassing every check of the bus. */
  publishRaw(bus: EventBus, topic: string, message: { key: string; value: string; headers?: Record<string, string> }): Promise<void>;
  /** What `<topic>.dlq` holds, once it holds at least `count` messages (or fails after the delivery timeout). */
  deadLetters(bus: EventBus, topic: string, count: number): Promise<readonly DeadLetter[]>;
  /**
   * Runs one member of `group` that dies like a killed process while handling the message whose id
   * is `crashOnMessageId`, after handling (and committing) the ones before it. Resolves once it is
   * dead, with the ids it handled.
   */
  runCrashingMember(bus: EventBus, options: { group: string; topic: TopicDefinition; crashOnMessageId: string }): Promise<{ handledBeforeCrash: string[] }>;
  uniqueName(prefix: string): string;
  /** How long a test waits for deliveries. */
  deliveryTimeoutMs: number;
  /** How long to keep watching for unwanted extra deliveries once the expected ones arrived. */
  settleMs: number;
}

const payloadSchema = z.object({ key: z.string().min(1), seq: z.number().int().nonnegative(), note: z.string().optional() });
type TestPayload = z.infer<typeof payloadSchema>;

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function describeEventBusContract(name: string, harness: EventBusContractHarness): void {
  describe(`EventBus contract: ${name}`, () => {
    const tenantId = randomUUID();
    let bus: EventBus;
    let topic: TopicDefinition<typeof payloadSchema>;
    const subscriptions: Subscription[] = [];

    const message = (key: string, seq: number, headers?: Record<string, string>): Envelope<TestPayload> =>
      createEnvelope(topic, tenantId, { key, seq }, { headers });
    const payloadOf = (m: ReceivedMessage): TestPayload => m.envelope.payload as TestPayload;
    const subscribe = async (group: string, handle: (m: ReceivedMessage) => Promise<void>, maxAttempts?: number): Promise<Subscription> => {
      const subscription = await bus.subscribe({ group, topics: [topic], handle, maxAttempts });
      subscriptions.push(subscription);
      return subscription;
    };

    beforeEach(async () => {
      topic = defineTopic({
        name: `test.${harness.uniqueName('contract')}.happened.v1`,
        status: 'draft',
        description: 'EventBus contract test topic',
        schema: payloadSchema,
        keyOf: (p) => p.key,
      });
      bus = await harness.createBus();
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
      await bus.close();
    });

    it('answers ping while open', async () => {
      await expect(bus.ping()).resolves.toBeUndefined();
    });

    it('delivers the envelope as published: id, payload, key, tenant and the traceparent and x-tenant-id headers', async () => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const received: ReceivedMessage[] = [];
      await subscribe(harness.uniqueName('svc.copy'), async (m) => void received.push(m));
      const sent = message('k', 7, { [MESSAGE_HEADER_TRACEPARENT]: traceparent });
      await bus.publish([sent]);
      await waitFor('the message', () => received.length === 1, harness.deliveryTimeoutMs);
      const [got] = received;
      expect(got!.envelope).toEqual(sent);
      expect(got!.envelope.headers[MESSAGE_HEADER_TRACEPARENT]).toBe(traceparent);
      expect(got!.envelope.headers[MESSAGE_HEADER_TENANT_ID]).toBe(tenantId);
      expect(got!.topic.name).toBe(topic.name);
      expect(got!.attempt).toBe(1);
    });

    it('keeps the order of each key: 3 keys x 50 messages, interleaved, each arrive in sequence exactly once', async () => {
      const keys = ['alpha', 'bravo', 'charlie'];
      const seen = new Map<string, number[]>(keys.map((k) => [k, []]));
      let total = 0;
      await subscribe(harness.uniqueName('svc.order'), async (m) => {
        const { key, seq } = payloadOf(m);
        // Uneven handler times, so a bus that handled one key's messages concurrently would reorder them.
        if (seq % 7 === 0) await pause(3);
        seen.get(key)!.push(seq);
        total += 1;
      });
      const all = Array.from({ length: 50 }, (_, seq) => keys.map((k) => message(k, seq))).flat();
      for (let i = 0; i < all.length; i += 15) await bus.publish(all.slice(i, i + 15));
      await waitFor('150 messages', () => total >= 150, harness.deliveryTimeoutMs);
      await pause(harness.settleMs);
      const expected = Array.from({ length: 50 }, (_, i) => i);
      for (const key of keys) expect(seen.get(key)).toEqual(expected);
      expect(total).toBe(150);
    });

    it('gives every group every message, and splits the partitions between the members of one group', async () => {
      const got = { a: [] as string[], b: [] as string[], c1: [] as string[], c2: [] as string[] };
      const into = (list: string[]) => async (m: ReceivedMessage) => void list.push(m.envelope.id);
      const groupC = harness.uniqueName('svc.shared');
      await subscribe(harness.uniqueName('svc.a'), into(got.a));
      await subscribe(harness.uniqueName('svc.b'), into(got.b));
      await subscribe(groupC, into(got.c1));
      await subscribe(groupC, into(got.c2));
      const sent = Array.from({ length: 40 }, (_, i) => message(`k${i % 20}`, i));
      await bus.publish(sent);
      const ids = sent.map((m) => m.id).sort();
      await waitFor('every group to get 40 messages', () => got.a.length >= 40 && got.b.length >= 40 && got.c1.length + got.c2.length >= 40, harness.deliveryTimeoutMs);
      await pause(harness.settleMs);
      expect([...got.a].sort()).toEqual(ids);
      expect([...got.b].sort()).toEqual(ids);
      expect([...got.c1, ...got.c2].sort()).toEqual(ids);
      expect(got.c1.length).toBeGreaterThan(0);
      expect(got.c2.length).toBeGreaterThan(0);
    });

    it('sends an invalid payload, a non-JSON value and a non-envelope to <topic>.dlq at once and still delivers the valid messages around them', async () => {
      const group = harness.uniqueName('svc.dlq');
      const received: number[] = [];
      await subscribe(group, async (m) => void received.push(payloadOf(m).seq));
      const bad: Envelope = { ...message('k', 99), payload: { key: 'k', seq: 'not a number' } };
      await bus.publish([message('k', 0), bad]);
      await harness.publishRaw(bus, topic.name, { key: 'k', value: '{"this is": not json' });
      await harness.publishRaw(bus, topic.name, { key: 'k', value: JSON.stringify({ hello: 'world' }) });
      await bus.publish([message('k', 1)]);
      await waitFor('the valid messages', () => received.length >= 2, harness.deliveryTimeoutMs);
      const letters = await harness.deadLetters(bus, topic.name, 3);
      expect(received).toEqual([0, 1]);
      expect(letters.map((l) => l.reason)).toEqual(['invalid-payload', 'invalid-json', 'invalid-envelope']);
      expect(letters[0]!.error).toMatch(/payload\.seq/);
      expect(letters[0]!.value).toContain('not a number');
      expect(letters[1]!.value).toBe('{"this is": not json');
      for (const letter of letters) {
        expect(letter).toMatchObject({ originalTopic: topic.name, consumerGroup: group, attempts: 0, key: 'k' });
        expect(Number(letter.offset)).toBeGreaterThanOrEqual(0);
      }
      expect(letters[0]!.headers[MESSAGE_HEADER_TENANT_ID]).toBe(tenantId);
    });

    it('retries a failing handler with backoff and delivers once it succeeds', async () => {
      const attempts: number[] = [];
      await subscribe(
        harness.uniqueName('svc.flaky'),
        async (m) => {
          attempts.push(m.attempt);
          if (m.attempt < 3) throw new Error('downstream not ready');
        },
        5,
      );
      await bus.publish([message('k', 0)]);
      await waitFor('the third attempt', () => attempts.length >= 3, harness.deliveryTimeoutMs);
      await pause(harness.settleMs);
      expect(attempts).toEqual([1, 2, 3]);
    });

    it('sends a message whose handler keeps throwing to <topic>.dlq after maxAttempts, and moves on to the next one', async () => {
      const group = harness.uniqueName('svc.poison');
      const attemptsOfPoison: number[] = [];
      const handled: number[] = [];
      await subscribe(
        group,
        async (m) => {
          const { seq } = payloadOf(m);
          if (seq === 1) {
            attemptsOfPoison.push(m.attempt);
            throw new Error(`cannot handle seq ${seq}`);
          }
          handled.push(seq);
        },
        3,
      );
      const sent = [message('k', 0), message('k', 1), message('k', 2)];
      await bus.publish(sent);
      await waitFor('the message after the poison one', () => handled.length >= 2, harness.deliveryTimeoutMs);
      const [letter] = await harness.deadLetters(bus, topic.name, 1);
      expect(handled).toEqual([0, 2]);
      expect(attemptsOfPoison).toEqual([1, 2, 3]);
      expect(letter).toMatchObject({ reason: 'handler-failed', attempts: 3, consumerGroup: group, originalTopic: topic.name, error: 'cannot handle seq 1' });
      expect(JSON.parse(letter!.value!)).toMatchObject({ id: sent[1]!.id });
    });

    it('sends a message its handler rejects (MessageRejectedError) to <topic>.dlq without retrying', async () => {
      const attempts: number[] = [];
      await subscribe(
        harness.uniqueName('svc.reject'),
        async (m) => {
          attempts.push(m.attempt);
          throw new MessageRejectedError('no such tenant');
        },
        5,
      );
      await bus.publish([message('k', 0)]);
      const [letter] = await harness.deadLetters(bus, topic.name, 1);
      expect(letter).toMatchObject({ reason: 'handler-rejected', attempts: 1, error: 'no such tenant' });
      expect(attempts).toEqual([1]);
    });

    it('redelivers the message a crashed member was handling to the next member of its group (at-least-once)', async () => {
      const group = harness.uniqueName('svc.crash');
      const sent = Array.from({ length: 5 }, (_, seq) => message('k', seq));
      await bus.publish(sent);
      const { handledBeforeCrash } = await harness.runCrashingMember(bus, { group, topic, crashOnMessageId: sent[2]!.id });
      expect(handledBeforeCrash).toEqual([sent[0]!.id, sent[1]!.id]);

      const received: number[] = [];
      await subscribe(group, async (m) => void received.push(payloadOf(m).seq));
      await waitFor('the redelivery', () => received.length >= 3, harness.deliveryTimeoutMs);
      await pause(harness.settleMs);
      // The crashed one first, then the rest; the two it had committed are not delivered again.
      expect(received).toEqual([2, 3, 4]);
    });

    it('close() waits for the in-flight handler and commits it, so the next member starts after it', async () => {
      const group = harness.uniqueName('svc.drain');
      const started: number[] = [];
      const finished: number[] = [];
      const first = await subscribe(group, async (m) => {
        const { seq } = payloadOf(m);
        started.push(seq);
        await pause(400);
        finished.push(seq);
      });
      await bus.publish([message('k', 0), message('k', 1)]);
      await waitFor('the first handler to start', () => started.length >= 1, harness.deliveryTimeoutMs);
      await first.close();
      expect(finished).toEqual([0]);
      expect(started).toEqual([0]);

      const next: number[] = [];
      await subscribe(group, async (m) => void next.push(payloadOf(m).seq));
      await waitFor('the next member to get the rest', () => next.length >= 1, harness.deliveryTimeoutMs);
      await pause(harness.settleMs);
      expect(next).toEqual([1]);
    });
  });
}
