import { Client } from 'pg';
import { type MixedList } from 'typeorm';
import { createDataSource } from './data-source';
import { serviceSchemaSql } from './rls';

export interface MigrateOptions {
  /** Connection of the schema owner (migrations create tables and policies). */
  ownerUrl: string;
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  applicationName?: string;
}

/**
 * Runs one service's pending migrations, each in its own transaction. An advisory lock per schema
 * makes concurrent runners (several replicas, parallel tests) take turns instead of racing.
 * Returns the names of the migrations it applied.
 */
export async function runMigrations(options: MigrateOptions): Promise<string[]> {
  const lock = new Client({ connectionString: options.ownerUrl, application_name: `${options.schema}-migrate-lock` });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`parley:migrate:${options.schema}`]);
    for (const statement of serviceSchemaSql(options.schema)) await lock.query(statement);
    const dataSource = createDataSource({
      url: options.ownerUrl,
      schema: options.schema,
      migrations: options.migrations,
      applicationName: options.applicationName ?? `${options.schema}-migrate`,
      poolMax: 1,
    });
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`parley:migrate:${options.schema}`]).catch(() => undefined);
    await lock.end();
  }
}

/** Reverts the last `steps` migrations of a schema (for rollbacks and the down-migration test). */
export async function revertMigrations(options: MigrateOptions & { steps: number }): Promise<void> {
  const dataSource = createDataSource({
    url: options.ownerUrl,
    schema: options.schema,
    migrations: options.migrations,
    applicationName: `${options.schema}-revert`,
    poolMax: 1,
  });
  await dataSource.initialize();
  try {
    for (let i = 0; i < options.steps; i += 1) await dataSource.undoLastMigration({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}
