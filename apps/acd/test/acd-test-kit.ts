import { randomUUID } from 'node:crypto';
import { type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import { type DataSource } from 'typeorm';
import { TokenService } from '@parley/auth';
import { ivrCallRoutedV1, type PayloadOf, type Role, seatAssignedV1, seatReleasedV1 } from '@parley/contracts';
import { createEnvelope, type EventBus, KafkaEventBus, positionNewConsumerGroup } from '@parley/messaging';
import { createDataSource, runMigrations } from '@parley/persistence';
import { createLogger, createMetricsRegistry, type Logger, type LogLevel, type Registry } from '@parley/telemetry';
import { testEnvironment, uniqueName, waitFor } from '@parley/testing';
import { ACD_SCHEMA, acdConsumerGroups, acdEnvSchema, acdMigrations, createAcdApp, redisRealtime, ROUTING_TOPICS, RoutingDispatcher, type AcdEnv } from '../src/index';

/**
 * Every acd test app (of every run) projects seats in one consumer group: its position stays on
 * the broker between runs, so a fresh test database does not replay the broker's whole seat
 * history (each app reads a share of the new seat events; they all write the one test database).
 */
export const TEST_SEATS_GROUP = 'acd_test.seats';

export const JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';
export const DATA_KEY = 'test-acd-data-key-that-is-long-enough-0123456789';

export interface AcdTestApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  dataSource: DataSource;
  bus: EventBus;
  redis: Redis;
  config: AcdEnv;
  registry: Registry;
  dispatcher: RoutingDispatcher;
  close(): Promise<void>;
  /** Stops like a crashed instance: no lease handed over, nothing drained. */
  crash(): Promise<void>;
}

export interface StartAcdAppOptions {
  overrides?: Partial<Record<keyof AcdEnv, string>>;
  /** Default: a prefix unique to this app, so suites on the shared broker do not share groups. */
  consumerGroupPrefix?: string;
  logger?: Logger;
}

/** A Kafka bus tuned for tests: fewer partitions, quick rebalances and commits. */
export function testKafkaBus(clientId: string, logger?: Logger): KafkaEventBus {
  return new KafkaEventBus({
    brokers: testEnvironment.kafkaBrokers(),
    clientId,
    ...(logger ? { logger } : {}),
    partitionsPerTopic: 3,
    connectionTimeoutMs: 3_000,
    requestTimeoutMs: 10_000,
    consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 100, joinTimeoutMs: 60_000, commitThreshold: 1 },
  });
}

/** Applies the acd migrations once per test file (idempotent). */
export async function migrate(): Promise<void> {
  await runMigrations({ ownerUrl: testEnvironment.pgOwnerUrl(), schema: ACD_SCHEMA, migrations: acdMigrations });
}

/** The acd service over real PostgreSQL (as the runtime role), Redis and Kafka, wired as in production (createAcdApp). */
export async function startAcdApp(options: StartAcdAppOptions = {}): Promise<AcdTestApp> {
  await migrate();
  const config = acdEnvSchema.parse({
    PG_URL: testEnvironment.pgAppUrl(),
    REDIS_URL: testEnvironment.redisUrl(),
    JWT_SECRET,
    ACD_DATA_KEY: DATA_KEY,
    LOG_LEVEL: 'silent',
    ACD_SWEEP_INTERVAL_MS: '250',
    ACD_STATS_INTERVAL_MS: '200',
    ...options.overrides,
  });
  const dataSource = createDataSource({ url: config.PG_URL, schema: ACD_SCHEMA, applicationName: 'acd-test', poolMax: 6 });
  await dataSource.initialize();
  const logger = options.logger ?? createLogger({ service: 'acd-test', level: (process.env.ACD_TEST_LOG as LogLevel | undefined) ?? 'silent' });
  const groupPrefix = options.consumerGroupPrefix ?? uniqueName('acd-test').replace(/-/g, '_');
  // As main.ts does: a new routing group starts at the end of its topics (not the broker's history).
  await positionNewConsumerGroup({ brokers: testEnvironment.kafkaBrokers(), group: acdConsumerGroups(groupPrefix).routing, topics: ROUTING_TOPICS.map((t) => t.name), logger });
  const bus = testKafkaBus(uniqueName('acd-test'), logger);
  const redis = new Redis(testEnvironment.redisUrl(), { maxRetriesPerRequest: 2 });
  const registry = createMetricsRegistry('acd');
  const app = await createAcdApp({
    config,
    dataSource,
    bus,
    realtime: redisRealtime(redis),
    tokenService: new TokenService({ issuer: config.JWT_ISSUER, audience: 'parley', signingSecret: JWT_SECRET }),
    logger,
    metrics: registry,
    consumerGroupPrefix: groupPrefix,
    seatsConsumerGroup: TEST_SEATS_GROUP,
  });
  await app.init();
  const dispatcher = app.get(RoutingDispatcher);
  let closed = false;
  return {
    app,
    http: request(app.getHttpServer()),
    dataSource,
    bus,
    redis,
    config,
    registry,
    dispatcher,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await bus.close();
      await dataSource.destroy();
      redis.disconnect();
    },
    async crash() {
      if (closed) return;
      closed = true;
      await dispatcher.halt();
      await bus.close();
      await app.close().catch(() => undefined);
      await dataSource.destroy().catch(() => undefined);
      redis.disconnect();
    },
  };
}

/** A tenant of the tests: an id and access tokens for each role (as the tenant service issues them). */
export interface TestTenant {
  tenantId: string;
  auth(role?: Role, userId?: string): Promise<{ authorization: string }>;
}

const tokens = new TokenService({ issuer: 'parley', audience: 'parley', signingSecret: JWT_SECRET });

export function newTenant(): TestTenant {
  const tenantId = randomUUID();
  const slug = uniqueName('co');
  return {
    tenantId,
    async auth(role: Role = 'owner', userId: string = randomUUID()) {
      const { token } = await tokens.issueAccessToken({ sub: userId, tenantId, tenantSlug: slug, role, sessionId: randomUUID(), hasSeat: role === 'agent' });
      return { authorization: `Bearer ${token}` };
    },
  };
}

export { waitFor };

/** Plays the tenant service: gives `userId` a seat (tenant.seat.assigned.v1), and waits until the acd knows the agent. */
export async function seatAgent(t: AcdTestApp, tenant: TestTenant, userId = randomUUID()): Promise<string> {
  await t.bus.publish([createEnvelope(seatAssignedV1, tenant.tenantId, { tenantId: tenant.tenantId, userId, seatsInUse: 1, seatLimit: 10, assignedAt: new Date().toISOString() })]);
  const auth = await tenant.auth('admin');
  await waitFor(`agent ${userId} in the acd`, async () => (await t.http.get(`/api/v1/acd/agents/${userId}`).set(auth)).status === 200, 60_000, 100);
  return userId;
}

export async function unseatAgent(t: AcdTestApp, tenant: TestTenant, userId: string): Promise<void> {
  await t.bus.publish([createEnvelope(seatReleasedV1, tenant.tenantId, { tenantId: tenant.tenantId, userId, seatsInUse: 0, seatLimit: 10, releasedAt: new Date().toISOString() })]);
}

export type RoutedOverrides = Partial<PayloadOf<typeof ivrCallRoutedV1>>;

/** Plays the IVR: routes a call to a queue (ivr.call.routed.v1); returns the call id. */
export async function routeCall(bus: EventBus, tenant: TestTenant, queue: string, over: RoutedOverrides = {}): Promise<string> {
  const callId = over.callId ?? randomUUID();
  const payload: PayloadOf<typeof ivrCallRoutedV1> = {
    callId,
    flowId: randomUUID(),
    flowVersion: 1,
    nodeId: 'enqueue',
    mode: 'live',
    queue,
    priority: 0,
    skills: [],
    attributes: {},
    variables: {},
    callerNumber: '+14155550123',
    dialledNumber: '+18005550100',
    locale: 'en',
    afterAgent: 'end',
    routedAt: new Date().toISOString(),
    ...over,
  };
  await bus.publish([createEnvelope(ivrCallRoutedV1, tenant.tenantId, payload)]);
  return callId;
}

/** Creates skills and a queue through the API (as an owner). */
export async function configure(t: AcdTestApp, tenant: TestTenant, setup: { skills?: string[]; queues: Record<string, unknown>[] }): Promise<void> {
  const auth = await tenant.auth('owner');
  for (const skillId of setup.skills ?? []) {
    const res = await t.http.post('/api/v1/acd/skills').set(auth).send({ skillId, name: skillId });
    if (res.status !== 201) throw new Error(`skill ${skillId}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  for (const queue of setup.queues) {
    const res = await t.http.post('/api/v1/acd/queues').set(auth).send(queue);
    if (res.status !== 201) throw new Error(`queue ${String(queue.queueId)}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** Sets an agent's skills and queues and asks for a state (as an admin). */
export async function prepareAgent(t: AcdTestApp, tenant: TestTenant, agentId: string, profile: { skills?: { skillId: string; proficiency: number }[]; queueIds: string[]; state?: 'available' | 'break' | 'offline' }): Promise<void> {
  const auth = await tenant.auth('admin');
  const skills = await t.http.put(`/api/v1/acd/agents/${agentId}/skills`).set(auth).send({ skills: profile.skills ?? [] });
  if (skills.status !== 200) throw new Error(`skills of ${agentId}: ${skills.status} ${JSON.stringify(skills.body)}`);
  const queues = await t.http.put(`/api/v1/acd/agents/${agentId}/queues`).set(auth).send({ queueIds: profile.queueIds });
  if (queues.status !== 200) throw new Error(`queues of ${agentId}: ${queues.status} ${JSON.stringify(queues.body)}`);
  if (profile.state) {
    const state = await t.http.put(`/api/v1/acd/agents/${agentId}/state`).set(auth).send({ state: profile.state });
    if (state.status !== 200) throw new Error(`state of ${agentId}: ${state.status} ${JSON.stringify(state.body)}`);
  }
}

export async function agentState(t: AcdTestApp, tenant: TestTenant, agentId: string): Promise<{ state: string; reason: string | null; callId: string | null; missedOffers: number }> {
  const res = await t.http.get(`/api/v1/acd/agents/${agentId}/state`).set(await tenant.auth('supervisor'));
  if (res.status !== 200) throw new Error(`state of ${agentId}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { state: string; reason: string | null; callId: string | null; missedOffers: number };
}

export const baseQueue = (queueId: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  queueId,
  name: queueId,
  strategy: 'longest-idle',
  serviceLevel: { percent: 80, thresholdSeconds: 20 },
  offerTimeoutSeconds: 10,
  ...over,
});
