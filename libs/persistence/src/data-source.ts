import { DataSource, type MixedList, type EntitySchema } from 'typeorm';

export interface DataSourceOptions {
  /** postgres://user:pass@host:port/db — the runtime (non-owner) role for services. */
  url: string;
  /** The service's own schema; entities and the migrations table live there. */
  schema: string;
  // TypeORM's own option types use Function for entity and migration classes.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations?: MixedList<Function | string>;
  applicationName: string;
  poolMax?: number;
  /** Milliseconds a statement may run (default 15 s): a stuck query must not hold a connection forever. */
  statementTimeoutMs?: number;
}

/** A TypeORM data source on `pg` for one service schema. `synchronize` is always off: migrations own the schema. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities ?? [],
    migrations: options.migrations ?? [],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: options.applicationName,
    extra: {
      max: options.poolMax ?? 10,
      statement_timeout: options.statementTimeoutMs ?? 15_000,
      idle_in_transaction_session_timeout: 60_000,
      connectionTimeoutMillis: 5_000,
    },
  });
}
