import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import { type DataSource } from 'typeorm';
import { WebSocket } from 'ws';
import { TokenService } from '@parley/auth';
import {
  acdCallAssignedV1,
  acdCallOfferedV1,
  type CtiServerMessage,
  type Envelope,
  ivrCallRoutedV1,
  type PayloadOf,
  type Role,
  seatAssignedV1,
  seatReleasedV1,
  type TopicDefinition,
} from '@parley/contracts';
import { createEnvelope, type EventBus, KafkaEventBus, positionNewConsumerGroup } from '@parley/messaging';
import { createDataSource, runMigrations } from '@parley/persistence';
import { createLogger, createMetricsRegistry, type Logger, type LogLevel } from '@parley/telemetry';
import { testEnvironment, uniqueName, waitFor } from '@parley/testing';
import { CALL_TOPICS, CTI_SCHEMA, ctiConsumerGroups, ctiEnvSchema, ctiMigrations, createCtiApp, type CtiEnv, DesktopGateway, LIVE_TOPICS, redisCtiRealtime } from '../src/index';

/** Every cti test app projects seats in one consumer group kept on the broker between runs (as the acd tests do). */
export const TEST_SEATS_GROUP = 'cti_test.seats';
export const JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';
export const DATA_KEY = 'test-cti-data-key-that-is-long-enough-0123456789';

export interface CtiTestApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  /** ws://127.0.0.1:<port> of the listening app. */
  wsBase: string;
  dataSource: DataSource;
  bus: EventBus;
  redis: Redis;
  config: CtiEnv;
  gateway: DesktopGateway;
  close(): Promise<void>;
}

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

export async function migrate(): Promise<void> {
  await runMigrations({ ownerUrl: testEnvironment.pgOwnerUrl(), schema: CTI_SCHEMA, migrations: ctiMigrations });
}

export interface StartCtiAppOptions {
  overrides?: Partial<Record<keyof CtiEnv, string>>;
  /** Several apps of one test share a prefix (one deployment); default: unique to the app. */
  consumerGroupPrefix?: string;
}

/** The cti service over real PostgreSQL (runtime role), Redis and Kafka, wired as in production (createCtiApp), listening on a free port. */
export async function startCtiApp(options: StartCtiAppOptions = {}): Promise<CtiTestApp> {
  await migrate();
  const config = ctiEnvSchema.parse({
    PG_URL: testEnvironment.pgAppUrl(),
    REDIS_URL: testEnvironment.redisUrl(),
    JWT_SECRET,
    CTI_DATA_KEY: DATA_KEY,
    LOG_LEVEL: 'silent',
    CTI_CRM_ALLOW_PRIVATE: 'true',
    ...options.overrides,
  });
  const dataSource = createDataSource({ url: config.PG_URL, schema: CTI_SCHEMA, applicationName: 'cti-test', poolMax: 6 });
  await dataSource.initialize();
  const logger = createLogger({ service: 'cti-test', level: (process.env.CTI_TEST_LOG as LogLevel | undefined) ?? 'silent' });
  const prefix = options.consumerGroupPrefix ?? uniqueName('cti-test').replace(/-/g, '_');
  const groups = ctiConsumerGroups(prefix);
  // As main.ts does for calls (and here for live statistics too): a new group starts at the end of its topics.
  await positionNewConsumerGroup({ brokers: testEnvironment.kafkaBrokers(), group: groups.calls, topics: CALL_TOPICS.map((t) => t.name), logger });
  await positionNewConsumerGroup({ brokers: testEnvironment.kafkaBrokers(), group: groups.live, topics: LIVE_TOPICS.map((t) => t.name), logger });
  const bus = testKafkaBus(uniqueName('cti-test'), logger);
  const redis = new Redis(testEnvironment.redisUrl(), { maxRetriesPerRequest: 2 });
  const app = await createCtiApp({
    config,
    dataSource,
    bus,
    realtime: redisCtiRealtime(redis),
    tokenService: new TokenService({ issuer: config.JWT_ISSUER, audience: 'parley', signingSecret: JWT_SECRET }),
    logger,
    metrics: createMetricsRegistry('cti'),
    consumerGroupPrefix: prefix,
    seatsConsumerGroup: TEST_SEATS_GROUP,
  });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  let closed = false;
  return {
    app,
    http: request(app.getHttpServer()),
    wsBase: `ws://127.0.0.1:${port}`,
    dataSource,
    bus,
    redis,
    config,
    gateway: app.get(DesktopGateway),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await bus.close();
      await dataSource.destroy();
      redis.disconnect();
    },
  };
}

const tokens = new TokenService({ issuer: 'parley', audience: 'parley', signingSecret: JWT_SECRET });

export interface TestTenant {
  tenantId: string;
  auth(role?: Role, userId?: string): Promise<{ authorization: string }>;
}

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

export async function publish<T extends TopicDefinition>(bus: EventBus, topic: T, tenantId: string, payload: PayloadOf<T>): Promise<void> {
  await bus.publish([createEnvelope(topic, tenantId, payload)]);
}

/** Plays the tenant service: gives `userId` a seat and waits until the cti issues it an agent ticket. */
export async function seatAgent(t: CtiTestApp, tenant: TestTenant, userId = randomUUID()): Promise<string> {
  await publish(t.bus, seatAssignedV1, tenant.tenantId, { tenantId: tenant.tenantId, userId, seatsInUse: 1, seatLimit: 10, assignedAt: new Date().toISOString() });
  const auth = await tenant.auth('agent', userId);
  await waitFor(`agent ${userId} seated in the cti`, async () => (await t.http.post('/api/v1/cti/ws-tickets').set(auth).send({})).status === 201, 60_000, 100);
  return userId;
}

export async function unseatAgent(t: CtiTestApp, tenant: TestTenant, userId: string): Promise<void> {
  await publish(t.bus, seatReleasedV1, tenant.tenantId, { tenantId: tenant.tenantId, userId, seatsInUse: 0, seatLimit: 10, releasedAt: new Date().toISOString() });
}

/** Plays the IVR: routes a call to a queue. */
export async function routeCall(bus: EventBus, tenant: TestTenant, over: Partial<PayloadOf<typeof ivrCallRoutedV1>> = {}): Promise<string> {
  const callId = over.callId ?? randomUUID();
  await publish(bus, ivrCallRoutedV1, tenant.tenantId, {
    callId,
    flowId: randomUUID(),
    flowVersion: 1,
    nodeId: 'enqueue',
    mode: 'live',
    queue: 'support',
    priority: 0,
    skills: [],
    attributes: {},
    variables: {},
    callerNumber: '+8613812345678',
    dialledNumber: '+18005550100',
    locale: 'en',
    afterAgent: 'end',
    routedAt: new Date().toISOString(),
    ...over,
  });
  return callId;
}

/** Plays the acd: offers the call to agents. */
export async function offerCall(bus: EventBus, tenant: TestTenant, callId: string, agentIds: string[], queueId = 'support'): Promise<void> {
  await publish(bus, acdCallOfferedV1, tenant.tenantId, {
    callId,
    voiceCallId: callId,
    queueId,
    offerId: `offer-${randomUUID()}`,
    decisionId: `decision-${randomUUID()}`,
    agentIds,
    ringTimeoutMs: 20_000,
    attributes: {},
    offeredAt: new Date().toISOString(),
  });
}

export async function assignCall(bus: EventBus, tenant: TestTenant, callId: string, agentId: string, queueId = 'support'): Promise<void> {
  await publish(bus, acdCallAssignedV1, tenant.tenantId, { callId, voiceCallId: callId, queueId, agentId, offerId: 'offer-1', waitedMs: 1000, assignedAt: new Date().toISOString() });
}

/** A call routed, offered and connected to `agentId`, as the projection sees it. */
export async function connectedCall(t: CtiTestApp, tenant: TestTenant, agentId: string, over: Partial<PayloadOf<typeof ivrCallRoutedV1>> = {}): Promise<string> {
  const callId = await routeCall(t.bus, tenant, over);
  await offerCall(t.bus, tenant, callId, [agentId]);
  await assignCall(t.bus, tenant, callId, agentId);
  const auth = await tenant.auth('supervisor');
  await waitFor(`call ${callId} connected in the cti`, async () => {
    const res = await t.http.get(`/api/v1/cti/calls/${callId}`).set(auth);
    return res.status === 200 && (res.body as { state: string }).state === 'connected';
  });
  return callId;
}

/** A desktop: a WebSocket client that keeps every message it receives. */
export class TestDesktop {
  readonly messages: CtiServerMessage[] = [];
  closeCode: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(data.toString()) as CtiServerMessage));
    ws.on('close', (code) => (this.closeCode = code));
  }

  static async open(t: CtiTestApp, ticket: string): Promise<TestDesktop> {
    const ws = new WebSocket(`${t.wsBase}/api/v1/cti/ws?ticket=${encodeURIComponent(ticket)}`);
    // Listening before the handshake ends: the welcome may arrive with the 101.
    const desktop = new TestDesktop(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    await desktop.next('welcome');
    return desktop;
  }

  /** Connects expecting a refusal: the HTTP status and the body's message. */
  static async refused(t: CtiTestApp, ticket: string | null): Promise<{ status: number; message: string }> {
    const ws = new WebSocket(`${t.wsBase}/api/v1/cti/ws${ticket === null ? '' : `?ticket=${encodeURIComponent(ticket)}`}`);
    return new Promise((resolve, reject) => {
      ws.once('open', () => reject(new Error('the connection was accepted')));
      ws.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, message: (JSON.parse(Buffer.concat(chunks).toString()) as { message: string }).message }));
      });
      ws.once('error', () => undefined);
    });
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  async next<K extends CtiServerMessage['type']>(type: K, where: (m: Extract<CtiServerMessage, { type: K }>) => boolean = () => true, timeoutMs = 20_000): Promise<Extract<CtiServerMessage, { type: K }>> {
    return waitFor(`a ${type} message`, async () => this.messages.find((m): m is Extract<CtiServerMessage, { type: K }> => m.type === type && where(m as Extract<CtiServerMessage, { type: K }>)), timeoutMs, 20);
  }

  of<K extends CtiServerMessage['type']>(type: K): Extract<CtiServerMessage, { type: K }>[] {
    return this.messages.filter((m): m is Extract<CtiServerMessage, { type: K }> => m.type === type);
  }

  close(): void {
    this.ws.close();
  }
}

export async function ticketFor(t: CtiTestApp, auth: { authorization: string }, mode?: 'agent' | 'supervisor'): Promise<string> {
  const res = await t.http.post('/api/v1/cti/ws-tickets').set(auth).send(mode ? { mode } : {});
  if (res.status !== 201) throw new Error(`ws ticket: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { ticket: string }).ticket;
}

/** Reads what the cti published: a consumer group positioned at the end of `topics`, keeping every envelope. */
export class BusProbe {
  readonly envelopes: Envelope[] = [];
  private bus: KafkaEventBus | undefined;

  async start(topics: readonly TopicDefinition[]): Promise<void> {
    const group = uniqueName('cti-probe').replace(/-/g, '_');
    const logger = createLogger({ service: 'cti-probe', level: 'silent' });
    await positionNewConsumerGroup({ brokers: testEnvironment.kafkaBrokers(), group, topics: topics.map((t) => t.name), logger });
    this.bus = testKafkaBus(uniqueName('cti-probe'));
    await this.bus.subscribe({ group, topics, fromBeginning: true, handle: async (m) => void this.envelopes.push(m.envelope) });
  }

  async stop(): Promise<void> {
    await this.bus?.close();
  }

  find<T extends TopicDefinition>(topic: T, where: (payload: PayloadOf<T>, envelope: Envelope) => boolean): Promise<Envelope<PayloadOf<T>>> {
    return waitFor(`${topic.name} on the bus`, async () => this.envelopes.find((e) => e.type === topic.name && where(e.payload as PayloadOf<T>, e)) as Envelope<PayloadOf<T>> | undefined);
  }
}

export function selfSignedCertificate(): { key: string; cert: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cti-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const result = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`openssl could not make a test certificate: ${result.stderr}`);
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a PEM to a temporary file (CTI_CRM_CA_FILE). */
export function pemFile(pem: string): { path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cti-ca-'));
  const path = join(dir, 'ca.pem');
  writeFileSync(path, pem);
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A tenant's CRM: an HTTPS server on 127.0.0.1 answering with `answer(body)` after `delayMs`. */
export async function startCrm(tls: { key: string; cert: string }, answer: (body: Record<string, unknown>) => { status: number; body: unknown; delayMs?: number }) {
  const requests: Record<string, unknown>[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      requests.push(body);
      const reply = answer(body);
      const timer = setTimeout(() => {
        timers.delete(timer);
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      }, reply.delayMs ?? 0);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path: string) => `https://127.0.0.1:${port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
