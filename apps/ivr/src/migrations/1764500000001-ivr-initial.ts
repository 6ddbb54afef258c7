import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { APP_ROLE, tenantTableSecuritySql } from '@parley/persistence';

const S = 'ivr';

/**
 * Flows (a draft each), their immutable published versions, the projection of the tenant's phone
 * numbers, number bindings, and the state and timers of calls in progress; all under row-level
 * security. Published versions can only be inserted: no role may update or delete one.
 */
export class IvrInitial1764500000001 implements MigrationInterface {
  name = 'IvrInitial1764500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ${S}.flows (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
        draft jsonb NOT NULL,
        draft_revision integer NOT NULL CHECK (draft_revision > 0),
        created_by uuid,
        updated_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX flows_tenant_idx ON ${S}.flows (tenant_id, created_at)`);

    await q.query(`
      CREATE TABLE ${S}.flow_versions (
        flow_id uuid NOT NULL REFERENCES ${S}.flows (id),
        version integer NOT NULL CHECK (version > 0),
        tenant_id uuid NOT NULL,
        document jsonb NOT NULL,
        warnings jsonb NOT NULL,
        draft_revision integer NOT NULL,
        published_by uuid,
        published_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (flow_id, version)
      )`);
    await q.query(`
      CREATE FUNCTION ${S}.flow_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'flow version % of flow % is immutable', OLD.version, OLD.flow_id USING ERRCODE = 'integrity_constraint_violation';
        END
      $$`);
    await q.query(`CREATE TRIGGER flow_versions_immutable BEFORE UPDATE OR DELETE ON ${S}.flow_versions FOR EACH ROW EXECUTE FUNCTION ${S}.flow_versions_immutable()`);

    await q.query(`
      CREATE TABLE ${S}.phone_numbers (
        number_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        e164 text NOT NULL,
        assigned_at timestamptz,
        released_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX phone_numbers_tenant_idx ON ${S}.phone_numbers (tenant_id, e164)`);

    await q.query(`
      CREATE TABLE ${S}.number_bindings (
        number_id uuid PRIMARY KEY REFERENCES ${S}.phone_numbers (number_id),
        tenant_id uuid NOT NULL,
        flow_id uuid NOT NULL REFERENCES ${S}.flows (id),
        pinned_version integer CHECK (pinned_version > 0),
        updated_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT number_bindings_version_fkey FOREIGN KEY (flow_id, pinned_version) REFERENCES ${S}.flow_versions (flow_id, version)
      )`);
    await q.query(`CREATE INDEX number_bindings_flow_idx ON ${S}.number_bindings (flow_id)`);

    await q.query(`
      CREATE TABLE ${S}.calls (
        call_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        flow_id uuid NOT NULL,
        flow_version integer NOT NULL,
        number_id uuid,
        state jsonb NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        started_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT calls_flow_version_fkey FOREIGN KEY (flow_id, flow_version) REFERENCES ${S}.flow_versions (flow_id, version)
      )`);
    await q.query(`CREATE INDEX calls_updated_at_idx ON ${S}.calls (updated_at)`);

    await q.query(`
      CREATE TABLE ${S}.call_timers (
        timer_id uuid PRIMARY KEY,
        call_id uuid NOT NULL REFERENCES ${S}.calls (call_id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL,
        due_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX call_timers_due_idx ON ${S}.call_timers (due_at)`);
    await q.query(`CREATE INDEX call_timers_call_idx ON ${S}.call_timers (call_id)`);

    for (const sql of tenantTableSecuritySql(S, 'flows')) await q.query(sql);
    for (const sql of tenantTableSecuritySql(S, 'flow_versions')) await q.query(sql);
    await q.query(`REVOKE UPDATE, DELETE ON ${S}.flow_versions FROM ${APP_ROLE}`);
    for (const sql of tenantTableSecuritySql(S, 'phone_numbers')) await q.query(sql);
    for (const sql of tenantTableSecuritySql(S, 'number_bindings')) await q.query(sql);
    // The timer scheduler finds due timers across tenants and prunes abandoned call states, as the system role.
    for (const sql of tenantTableSecuritySql(S, 'calls', { systemAccess: ['SELECT', 'DELETE'] })) await q.query(sql);
    for (const sql of tenantTableSecuritySql(S, 'call_timers', { systemAccess: ['SELECT'] })) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['call_timers', 'calls', 'number_bindings', 'phone_numbers', 'flow_versions', 'flows']) {
      await q.query(`DROP TABLE ${S}.${table}`);
    }
    await q.query(`DROP FUNCTION ${S}.flow_versions_immutable()`);
  }
}
