import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { inboxMigrationStatements } from './inbox';
import { outboxMigrationStatements } from './outbox';

export interface MessagingMigrationParts {
  /** Create the outbox (the service publishes). Default true. */
  outbox?: boolean;
  /** Create the inbox (the service consumes). Default true. */
  inbox?: boolean;
}

/**
 * A TypeORM migration class creating the messaging tables of a service schema. Add it to the
 * service's migration list like any other, e.g.
 * `createMessagingMigration('tenant', 'TenantMessaging', 1764200000001)`. `timestamp` is the 13-digit
 * millisecond timestamp TypeORM orders migrations by; never change it once applied.
 */
export function createMessagingMigration(schema: string, name: string, timestamp: number, parts: MessagingMigrationParts = {}): new () => MigrationInterface {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new Error(`migration name "${name}" must be alphanumeric`);
  if (!Number.isInteger(timestamp) || String(timestamp).length !== 13) throw new Error(`migration timestamp ${timestamp} must be 13 digits (milliseconds)`);
  const withOutbox = parts.outbox ?? true;
  const withInbox = parts.inbox ?? true;
  const outbox = withOutbox ? outboxMigrationStatements(schema) : { up: [], down: [] };
  const inbox = withInbox ? inboxMigrationStatements(schema) : { up: [], down: [] };
  const up = [...outbox.up, ...inbox.up];
  const down = [...inbox.down, ...outbox.down];
  const migrationName = `${name}${timestamp}`;

  const migration = class implements MigrationInterface {
    readonly name = migrationName;

    async up(queryRunner: QueryRunner): Promise<void> {
      for (const statement of up) await queryRunner.query(statement);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      for (const statement of down) await queryRunner.query(statement);
    }
  };
  // TypeORM reports migrations by class name when it lists them.
  Object.defineProperty(migration, 'name', { value: migrationName });
  return migration;
}
