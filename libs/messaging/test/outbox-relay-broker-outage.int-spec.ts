import { type DataSource } from 'typeorm';
import { UnitOfWork } from '@parley/persistence';
import { DedicatedKafka, uniqueName } from '@parley/testing';
import { createEnvelope, KafkaEventBus, Outbox, OutboxRelay, type ReceivedMessage } from '../src/index';
import { appDataSource, freshSchema, newTenant, testTopic, waitFor, type RecordPayload } from './messaging-test-kit';

// A broker of this test's own (the shared one stays up for the other suites): stopped and restarted
// under a running relay.
describe('outbox relay across a Kafka outage (dedicated real broker)', () => {
  const kafka = new DedicatedKafka(39_100 + 2 * Math.floor(Math.random() * 400));
  let ds: DataSource;
  let bus: KafkaEventBus;
  let relay: OutboxRelay | undefined;

  beforeAll(async () => {
    kafka.start();
    ds = await appDataSource('outbox-outage-test');
    bus = new KafkaEventBus({
      brokers: kafka.brokers,
      clientId: 'outbox-outage-test',
      partitionsPerTopic: 2,
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 3_000,
      publishRetries: 2,
      consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 250, joinTimeoutMs: 30_000 },
    });
  }, 120_000);

  afterAll(async () => {
    await relay?.stop();
    await bus?.close();
    await ds?.destroy();
    kafka.destroy();
  }, 60_000);

  it('keeps the rows while the broker is down and publishes them, in order, after it comes back', async () => {
    const schema = await freshSchema('outage');
    const topic = testTopic('outage');
    const outbox = new Outbox(schema);
    const uow = new UnitOfWork(ds);
    const tenantId = newTenant();
    const write = (seqs: number[]): Promise<void> => uow.inTenant(tenantId, (tx) => outbox.add(tx, seqs.map((seq) => createEnvelope(topic, tenantId, { key: 'k', seq }))));
    const unpublished = async (): Promise<{ attempts: number; last_error: string | null }[]> =>
      uow.asSystem('test', (tx) => tx.manager.query(`SELECT attempts, last_error FROM ${schema}.outbox WHERE published_at IS NULL ORDER BY seq`));

    relay = new OutboxRelay({ dataSource: ds, schema, bus, pollIntervalMs: 200, publishTimeoutMs: 8_000, retry: { maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 1_000 } });
    await relay.start();
    await write([0, 1, 2]);
    await waitFor('the first rows published', () => relay!.metrics.published === 3, 30_000);

    kafka.stop();
    await write([3, 4, 5]);
    await waitFor('failed publish attempts', () => relay!.metrics.failedAttempts >= 2, 60_000);
    const waiting = await unpublished();
    expect(waiting).toHaveLength(3);
    expect(waiting.every((r) => r.attempts >= 2 && (r.last_error ?? '').length > 0)).toBe(true);

    kafka.start();
    await waitFor('the rows published after the restart', async () => (await unpublished()).length === 0, 60_000);

    const received: number[] = [];
    const subscription = await bus.subscribe({
      group: uniqueName('svc.outage'),
      topics: [topic],
      handle: async (m: ReceivedMessage) => void received.push((m.envelope.payload as RecordPayload).seq),
    });
    try {
      await waitFor('all six messages', () => new Set(received).size === 6, 30_000);
      // At-least-once: a publish that timed out may have landed too; first occurrences are in order.
      expect([...new Set(received)]).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      await subscription.close();
    }
  }, 180_000);
});
