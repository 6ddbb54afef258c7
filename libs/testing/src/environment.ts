import { randomUUID } from 'node:crypto';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: integration tests run under the workspace jest config, whose global setup provides it`);
  }
  return value;
}

/** Connections to the real servers the Jest global setup found or started. */
export const testEnvironment = {
  /** The runtime role (row-level security applies). */
  pgAppUrl: (): string => required('PARLEY_TEST_PG_APP_URL'),
  /** The schema owner (runs migrations). */
  pgOwnerUrl: (): string => required('PARLEY_TEST_PG_OWNER_URL'),
  /** A superuser of the cluster. */
  pgAdminUrl: (): string => required('PARLEY_TEST_PG_ADMIN_URL'),
  redisUrl: (): string => required('PARLEY_TEST_REDIS_URL'),
  kafkaBrokers: (): string[] => required('PARLEY_TEST_KAFKA_BROKERS').split(',').map((b) => b.trim()),
};

/** A name unique to this test run, for topics, consumer groups, slugs and Redis prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
