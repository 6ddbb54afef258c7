import { type DataSource } from 'typeorm';
import { type Envelope, type TopicDefinition } from '@parley/contracts';
import { isRlsViolation, revertMigrations, runMigrations, UnitOfWork } from '@parley/persistence';
import { testEnvironment, uniqueName } from '@parley/testing';
import {
  createEnvelope,
  createMessagingMigration,
  MessageValidationError,
  Outbox,
  OutboxRelay,
  type EventBus,
  type KafkaEventBus,
  type OutboxRelayOptions,
  type PublishedOutboxRow,
  type ReceivedMessage,
  type Subscription,
} from '../src/index';
import { appDataSource, freshSchema, kafkaBus, newTenant, testTopic, waitFor, type RecordPayload } from './messaging-test-kit';

/** A bus in front of the real one that can be told to fail, or to be slow. */
class ControlledBus implements Pick<EventBus, 'publish'> {
  failing = false;
  delayMs = 0;
  calls = 0;
  readonly publishedIds: string[] = [];

  constructor(private readonly inner: EventBus) {}

  async publish(envelopes: readonly Envelope[]): Promise<void> {
    this.calls += 1;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failing) throw new Error('broker unavailable');
    await this.inner.publish(envelopes);
    this.publishedIds.push(...envelopes.map((e) => e.id));
  }
}

interface OutboxRow {
  id: string;
  seq: string;
  published_at: Date | null;
  attempts: number;
  last_error: string | null;
}

describe('transactional outbox and relay (real PostgreSQL and Kafka)', () => {
  let ds: DataSource;
  let uow: UnitOfWork;
  let bus: KafkaEventBus;
  const relays: OutboxRelay[] = [];
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    ds = await appDataSource('outbox-int-test');
    uow = new UnitOfWork(ds);
    bus = kafkaBus();
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await Promise.all(subscriptions.splice(0).map((s) => s.close()));
  });

  afterAll(async () => {
    await bus?.close();
    await ds?.destroy();
  });

  async function startRelay(schema: string, options: Partial<OutboxRelayOptions> = {}): Promise<OutboxRelay> {
    const relay = new OutboxRelay({ dataSource: ds, schema, bus, pollIntervalMs: 200, retry: { initialBackoffMs: 20, maxBackoffMs: 200 }, ...options });
    await relay.start();
    relays.push(relay);
    return relay;
  }

  async function consume(topic: TopicDefinition): Promise<ReceivedMessage<RecordPayload>[]> {
    const received: ReceivedMessage<RecordPayload>[] = [];
    const subscription = await bus.subscribe({
      group: uniqueName('svc.outbox-test'),
      topics: [topic],
      handle: async (m) => void received.push(m as ReceivedMessage<RecordPayload>),
    });
    subscriptions.push(subscription);
    return received;
  }

  const allRows = (schema: string): Promise<OutboxRow[]> =>
    uow.asSystem('test', (tx) => tx.manager.query(`SELECT id, seq, published_at, attempts, last_error FROM ${schema}.outbox ORDER BY seq`));

  it('publishes rows written in tenant transactions exactly in their order, in batches', async () => {
    const schema = await freshSchema();
    const topic = testTopic('outbox-order');
    const outbox = new Outbox(schema);
    const tenants = [newTenant(), newTenant()];
    const received = await consume(topic);
    const publishedSeqs: bigint[] = [];
    await startRelay(schema, { batchSize: 40, onPublished: (rows) => publishedSeqs.push(...rows.map((r) => BigInt(r.seq))) });

    let seq = 0;
    for (let t = 0; t < 6; t += 1) {
      const tenantId = tenants[t % 2]!;
      await uow.inTenant(tenantId, async (tx) => {
        await tx.manager.query(`INSERT INTO ${schema}.notes (tenant_id, body) VALUES ($1, $2)`, [tenantId, `change ${t}`]);
        const batch = Array.from({ length: 50 }, () => createEnvelope(topic, tenantId, { key: 'one-key', seq: seq++ }));
        await outbox.add(tx, batch);
      });
    }

    await waitFor('300 messages on Kafka', () => received.length >= 300, 20_000);
    // The relay reports a batch after marking it published, which can be after consumers already have it.
    await waitFor('300 rows reported published', () => publishedSeqs.length >= 300, 20_000);
    expect(received.map((m) => m.envelope.payload.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(received.every((m, i) => m.envelope.tenantId === tenants[Math.floor(i / 50) % 2])).toBe(true);
    expect(publishedSeqs).toHaveLength(300);
    expect(publishedSeqs.every((s, i) => i === 0 || s > publishedSeqs[i - 1]!)).toBe(true);
    const rows = await allRows(schema);
    expect(rows.every((r) => r.published_at !== null && r.attempts === 1 && r.last_error === null)).toBe(true);
  });

  it('publishes nothing from a rolled-back transaction', async () => {
    const schema = await freshSchema();
    const topic = testTopic('outbox-rollback');
    const outbox = new Outbox(schema);
    const tenantId = newTenant();
    const received = await consume(topic);
    await startRelay(schema);

    const lost = createEnvelope(topic, tenantId, { key: 'k', seq: 1 });
    const failing = uow.inTenant(tenantId, async (tx) => {
      await outbox.add(tx, lost);
      throw new Error('the business change failed');
    });
    await expect(failing).rejects.toThrow('the business change failed');
    const kept = createEnvelope(topic, tenantId, { key: 'k', seq: 2 });
    await uow.inTenant(tenantId, (tx) => outbox.add(tx, kept));

    await waitFor('the committed message', () => received.length >= 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(received.map((m) => m.envelope.id)).toEqual([kept.id]);
    expect((await allRows(schema)).map((r) => r.id)).toEqual([kept.id]);
  });

  it('keeps the rows while the bus fails, records attempts and the error, retries with backoff, and publishes them in order once it recovers', async () => {
    const schema = await freshSchema();
    const topic = testTopic('outbox-failing');
    const outbox = new Outbox(schema);
    const tenantId = newTenant();
    const received = await consume(topic);
    const flaky = new ControlledBus(bus);
    flaky.failing = true;
    const relay = await startRelay(schema, { bus: flaky, retry: { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 150 } });

    await uow.inTenant(tenantId, (tx) => outbox.add(tx, [0, 1, 2, 3, 4].map((seq) => createEnvelope(topic, tenantId, { key: 'k', seq }))));
    // Two full cycles of 3 attempts: the relay backed off and came back, without dropping anything.
    await waitFor('two failed cycles', () => relay.metrics.failedAttempts >= 6);
    const failed = await allRows(schema);
    expect(failed).toHaveLength(5);
    for (const row of failed) {
      expect(row.published_at).toBeNull();
      expect(row.attempts).toBeGreaterThanOrEqual(6);
      expect(row.last_error).toBe('broker unavailable');
    }
    expect(relay.metrics.lastError).toBe('broker unavailable');

    flaky.failing = false;
    await waitFor('the messages after recovery', () => received.length >= 5);
    expect(received.map((m) => m.envelope.payload.seq)).toEqual([0, 1, 2, 3, 4]);
    const recovered = await allRows(schema);
    expect(recovered.every((r) => r.published_at !== null && r.last_error === null)).toBe(true);
  });

  it('wakes on the insert notification instead of waiting for the poll', async () => {
    const schema = await freshSchema();
    const topic = testTopic('outbox-listen');
    const outbox = new Outbox(schema);
    const tenantId = newTenant();
    const published: PublishedOutboxRow[] = [];
    const relay = await startRelay(schema, { pollIntervalMs: 60_000, onPublished: (rows) => published.push(...rows) });
    await waitFor('the relay to lead', () => relay.metrics.role === 'leader');
    await new Promise((r) => setTimeout(r, 200)); // its first (empty) cycle is over: it now sleeps for 60 s

    const started = Date.now();
    await uow.inTenant(tenantId, (tx) => outbox.add(tx, createEnvelope(topic, tenantId, { key: 'k', seq: 1 })));
    await waitFor('the publication', () => published.length === 1, 5_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(published[0]!.publishedAt.getTime()).toBeGreaterThanOrEqual(published[0]!.createdAt.getTime());
  });

  it('runs one active relay per schema: the other stands by, publishes nothing, and takes over when the first stops', async () => {
    const schema = await freshSchema();
    const topic = testTopic('outbox-leader');
    const outbox = new Outbox(schema);
    const tenantId = newTenant();
    const busA = new ControlledBus(bus);
    const busB = new ControlledBus(bus);
    const a = await startRelay(schema, { bus: busA });
    expect(a.metrics.role).toBe('leader');
    const b = await startRelay(schema, { bus: busB });
    expect(b.metrics.role).toBe('standby');

    for (let i = 0; i < 4; i += 1) {
      await uow.inTenant(tenantId, (tx) => outbox.add(tx, [0, 1, 2, 3, 4].map((j) => createEnvelope(topic, tenantId, { key: `k${j}`, seq: i * 5 + j }))));
    }
    await waitFor('20 rows published', async () => (await allRows(schema)).every((r) => r.published_at !== null));
    expect(busA.publishedIds).toHaveLength(20);
    expect(busB.publishedIds).toHaveLength(0);

    await a.stop();
    await waitFor('relay B to take over', () => b.metrics.role === 'leader', 5_000);
    const later = createEnvelope(topic, tenantId, { key: 'k', seq: 99 });
    await uow.inTenant(tenantId, (tx) => outbox.add(tx, later));
    await waitFor('the later row published by B', () => busB.publishedIds.includes(later.id));
    expect(busA.publishedIds).toHaveLength(20);
  });

  it('stop() finishes and records the batch in flight', async () => {
    const schema = await freshSchema();
    const topic = testTopic('outbox-stop');
    const outbox = new Outbox(schema);
    const tenantId = newTenant();
    // The topic exists before the relay starts: this test is about stopping, not about a first publish that may fail.
    await bus.publish([createEnvelope(topic, tenantId, { key: 'warm-up', seq: 0 })]);
    const slow = new ControlledBus(bus);
    slow.delayMs = 500;
    const relay = await startRelay(schema, { bus: slow });
    await waitFor('the relay to lead', () => relay.metrics.role === 'leader');
    await uow.inTenant(tenantId, (tx) => outbox.add(tx, [1, 2, 3].map((seq) => createEnvelope(topic, tenantId, { key: 'k', seq }))));
    await waitFor('the publish to start', () => slow.calls >= 1);
    await relay.stop();
    expect(relay.metrics.role).toBe('stopped');
    const rows = await allRows(schema);
    expect(rows.map((r) => r.published_at !== null)).toEqual([true, true, true]);
  });

  it('deletes published rows older than the retention', async () => {
    const schema = await freshSchema();
    const topic = testTopic('outbox-retention');
    const outbox = new Outbox(schema);
    const tenantId = newTenant();
    const relay = await startRelay(schema, { retentionMs: 1, cleanupIntervalMs: 0 });
    await uow.inTenant(tenantId, (tx) => outbox.add(tx, createEnvelope(topic, tenantId, { key: 'k', seq: 1 })));
    await waitFor('the row to be published', () => relay.metrics.published === 1);
    await waitFor('the published row to be deleted', async () => (await allRows(schema)).length === 0);
  });

  it("refuses an envelope of another tenant than the transaction's, and writes nothing", async () => {
    const schema = await freshSchema();
    const topic = testTopic('outbox-refuse');
    const outbox = new Outbox(schema);
    const [a, b] = [newTenant(), newTenant()];
    const write = uow.inTenant(a, (tx) =>
      outbox.add(tx, [createEnvelope(topic, a, { key: 'k', seq: 1 }), createEnvelope(topic, b, { key: 'k', seq: 2 })]),
    );
    await expect(write).rejects.toThrow(MessageValidationError);
    await expect(write).rejects.toThrow(/tenantId/);
    expect(await allRows(schema)).toEqual([]);
  });

  it("keeps one tenant's outbox rows invisible and untouchable to another (row-level security)", async () => {
    const schema = await freshSchema();
    const topic = testTopic('outbox-rls');
    const outbox = new Outbox(schema);
    const [a, b] = [newTenant(), newTenant()];
    await uow.inTenant(a, (tx) => outbox.add(tx, createEnvelope(topic, a, { key: 'k', seq: 1 })));

    expect(await uow.inTenant(a, (tx) => tx.manager.query(`SELECT id FROM ${schema}.outbox`))).toHaveLength(1);
    expect(await uow.inTenant(b, (tx) => tx.manager.query(`SELECT id FROM ${schema}.outbox`))).toEqual([]);
    const [, updated] = await uow.inTenant(b, (tx) => tx.manager.query(`UPDATE ${schema}.outbox SET published_at = now()`));
    expect(updated).toBe(0);
    expect(await ds.query(`SELECT id FROM ${schema}.outbox`)).toEqual([]);
    const forge = uow.inTenant(b, (tx) =>
      tx.manager.query(`INSERT INTO ${schema}.outbox (id, tenant_id, topic, msg_key, envelope) VALUES (gen_random_uuid(), $1, 't', 'k', '{}')`, [a]),
    );
    expect(isRlsViolation(await forge.then(() => null, (e: unknown) => e))).toBe(true);
  });
});

describe('createMessagingMigration (real PostgreSQL)', () => {
  it('creates RLS-forced outbox and inbox tables with the notify trigger, and its down drops them', async () => {
    const schema = uniqueName('mig').replace(/-/g, '_');
    const migrations = [createMessagingMigration(schema, 'Messaging', 1700000000000)];
    const ownerUrl = testEnvironment.pgOwnerUrl();
    expect(await runMigrations({ ownerUrl, schema, migrations })).toEqual(['Messaging1700000000000']);
    const ds = await appDataSource('messaging-migration-test');
    const tablesOf = (): Promise<unknown[]> =>
      ds.query(
        `SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r' AND relname <> 'migrations' ORDER BY relname`,
        [schema],
      );
    try {
      expect(await tablesOf()).toEqual([
        { relname: 'inbox', relrowsecurity: true, relforcerowsecurity: true },
        { relname: 'outbox', relrowsecurity: true, relforcerowsecurity: true },
      ]);
      const triggers = await ds.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`, [`${schema}.outbox`]);
      expect(triggers).toEqual([{ tgname: 'outbox_notify' }]);
      await revertMigrations({ ownerUrl, schema, migrations, steps: 1 });
      expect(await tablesOf()).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });
});
