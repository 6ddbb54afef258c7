// Helpers shared by the messaging integration tests (real PostgreSQL and Kafka from the Jest global setup).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { defineTopic, type TopicDefinition } from '@parley/contracts';
import { createDataSource, runMigrations, tenantTableSecuritySql } from '@parley/persistence';
import { testEnvironment, uniqueName } from '@parley/testing';
import { createMessagingMigration, KafkaEventBus, type KafkaEventBusOptions } from '../src/index';

export const recordSchema = z.object({ key: z.string().min(1), seq: z.number().int().nonnegative() });
export type RecordPayload = z.infer<typeof recordSchema>;

export function testTopic(prefix: string): TopicDefinition<typeof recordSchema> {
  return defineTopic({
    name: `test.${uniqueName(prefix)}.recorded.v1`,
    status: 'draft',
    description: 'messaging integration test topic',
    schema: recordSchema,
    keyOf: (p) => p.key,
  });
}

/** A new service schema with the messaging tables and a `notes` table standing for business state. */
export async function freshSchema(prefix = 'msg'): Promise<string> {
  const schema = uniqueName(prefix).replace(/-/g, '_');
  await runMigrations({
    ownerUrl: testEnvironment.pgOwnerUrl(),
    schema,
    migrations: [createMessagingMigration(schema, 'Messaging', 1700000000000), notesMigration(schema)],
  });
  return schema;
}

function notesMigration(schema: string): new () => MigrationInterface {
  return class implements MigrationInterface {
    readonly name = 'Notes1700000000001';
    async up(q: QueryRunner): Promise<void> {
      await q.query(`CREATE TABLE ${schema}.notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), tenant_id uuid NOT NULL, body text NOT NULL)`);
      for (const statement of tenantTableSecuritySql(schema, 'notes')) await q.query(statement);
    }
    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP TABLE ${schema}.notes`);
    }
  };
}

export async function appDataSource(name: string): Promise<DataSource> {
  const ds = createDataSource({ url: testEnvironment.pgAppUrl(), schema: 'public', applicationName: name, poolMax: 6 });
  await ds.initialize();
  return ds;
}

export function kafkaBus(overrides: Partial<KafkaEventBusOptions> = {}): KafkaEventBus {
  return new KafkaEventBus({
    brokers: testEnvironment.kafkaBrokers(),
    clientId: 'messaging-int-test',
    partitionsPerTopic: 3,
    retryBackoff: { initialMs: 50, maxMs: 200 },
    consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 250, joinTimeoutMs: 20_000 },
    ...overrides,
  });
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const newTenant = (): string => randomUUID();
