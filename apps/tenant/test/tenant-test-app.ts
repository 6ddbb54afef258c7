import { type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import { type DataSource } from 'typeorm';
import { TokenService } from '@parley/auth';
import { type SignupResponse, type TokenPair } from '@parley/contracts';
import { type EventBus, KafkaEventBus } from '@parley/messaging';
import { createDataSource, runMigrations } from '@parley/persistence';
import { createLogger } from '@parley/telemetry';
import { testEnvironment, uniqueName } from '@parley/testing';
import { RedisCounterStore } from '@parley/rate-limit';
import { createTenantApp, TENANT_SCHEMA, tenantEntities, tenantEnvSchema, tenantMigrations, type TenantEnv } from '../src/index';

export const TEST_PASSWORD = 'Plenty-of-entropy-42';

export interface TenantTestApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  dataSource: DataSource;
  bus: EventBus;
  redis: Redis;
  config: TenantEnv;
  close(): Promise<void>;
}

/**
 * The tenant service over real PostgreSQL (as the runtime role), real Redis and a real Kafka broker,
 * with the same wiring as production (createTenantApp).
 */
export async function startTenantApp(
  overrides: Partial<Record<keyof TenantEnv, string>> = {},
  options: { brokers?: string[]; bus?: EventBus; database?: { ownerUrl: string; appUrl: string } } = {},
): Promise<TenantTestApp> {
  await runMigrations({ ownerUrl: options.database?.ownerUrl ?? testEnvironment.pgOwnerUrl(), schema: TENANT_SCHEMA, migrations: tenantMigrations });
  const config = tenantEnvSchema.parse({
    PG_URL: options.database?.appUrl ?? testEnvironment.pgAppUrl(),
    JWT_SECRET: 'test-jwt-secret-that-is-long-enough-0123456789',
    SIP_CREDENTIAL_SECRET: 'test-sip-secret-that-is-long-enough-0123456789',
    TRUST_PROXY: 'true',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
  const dataSource = createDataSource({ url: config.PG_URL, schema: TENANT_SCHEMA, entities: tenantEntities, applicationName: 'tenant-test', poolMax: 5 });
  await dataSource.initialize();
  const bus = options.bus ?? new KafkaEventBus({ brokers: options.brokers ?? testEnvironment.kafkaBrokers(), clientId: uniqueName('tenant-test') });
  const redis = new Redis(testEnvironment.redisUrl(), { maxRetriesPerRequest: 2 });
  const tokenService = new TokenService({ issuer: config.JWT_ISSUER, audience: 'parley', signingSecret: config.JWT_SECRET, accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS });
  const logger = createLogger({ service: 'tenant-test', level: 'silent' });
  const app = await createTenantApp({ config, dataSource, bus, tokenService, counters: new RedisCounterStore(redis, `${uniqueName('test')}:`), logger });
  await app.init();
  return {
    app,
    http: request(app.getHttpServer()),
    dataSource,
    bus,
    redis,
    config,
    async close() {
      await app.close();
      await bus.close();
      await dataSource.destroy();
      redis.disconnect();
    },
  };
}

export interface SignedUpTenant extends SignupResponse {
  slug: string;
  password: string;
  auth: { authorization: string };
}

let addressCounter = 0;
/** A distinct client address per signup, so the per-address signup limit does not couple tests. */
export function nextClientAddress(): string {
  addressCounter += 1;
  return `10.${(process.pid >> 8) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
}

export async function signUp(t: TenantTestApp, overrides: Partial<{ slug: string; adminEmail: string; password: string }> = {}): Promise<SignedUpTenant> {
  const slug = overrides.slug ?? uniqueName('co');
  const password = overrides.password ?? TEST_PASSWORD;
  const response = await t.http
    .post('/api/v1/signup')
    .set('x-forwarded-for', nextClientAddress())
    .send({ companyName: `Company ${slug}`, slug, adminName: 'Owner', adminEmail: overrides.adminEmail ?? `owner@${slug}.test`, password });
  if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${JSON.stringify(response.body)}`);
  const body = response.body as SignupResponse;
  return { ...body, slug, password, auth: { authorization: `Bearer ${body.tokens.accessToken}` } };
}

export async function login(t: TenantTestApp, slug: string, email: string, password: string): Promise<TokenPair> {
  const response = await t.http.post('/api/v1/auth/login').send({ tenant: slug, email, password });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as TokenPair;
}
