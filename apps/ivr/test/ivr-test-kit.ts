import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import { type DataSource } from 'typeorm';
import { TokenService } from '@parley/auth';
import { phoneNumberAssignedV1, phoneNumberReleasedV1, type FlowDocumentInput, type Role } from '@parley/contracts';
import { createEnvelope, type EventBus, KafkaEventBus } from '@parley/messaging';
import { createDataSource, runMigrations } from '@parley/persistence';
import { RedisCounterStore } from '@parley/rate-limit';
import { createLogger, createMetricsRegistry, type Logger, type Registry } from '@parley/telemetry';
import { testEnvironment, uniqueName, waitFor as pollUntil } from '@parley/testing';
import { createIvrApp, IVR_SCHEMA, ivrEntities, ivrEnvSchema, ivrMigrations, type IvrEnv } from '../src/index';

const JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';

export interface IvrTestApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  dataSource: DataSource;
  bus: EventBus;
  config: IvrEnv;
  registry: Registry;
  close(): Promise<void>;
}

export interface StartIvrAppOptions {
  overrides?: Partial<Record<keyof IvrEnv, string>>;
  /** Its own database (default: the run's test database). */
  database?: { ownerUrl: string; appUrl: string };
  /** Default: a Kafka bus on the run's broker. */
  brokers?: string[];
  /** Default: a prefix unique to this app, so suites on the shared broker do not share groups. */
  consumerGroupPrefix?: string;
  logger?: Logger;
}

/** A Kafka bus tuned for tests: fewer partitions, quick rebalances and commits. */
export function testKafkaBus(brokers: string[], clientId: string): KafkaEventBus {
  return new KafkaEventBus({
    brokers,
    clientId,
    partitionsPerTopic: 3,
    connectionTimeoutMs: 3_000,
    requestTimeoutMs: 10_000,
    consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 100, joinTimeoutMs: 60_000, commitThreshold: 1 },
  });
}

/** The ivr service over real PostgreSQL (as the runtime role), Redis and Kafka, wired as in production (createIvrApp). */
export async function startIvrApp(options: StartIvrAppOptions = {}): Promise<IvrTestApp> {
  const database = options.database ?? { ownerUrl: testEnvironment.pgOwnerUrl(), appUrl: testEnvironment.pgAppUrl() };
  await runMigrations({ ownerUrl: database.ownerUrl, schema: IVR_SCHEMA, migrations: ivrMigrations });
  const config = ivrEnvSchema.parse({ PG_URL: database.appUrl, JWT_SECRET, LOG_LEVEL: 'silent', IVR_TIMER_POLL_MS: '100', ...options.overrides });
  const dataSource = createDataSource({ url: config.PG_URL, schema: IVR_SCHEMA, entities: ivrEntities, applicationName: 'ivr-test', poolMax: 6 });
  await dataSource.initialize();
  const bus = testKafkaBus(options.brokers ?? testEnvironment.kafkaBrokers(), uniqueName('ivr-test'));
  const redis = new Redis(testEnvironment.redisUrl(), { maxRetriesPerRequest: 2 });
  const registry = createMetricsRegistry('ivr');
  const app = await createIvrApp({
    config,
    dataSource,
    bus,
    counters: new RedisCounterStore(redis, `${uniqueName('ivr-test')}:`),
    tokenService: new TokenService({ issuer: config.JWT_ISSUER, audience: 'parley', signingSecret: JWT_SECRET }),
    logger: options.logger ?? createLogger({ service: 'ivr-test', level: 'silent' }),
    metrics: registry,
    consumerGroupPrefix: options.consumerGroupPrefix ?? uniqueName('ivr-test').replace(/-/g, '_'),
  });
  await app.init();
  return {
    app,
    http: request(app.getHttpServer()),
    dataSource,
    bus,
    config,
    registry,
    async close() {
      await app.close();
      await bus.close();
      await dataSource.destroy();
      redis.disconnect();
    },
  };
}

/** A tenant of the tests: an id and access tokens for each role (as the tenant service issues them). */
export interface TestTenant {
  tenantId: string;
  auth(role?: Role): Promise<{ authorization: string }>;
}

const tokens = new TokenService({ issuer: 'parley', audience: 'parley', signingSecret: JWT_SECRET });

export function newTenant(): TestTenant {
  const tenantId = randomUUID();
  const slug = uniqueName('co');
  return {
    tenantId,
    async auth(role: Role = 'owner') {
      const { token } = await tokens.issueAccessToken({ sub: randomUUID(), tenantId, tenantSlug: slug, role, sessionId: randomUUID(), hasSeat: false });
      return { authorization: `Bearer ${token}` };
    },
  };
}

let numberCounter = Math.floor(Math.random() * 9000);
export function randomE164(): string {
  numberCounter += 1;
  return `+1628${String(Math.floor(Math.random() * 900) + 100)}${String(numberCounter % 10000).padStart(4, '0')}`;
}

/** Plays the tenant service: announces that `tenant` got a number (tenant.phone-number.assigned.v1). */
export async function assignNumber(bus: EventBus, tenant: TestTenant, numberId = randomUUID(), e164 = randomE164()): Promise<{ numberId: string; e164: string }> {
  await bus.publish([createEnvelope(phoneNumberAssignedV1, tenant.tenantId, { tenantId: tenant.tenantId, numberId, e164, assignedAt: new Date().toISOString() })]);
  return { numberId, e164 };
}

export async function releaseNumber(bus: EventBus, tenant: TestTenant, number: { numberId: string; e164: string }): Promise<void> {
  await bus.publish([createEnvelope(phoneNumberReleasedV1, tenant.tenantId, { tenantId: tenant.tenantId, numberId: number.numberId, e164: number.e164, releasedAt: new Date().toISOString() })]);
}

/** waitFor of @parley/testing, polling every 100 ms. */
export function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  return pollUntil(what, check, timeoutMs, everyMs);
}

/** Waits until the ivr service's projection knows the number (GET /ivr/numbers/{id} answers 200). */
export async function numberKnown(t: IvrTestApp, tenant: TestTenant, numberId: string): Promise<void> {
  const auth = await tenant.auth();
  await waitFor(`number ${numberId} in the ivr projection`, async () => (await t.http.get(`/api/v1/ivr/numbers/${numberId}`).set(auth)).status === 200, 60_000, 200);
}

const text = (value: string): { en: { kind: 'text'; text: string; locale: 'en' }[] } => ({ en: [{ kind: 'text', text: value, locale: 'en' }] });

/**
 * The flow the tests drive: welcome, a data dip looking the caller up, a menu (1 sales, 2 support
 * with skills), the queues, a goodbye. `webhookUrl` is the data dip's https endpoint.
 */
export function menuFlow(webhookUrl: string, options: { dipTimeoutMs?: number; name?: string } = {}): FlowDocumentInput {
  return {
    schemaVersion: 1,
    name: options.name ?? 'Sales and support',
    locales: ['en'],
    defaultLocale: 'en',
    startNodeId: 'welcome',
    nodes: [
      { id: 'welcome', type: 'play', prompt: text('Welcome to Acme.'), next: 'lookup' },
      {
        id: 'lookup',
        type: 'data-dip',
        url: webhookUrl,
        method: 'POST',
        timeoutMs: options.dipTimeoutMs ?? 2000,
        map: [
          { path: 'customer.tier', variable: 'tier', required: true },
          { path: 'customer.name', variable: 'customerName' },
        ],
        next: 'main-menu',
        onFailure: 'main-menu',
      },
      {
        id: 'main-menu',
        type: 'menu',
        prompt: text('Hello {{customerName}}. For sales press 1, for support press 2.'),
        options: { '1': 'sales', '2': 'support' },
        timeoutMs: 5000,
        maxRetries: 1,
        invalidPrompt: text('Sorry, that is not a choice.'),
        onInvalid: 'goodbye',
      },
      { id: 'sales', type: 'enqueue', queue: 'sales', priority: 1, skills: [{ skill: 'sales', minProficiency: 2 }], attributes: { tier: '{{tier}}', entry: 'menu-1' } },
      {
        id: 'support',
        type: 'enqueue',
        queue: 'support',
        priority: 5,
        skills: [
          { skill: 'billing', minProficiency: 3 },
          { skill: 'english', minProficiency: 1 },
        ],
        attributes: { tier: '{{tier}}', caller: '{{call.from}}' },
        prompt: text('Please hold for support.'),
      },
      { id: 'goodbye', type: 'hangup', prompt: text('Goodbye.'), reason: 'no valid choice' },
    ],
  };
}

/** A self-signed certificate for 127.0.0.1 and localhost (openssl), in a temporary directory. */
export function selfSignedCertificate(): { key: string; cert: string; certFile: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ivr-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const result = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`openssl could not make a test certificate: ${result.stderr}`);
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RecordedWebhookRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTPS server on 127.0.0.1 answering with `answer(request)`; undefined leaves the request hanging. */
export async function startWebhookServer(
  tls: { key: string; cert: string },
  answer: (request: RecordedWebhookRequest) => { status: number; body: string; delayMs?: number } | undefined,
): Promise<{ url: (path: string) => string; requests: RecordedWebhookRequest[]; close(): Promise<void> }> {
  const requests: RecordedWebhookRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      const reply = answer(recorded);
      if (reply === undefined) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body);
      }, reply.delayMs ?? 0);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `https://127.0.0.1:${port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
