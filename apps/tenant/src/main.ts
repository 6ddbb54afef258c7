// The tenant service on its own (Kubernetes): Kafka, Redis and PostgreSQL from the environment.
import 'reflect-metadata';
import { Redis } from 'ioredis';
import { TokenService } from '@parley/auth';
import { closeOnSignals, runMain } from '@parley/http';
import { KafkaEventBus } from '@parley/messaging';
import { createDataSource, runMigrations } from '@parley/persistence';
import { createLogger, initTracing } from '@parley/telemetry';
import { loadTenantEnv } from './config/env.schema';
import { tenantEntities } from './entities';
import { tenantMigrations } from './migrations';
import { MemoryCounterStore, RedisCounterStore } from '@parley/rate-limit';
import { createTenantApp } from './tenant-app';
import { TENANT_SCHEMA } from './tenant.tokens';

async function main(): Promise<void> {
  const config = loadTenantEnv();
  initTracing({ serviceName: 'tenant' });
  const logger = createLogger({ service: 'tenant', level: config.LOG_LEVEL });
  if (!config.KAFKA_BROKERS) throw new Error('KAFKA_BROKERS is required when the tenant service runs on its own (npm start runs everything in one process)');

  if (config.PG_MIGRATION_URL) {
    const applied = await runMigrations({ ownerUrl: config.PG_MIGRATION_URL, schema: TENANT_SCHEMA, migrations: tenantMigrations });
    logger.info({ applied }, 'migrations applied');
  }
  const dataSource = createDataSource({ url: config.PG_URL, schema: TENANT_SCHEMA, entities: tenantEntities, applicationName: 'tenant', poolMax: config.PG_POOL_MAX });
  await dataSource.initialize();
  const bus = new KafkaEventBus({ brokers: config.KAFKA_BROKERS.split(','), clientId: 'tenant', logger });
  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: false }) : null;
  const counters = redis ? new RedisCounterStore(redis) : new MemoryCounterStore();
  const tokenService = new TokenService({ issuer: config.JWT_ISSUER, audience: 'parley', signingSecret: config.JWT_SECRET, accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS });

  const app = await createTenantApp({ config, dataSource, bus, tokenService, counters, logger });
  await app.listen(config.HTTP_PORT, '0.0.0.0');
  logger.info({ port: config.HTTP_PORT }, 'tenant service listening');
  closeOnSignals(
    [
      { name: 'http', close: () => app.close() },
      { name: 'bus', close: () => bus.close() },
      { name: 'redis', close: async () => redis?.quit() },
      { name: 'postgres', close: () => dataSource.destroy() },
    ],
    logger,
  );
}

runMain(main, 'tenant service');
