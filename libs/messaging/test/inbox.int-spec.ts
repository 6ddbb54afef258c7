import { randomUUID } from 'node:crypto';
import { type DataSource } from 'typeorm';
import { type TopicDefinition } from '@parley/contracts';
import { UnitOfWork } from '@parley/persistence';
import { uniqueName } from '@parley/testing';
import {
  createEnvelope,
  idempotentHandler,
  Inbox,
  MessageRejectedError,
  type KafkaEventBus,
  type ReceivedMessage,
  type Subscription,
} from '../src/index';
import { appDataSource, freshSchema, kafkaBus, newTenant, testTopic, waitFor, type RecordPayload } from './messaging-test-kit';

describe('inbox and idempotent consumers (real PostgreSQL and Kafka)', () => {
  let ds: DataSource;
  let uow: UnitOfWork;
  let schema: string;
  let inbox: Inbox;
  let topic: TopicDefinition;

  beforeAll(async () => {
    ds = await appDataSource('inbox-int-test');
    uow = new UnitOfWork(ds);
    schema = await freshSchema('inbox');
    inbox = new Inbox(schema);
    topic = testTopic('inbox');
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  const notesOf = async (tenantId: string): Promise<string[]> =>
    (await uow.inTenant(tenantId, (tx) => tx.manager.query(`SELECT body FROM ${schema}.notes ORDER BY body`))).map((r: { body: string }) => r.body);

  function idempotentHandlerFor(group: string, onDuplicate?: () => void) {
    return idempotentHandler<RecordPayload>({
      uow,
      inbox,
      group,
      onDuplicate,
      handle: async (m, tx) => {
        await tx.manager.query(`INSERT INTO ${schema}.notes (tenant_id, body) VALUES ($1, $2)`, [tx.tenantId, `seq ${m.envelope.payload.seq}`]);
      },
    });
  }

  const received = (tenantId: string, seq: number): ReceivedMessage => ({
    envelope: createEnvelope(topic, tenantId, { key: 'k', seq }),
    topic,
    partition: 0,
    offset: String(seq),
    attempt: 1,
  });

  it('has no second effect when the same message is handled again, and tells about the duplicate', async () => {
    const tenantId = newTenant();
    let duplicates = 0;
    const handle = idempotentHandlerFor('svc.dup', () => (duplicates += 1));
    const message = received(tenantId, 1);
    await handle(message);
    await handle({ ...message, offset: '99', attempt: 2 });
    expect(await notesOf(tenantId)).toEqual(['seq 1']);
    expect(duplicates).toBe(1);
  });

  it('lets each consumer group handle the message once', async () => {
    const tenantId = newTenant();
    const message = received(tenantId, 7);
    await idempotentHandlerFor('svc.one')(message);
    await idempotentHandlerFor('svc.two')(message);
    await idempotentHandlerFor('svc.one')(message);
    expect(await notesOf(tenantId)).toEqual(['seq 7', 'seq 7']);
  });

  it('forgets a message whose effect failed (same transaction), so the retry has its effect', async () => {
    const tenantId = newTenant();
    const message = received(tenantId, 3);
    let fail = true;
    const handle = idempotentHandler<RecordPayload>({
      uow,
      inbox,
      group: 'svc.retry',
      handle: async (m, tx) => {
        await tx.manager.query(`INSERT INTO ${schema}.notes (tenant_id, body) VALUES ($1, $2)`, [tx.tenantId, `seq ${m.envelope.payload.seq}`]);
        if (fail) throw new Error('downstream failed after the write');
      },
    });
    await expect(handle(message)).rejects.toThrow('downstream failed');
    expect(await notesOf(tenantId)).toEqual([]);
    fail = false;
    await handle({ ...message, attempt: 2 });
    expect(await notesOf(tenantId)).toEqual(['seq 3']);
  });

  it('handles concurrent deliveries of one message once', async () => {
    const tenantId = newTenant();
    const message = received(tenantId, 5);
    const results = await Promise.all(
      [1, 2, 3].map(() => uow.inTenant(tenantId, (tx) => inbox.handleOnce(tx, 'svc.race', message.envelope.id, async () => {
        await tx.manager.query(`INSERT INTO ${schema}.notes (tenant_id, body) VALUES ($1, 'raced')`, [tx.tenantId]);
      }))),
    );
    expect([...results].sort()).toEqual(['duplicate', 'duplicate', 'handled']);
    expect(await notesOf(tenantId)).toEqual(['raced']);
  });

  it('rejects (to the DLQ, without retries) a message without a valid tenantId', async () => {
    const message = received(newTenant(), 1);
    const handle = idempotentHandlerFor('svc.reject');
    await expect(handle({ ...message, envelope: { ...message.envelope, tenantId: 'not-a-tenant' } })).rejects.toThrow(MessageRejectedError);
  });

  it("keeps one tenant's inbox rows invisible to another (row-level security)", async () => {
    const [a, b] = [newTenant(), newTenant()];
    await idempotentHandlerFor('svc.rls')(received(a, 1));
    const rowsOf = (tenantId: string): Promise<unknown[]> => uow.inTenant(tenantId, (tx) => tx.manager.query(`SELECT message_id FROM ${schema}.inbox`));
    expect(await rowsOf(a)).toHaveLength(1);
    expect(await rowsOf(b)).toEqual([]);
    expect(await ds.query(`SELECT message_id FROM ${schema}.inbox`)).toEqual([]);
  });

  it('prunes old inbox rows as the system role', async () => {
    const tenantId = newTenant();
    await idempotentHandlerFor('svc.prune')(received(tenantId, 1));
    expect(await inbox.prune(uow, new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(1);
    expect(await uow.inTenant(tenantId, (tx) => tx.manager.query(`SELECT 1 FROM ${schema}.inbox`))).toEqual([]);
  });

  describe('through Kafka', () => {
    let bus: KafkaEventBus;
    let subscription: Subscription | undefined;

    beforeAll(() => {
      bus = kafkaBus();
    });

    afterAll(async () => {
      await subscription?.close();
      await bus?.close();
    });

    it('has no second effect when Kafka delivers the same message twice (e.g. republished by the relay)', async () => {
      const tenantId = newTenant();
      const kafkaTopic = testTopic('inbox-kafka');
      const group = uniqueName('svc.inbox-kafka');
      let deliveries = 0;
      let duplicates = 0;
      const handle = idempotentHandler<RecordPayload>({
        uow,
        inbox,
        group,
        onDuplicate: () => (duplicates += 1),
        handle: async (m, tx) => {
          await tx.manager.query(`INSERT INTO ${schema}.notes (tenant_id, body) VALUES ($1, $2)`, [tx.tenantId, `kafka ${m.envelope.payload.seq}`]);
        },
      });
      subscription = await bus.subscribe({
        group,
        topics: [kafkaTopic],
        handle: async (m) => {
          await handle(m);
          deliveries += 1; // counted once the effect (or the duplicate check) has committed
        },
      });
      const once = createEnvelope(kafkaTopic, tenantId, { key: 'k', seq: 1 }, { id: randomUUID() });
      await bus.publish([once]);
      await bus.publish([once, createEnvelope(kafkaTopic, tenantId, { key: 'k', seq: 2 })]);
      await waitFor('three deliveries', () => deliveries >= 3);
      expect(duplicates).toBe(1);
      expect(await notesOf(tenantId)).toEqual(['kafka 1', 'kafka 2']);
    });
  });
});
