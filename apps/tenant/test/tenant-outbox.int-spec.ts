import { type MigrationInterface, type QueryRunner, type DataSource } from 'typeorm';
import { tenantCreatedV1, type Envelope } from '@parley/contracts';
import { createMessagingMigration, idempotentHandler, Inbox, KafkaEventBus, type ReceivedMessage } from '@parley/messaging';
import { createDataSource, provisionDatabase, runMigrations, tenantTableSecuritySql, UnitOfWork } from '@parley/persistence';
import { DedicatedKafka, testEnvironment, uniqueName } from '@parley/testing';
import { signUp, startTenantApp, type TenantTestApp } from './tenant-test-app';

const consumerSchema = uniqueName('signup_consumer').replace(/-/g, '_');

/** The consumer's own state: one row per effect of a tenant.created event (under RLS, like any tenant table). */
class CreateEffects1764100000001 implements MigrationInterface {
  name = 'CreateEffects1764100000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ${consumerSchema}.welcomed (id bigserial PRIMARY KEY, tenant_id uuid NOT NULL, slug text NOT NULL, message_id uuid NOT NULL)`);
    for (const sql of tenantTableSecuritySql(consumerSchema, 'welcomed', { systemAccess: ['SELECT'] })) await q.query(sql);
    await q.query(`GRANT USAGE ON SEQUENCE ${consumerSchema}.welcomed_id_seq TO parley_app`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${consumerSchema}.welcomed`);
  }
}

function kafkaBus(brokers: string[], clientId: string): KafkaEventBus {
  return new KafkaEventBus({
    brokers,
    clientId,
    partitionsPerTopic: 3,
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 3_000,
    publishRetries: 2,
    consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 250, joinTimeoutMs: 30_000 },
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// A broker of this test's own, stopped while companies sign up and started again afterwards.
describe('outbox: signups while Kafka is down reach a consumer exactly once when it returns', () => {
  const kafka = new DedicatedKafka(38_100 + 2 * Math.floor(Math.random() * 400));
  let t: TenantTestApp;
  let consumerDb: DataSource;
  let consumerBus: KafkaEventBus;

  beforeAll(async () => {
    kafka.start();
    // A database of its own: the outbox relay is one per schema, and the other suites' tenant apps
    // (whose relays publish to the shared broker, which stays up) must not publish these rows.
    const database = await provisionDatabase({ adminUrl: testEnvironment.pgAdminUrl(), database: 'parley_test_outbox', ownerPassword: 'parley-owner-test', appPassword: 'parley-app-test', recreate: true });
    t = await startTenantApp({}, { bus: kafkaBus(kafka.brokers, uniqueName('tenant')), database });
    await runMigrations({ ownerUrl: testEnvironment.pgOwnerUrl(), schema: consumerSchema, migrations: [createMessagingMigration(consumerSchema, 'ConsumerMessaging', 1764100000000, { outbox: false }), CreateEffects1764100000001] });
    consumerDb = createDataSource({ url: testEnvironment.pgAppUrl(), schema: consumerSchema, applicationName: 'signup-consumer' });
    await consumerDb.initialize();
  }, 120_000);

  afterAll(async () => {
    await consumerBus?.close();
    await t?.close();
    await consumerDb?.destroy();
    kafka.destroy();
  }, 60_000);

  it('accepts 20 signups with the broker down, then delivers each tenant.created once, even when redelivered', async () => {
    kafka.stop();
    const companies = [];
    for (let i = 0; i < 20; i += 1) companies.push(await signUp(t));
    const ids = new Set(companies.map((c) => c.tenant.id));
    expect(ids.size).toBe(20);

    const ready = await t.http.get('/ready');
    expect(ready.status).toBe(503);
    expect(Object.keys(ready.body.checks)).toContain('bus');
    expect(ready.body.checks.bus).not.toBe('ok');

    const uow = new UnitOfWork(t.dataSource);
    const waiting: { n: number }[] = await uow.asSystem('test', (tx) =>
      tx.manager.query(`SELECT count(*)::int AS n FROM tenant.outbox WHERE published_at IS NULL AND topic = $1 AND tenant_id = ANY($2::uuid[])`, [tenantCreatedV1.name, [...ids]]),
    );
    expect(waiting[0]!.n).toBe(20);

    kafka.start();
    consumerBus = kafkaBus(kafka.brokers, uniqueName('consumer'));
    const consumerUow = new UnitOfWork(consumerDb);
    const inbox = new Inbox(consumerSchema);
    const received: Envelope[] = [];
    const duplicates: Envelope[] = [];
    const group = uniqueName('test.welcome');
    await consumerBus.subscribe({
      group,
      topics: [tenantCreatedV1],
      handle: idempotentHandler({
        uow: consumerUow,
        inbox,
        group,
        onDuplicate: (message) => duplicates.push(message.envelope),
        handle: async (message: ReceivedMessage, tx) => {
          received.push(message.envelope);
          const payload = message.envelope.payload as { slug: string };
          await tx.manager.query(`INSERT INTO ${consumerSchema}.welcomed (tenant_id, slug, message_id) VALUES ($1, $2, $3)`, [tx.tenantId, payload.slug, message.envelope.id]);
        },
      }),
    });

    const effects = (): Promise<{ tenant_id: string; n: number }[]> =>
      consumerUow.asSystem('test', (tx) => tx.manager.query(`SELECT tenant_id, count(*)::int AS n FROM ${consumerSchema}.welcomed GROUP BY tenant_id`));
    await waitFor('every signup to reach the consumer', async () => (await effects()).filter((r) => ids.has(r.tenant_id)).length === 20, 90_000);

    // Redeliver every event (a relay that crashed after publishing, a consumer that crashed before committing).
    const ours = received.filter((e) => ids.has(e.tenantId));
    await consumerBus.publish(ours);
    await waitFor('the duplicates to be delivered', async () => duplicates.filter((e) => ids.has(e.tenantId)).length >= 20, 60_000);
    expect(received.filter((e) => ids.has(e.tenantId))).toHaveLength(20);

    const after = (await effects()).filter((r) => ids.has(r.tenant_id));
    expect(after).toHaveLength(20);
    expect(after.every((r) => r.n === 1)).toBe(true);
    expect((await t.http.get('/ready')).status).toBe(200);
  }, 240_000);
});
