// The acd service on its own (Kubernetes): Kafka, PostgreSQL and Redis from the environment.
import 'reflect-metadata';
import { Redis } from 'ioredis';
import { TokenService } from '@parley/auth';
import { closeOnSignals, runMain } from '@parley/http';
import { KafkaEventBus, positionNewConsumerGroup } from '@parley/messaging';
import { createDataSource, runMigrations } from '@parley/persistence';
import { createLogger, initTracing } from '@parley/telemetry';
import { createAcdApp } from './acd-app';
import { ACD_SCHEMA, acdConsumerGroups } from './acd.tokens';
import { ROUTING_TOPICS } from './calls/call-events.consumer';
import { loadAcdEnv } from './config/env.schema';
import { memoryRealtime, redisRealtime } from './live/acd-realtime';
import { acdMigrations } from './migrations';

async function main(): Promise<void> {
  const config = loadAcdEnv();
  initTracing({ serviceName: 'acd' });
  const logger = createLogger({ service: 'acd', level: config.LOG_LEVEL });
  if (!config.KAFKA_BROKERS) throw new Error('KAFKA_BROKERS is required when the acd service runs on its own (npm start runs everything in one process)');

  if (config.PG_MIGRATION_URL) {
    const applied = await runMigrations({ ownerUrl: config.PG_MIGRATION_URL, schema: ACD_SCHEMA, migrations: acdMigrations });
    logger.info({ applied }, 'migrations applied');
  }
  const dataSource = createDataSource({ url: config.PG_URL, schema: ACD_SCHEMA, applicationName: 'acd', poolMax: config.PG_POOL_MAX });
  await dataSource.initialize();
  const bus = new KafkaEventBus({
    brokers: config.KAFKA_BROKERS.split(','),
    clientId: 'acd',
    logger,
    consumer: {
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: Math.min(3_000, Math.floor(config.KAFKA_SESSION_TIMEOUT_MS / 3)),
      partitionsConsumedConcurrently: config.KAFKA_CONSUMER_CONCURRENCY,
    },
  });
  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: false }) : null;
  if (!redis) logger.warn({}, 'REDIS_URL is not set: live state, reservations and tenant leases are in memory, so only one acd instance may run');
  const realtime = redis ? redisRealtime(redis) : memoryRealtime();
  // Only verifies access tokens: the TTL is the issuer's business.
  const groups = acdConsumerGroups(config.ACD_CONSUMER_GROUP_PREFIX, config.ACD_SEATS_CONSUMER_GROUP);
  await positionNewConsumerGroup({ brokers: config.KAFKA_BROKERS.split(','), group: groups.routing, topics: ROUTING_TOPICS.map((t) => t.name), logger });
  const tokenService = new TokenService({ issuer: config.JWT_ISSUER, audience: 'parley', signingSecret: config.JWT_SECRET });

  const app = await createAcdApp({ config, dataSource, bus, realtime, tokenService, logger, consumerGroupPrefix: config.ACD_CONSUMER_GROUP_PREFIX,
    ...(config.ACD_SEATS_CONSUMER_GROUP ? { seatsConsumerGroup: config.ACD_SEATS_CONSUMER_GROUP } : {}),
  });
  await app.listen(config.HTTP_PORT, '0.0.0.0');
  logger.info({ port: config.HTTP_PORT }, 'acd service listening');
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

runMain(main, 'acd service');
