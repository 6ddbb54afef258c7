import { envelopeSchema, type Envelope } from '@parley/contracts';
import { tenantTableSecuritySql, type TenantTransaction } from '@parley/persistence';
import { issuesOf } from './envelope';
import { MessageValidationError } from './message.errors';
import { sqlIdentifier } from './sql-identifier';


/** The channel the outbox trigger notifies on insert: `<schema>_outbox`. */
export function outboxChannel(schema: string): string {
  return `${sqlIdentifier(schema)}_outbox`;
}

export interface MigrationStatements {
  readonly up: string[];
  readonly down: string[];
}

/**
 * The outbox table of a service schema: rows are written in the producer's transaction and
 * published by `OutboxRelay` in `seq` order. Row-level security keeps each tenant to its rows;
 * the relay reads and updates across tenants as `parley_system`. A statement-level trigger
 * notifies `<schema>_outbox` on insert (delivered at commit) so the relay wakes at once.
 */
export function outboxMigrationStatements(schema: string): MigrationStatements {
  const s = sqlIdentifier(schema);
  const table = `${s}.outbox`;
  return {
    up: [
      `CREATE TABLE ${table} (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL,
        tenant_id uuid NOT NULL,
        topic text NOT NULL,
        msg_key text NOT NULL,
        envelope jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_error text NULL,
        CONSTRAINT outbox_id_unique UNIQUE (id)
      )`,
      `CREATE INDEX outbox_unpublished_idx ON ${table} (seq) WHERE published_at IS NULL`,
      `CREATE INDEX outbox_published_at_idx ON ${table} (published_at) WHERE published_at IS NOT NULL`,
      ...tenantTableSecuritySql(s, 'outbox', { systemAccess: ['SELECT', 'UPDATE', 'DELETE'] }),
      `CREATE FUNCTION ${s}.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify('${outboxChannel(s)}', '');
          RETURN NULL;
        END
      $$`,
      `CREATE TRIGGER outbox_notify AFTER INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${s}.outbox_notify()`,
    ],
    down: [`DROP TRIGGER IF EXISTS outbox_notify ON ${table}`, `DROP FUNCTION IF EXISTS ${s}.outbox_notify()`, `DROP TABLE IF EXISTS ${table}`],
  };
}

/** Rows per INSERT statement (5 parameters each, far below PostgreSQL's 65535). */
const INSERT_CHUNK = 1_000;

/**
 * Writes envelopes to the outbox in the caller's tenant transaction, so they are published if and
 * only if the state change commits.
 */
export class Outbox {
  private readonly table: string;

  constructor(readonly schema: string) {
    this.table = `${sqlIdentifier(schema)}.outbox`;
  }

  async add(tx: TenantTransaction, envelope: Envelope | readonly Envelope[]): Promise<void> {
    const envelopes: readonly Envelope[] = Array.isArray(envelope) ? envelope : [envelope as Envelope];
    for (const e of envelopes) {
      const shape = envelopeSchema.safeParse(e);
      if (!shape.success) throw new MessageValidationError(e?.type ?? '(unknown)', issuesOf(shape.error));
      if (e.tenantId.toLowerCase() !== tx.tenantId) {
        throw new MessageValidationError(e.type, [{ path: 'tenantId', message: `is ${e.tenantId}, but the transaction belongs to tenant ${tx.tenantId}` }]);
      }
    }
    for (let i = 0; i < envelopes.length; i += INSERT_CHUNK) {
      const chunk = envelopes.slice(i, i + INSERT_CHUNK);
      const params: unknown[] = [];
      const rows = chunk.map((e, j) => {
        params.push(e.id, tx.tenantId, e.type, e.key, JSON.stringify(e));
        const b = j * 5;
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::jsonb)`;
      });
      // VALUES keep their order, so seq follows the order of the array.
      await tx.manager.query(`INSERT INTO ${this.table} (id, tenant_id, topic, msg_key, envelope) VALUES ${rows.join(', ')}`, params);
    }
  }
}
