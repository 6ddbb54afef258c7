// The cti service on its own (Kubernetes): Kafka, PostgreSQL and Redis from the environment.
import 'reflect-metadata';
import { Redis } from 'ioredis';
import { TokenService } from '@parley/auth';
import { closeOnSignals, runMain } from '@parley/http';
import { KafkaEventBus, positionNewConsumerGroup } from '@parley/messaging';
import { createDataSource, runMigrations } from '@parley/persistence';
import { createLogger, initTracing } from '@parley/telemetry';
import { CALL_TOPICS } from './calls/call-events.consumer';
import { loadCtiEnv } from './config/env.schema';
import { createCtiApp } from './cti-app';
import { CTI_SCHEMA, ctiConsumerGroups } from './cti.tokens';
import { ctiMigrations } from './migrations';
import { memoryCtiRealtime } from './realtime/memory-cti-realtime';
import { redisCtiRealtime } from './realtime/redis-cti-realtime';

async function main(): Promise<void> {
  const config = loadCtiEnv();
  initTracing({ serviceName: 'cti' });
  const logger = createLogger({ service: 'cti', level: config.LOG_LEVEL });
  if (!config.KAFKA_BROKERS) throw new Error('KAFKA_BROKERS is required when the cti service runs on its own (npm start runs everything in one process)');
  const brokers = config.KAFKA_BROKERS.split(',');

  if (config.PG_MIGRATION_URL) {
    const applied = await runMigrations({ ownerUrl: config.PG_MIGRATION_URL, schema: CTI_SCHEMA, migrations: ctiMigrations });
    logger.info({ applied }, 'migrations applied');
  }
  const dataSource = createDataSource({ url: config.PG_URL, schema: CTI_SCHEMA, applicationName: 'cti', poolMax: config.PG_POOL_MAX });
  await dataSource.initialize();
  const bus = new KafkaEventBus({ brokers, clientId: 'cti', logger });
  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 }) : null;
  if (!redis) logger.warn({}, 'REDIS_URL is not set: tickets, desktop takeover and pushes stay in this process, so only one cti instance may run');
  const realtime = redis ? redisCtiRealtime(redis, (detail) => logger.warn({ detail }, 'an unreadable signal on the cti channel was ignored')) : memoryCtiRealtime();
  const groups = ctiConsumerGroups(config.CTI_CONSUMER_GROUP_PREFIX, config.CTI_SEATS_CONSUMER_GROUP);
  // A new deployment reads calls from now on, not the broker's history (the seat projection does read its whole history).
  await positionNewConsumerGroup({ brokers, group: groups.calls, topics: CALL_TOPICS.map((t) => t.name), logger });
  const tokenService = new TokenService({ issuer: config.JWT_ISSUER, audience: 'parley', signingSecret: config.JWT_SECRET });

  const app = await createCtiApp({
    config,
    dataSource,
    bus,
    realtime,
    tokenService,
    logger,
    consumerGroupPrefix: config.CTI_CONSUMER_GROUP_PREFIX,
    ...(config.CTI_SEATS_CONSUMER_GROUP ? { seatsConsumerGroup: config.CTI_SEATS_CONSUMER_GROUP } : {}),
  });
  await app.listen(config.HTTP_PORT, '0.0.0.0');
  logger.info({ port: config.HTTP_PORT }, 'cti service listening');
  closeOnSignals(
    [
      // Closing the app drains the desktops (server.draining, then 1001) and the outbox.
      { name: 'http', close: () => app.close() },
      { name: 'bus', close: () => bus.close() },
      { name: 'redis', close: async () => redis?.quit() },
      { name: 'postgres', close: () => dataSource.destroy() },
    ],
    logger,
  );
}

runMain(main, 'cti service');
