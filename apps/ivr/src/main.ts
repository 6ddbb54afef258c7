// The ivr service on its own (Kubernetes): Kafka, PostgreSQL and Redis from the environment.
import 'reflect-metadata';
import { Redis } from 'ioredis';
import { TokenService } from '@parley/auth';
import { closeOnSignals, runMain } from '@parley/http';
import { KafkaEventBus } from '@parley/messaging';
import { createDataSource, runMigrations } from '@parley/persistence';
import { MemoryCounterStore, RedisCounterStore } from '@parley/rate-limit';
import { createLogger, initTracing } from '@parley/telemetry';
import { loadIvrEnv } from './config/env.schema';
import { ivrEntities } from './entities';
import { createIvrApp } from './ivr-app';
import { IVR_SCHEMA } from './ivr.tokens';
import { ivrMigrations } from './migrations';

async function main(): Promise<void> {
  const config = loadIvrEnv();
  initTracing({ serviceName: 'ivr' });
  const logger = createLogger({ service: 'ivr', level: config.LOG_LEVEL });
  if (!config.KAFKA_BROKERS) throw new Error('KAFKA_BROKERS is required when the ivr service runs on its own (npm start runs everything in one process)');

  if (config.PG_MIGRATION_URL) {
    const applied = await runMigrations({ ownerUrl: config.PG_MIGRATION_URL, schema: IVR_SCHEMA, migrations: ivrMigrations });
    logger.info({ applied }, 'migrations applied');
  }
  const dataSource = createDataSource({ url: config.PG_URL, schema: IVR_SCHEMA, entities: ivrEntities, applicationName: 'ivr', poolMax: config.PG_POOL_MAX });
  await dataSource.initialize();
  const bus = new KafkaEventBus({ brokers: config.KAFKA_BROKERS.split(','), clientId: 'ivr', logger });
  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: false }) : null;
  const counters = redis ? new RedisCounterStore(redis) : new MemoryCounterStore();
  // Only verifies access tokens: the TTL is the issuer's business.
  const tokenService = new TokenService({ issuer: config.JWT_ISSUER, audience: 'parley', signingSecret: config.JWT_SECRET });

  const app = await createIvrApp({ config, dataSource, bus, counters, tokenService, logger });
  await app.listen(config.HTTP_PORT, '0.0.0.0');
  logger.info({ port: config.HTTP_PORT }, 'ivr service listening');
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

runMain(main, 'ivr service');
