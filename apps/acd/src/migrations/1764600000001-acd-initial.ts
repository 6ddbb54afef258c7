import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { APP_ROLE, tenantTableSecuritySql } from '@parley/persistence';

const S = 'acd';

/**
 * The acd service's tables, every one under row-level security: skills, queues (the current
 * configuration and every version, which cannot be changed once written), agent profiles (seat,
 * skills, queue memberships), the durable queue entries of calls (what another instance needs to
 * take a tenant's calls over), routing decisions with their inputs, agent state history, daily
 * statistics counters, each caller's last agent (by a keyed hash of the number), the inputs waiting
 * for the instance that runs a tenant's routing engine, and per-tenant settings.
 */
export class AcdInitial1764600000001 implements MigrationInterface {
  name = 'AcdInitial1764600000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ${S}.settings (
        tenant_id uuid PRIMARY KEY,
        time_zone text NOT NULL,
        updated_by uuid,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE ${S}.skills (
        tenant_id uuid NOT NULL,
        skill_id text NOT NULL CHECK (skill_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, skill_id)
      )`);

    await q.query(`
      CREATE TABLE ${S}.queues (
        tenant_id uuid NOT NULL,
        queue_id text NOT NULL CHECK (queue_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
        version integer NOT NULL CHECK (version > 0),
        config jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, queue_id)
      )`);
    await q.query(`
      CREATE TABLE ${S}.queue_versions (
        tenant_id uuid NOT NULL,
        queue_id text NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        config jsonb NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, queue_id, version),
        FOREIGN KEY (tenant_id, queue_id) REFERENCES ${S}.queues (tenant_id, queue_id)
      )`);
    await q.query(`
      CREATE FUNCTION ${S}.queue_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'version % of queue % is immutable', OLD.version, OLD.queue_id USING ERRCODE = 'integrity_constraint_violation';
        END
      $$`);
    await q.query(`CREATE TRIGGER queue_versions_immutable BEFORE UPDATE OR DELETE ON ${S}.queue_versions FOR EACH ROW EXECUTE FUNCTION ${S}.queue_versions_immutable()`);

    await q.query(`
      CREATE TABLE ${S}.agents (
        tenant_id uuid NOT NULL,
        agent_id uuid NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        has_seat boolean NOT NULL,
        skills jsonb NOT NULL DEFAULT '[]',
        queue_ids jsonb NOT NULL DEFAULT '[]',
        updated_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, agent_id)
      )`);

    await q.query(`
      CREATE TABLE ${S}.calls (
        call_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        voice_call_id uuid,
        queue_id text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('live', 'callback')),
        status text NOT NULL CHECK (status IN ('waiting', 'offered', 'connected', 'wrap-up', 'done')),
        outcome text CHECK (outcome IN ('completed', 'abandoned', 'overflowed', 'rejected', 'callback-unreachable')),
        priority integer NOT NULL,
        skills jsonb NOT NULL,
        attributes jsonb NOT NULL,
        after_agent text NOT NULL CHECK (after_agent IN ('end', 'continue')),
        locale text NOT NULL,
        caller_hash text,
        last_agent_id uuid,
        dialled_number text NOT NULL,
        callback_number text,
        callback_attempts integer NOT NULL DEFAULT 0,
        callback_retry_at timestamptz,
        callback_voice text CHECK (callback_voice IN ('dialing', 'live')),
        moh_on boolean NOT NULL DEFAULT false,
        enqueued_at timestamptz NOT NULL,
        offer jsonb,
        agent_id uuid,
        connected_at timestamptz,
        missed_by jsonb NOT NULL DEFAULT '[]',
        routed_at timestamptz NOT NULL,
        ended_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX calls_active_idx ON ${S}.calls (tenant_id, enqueued_at) WHERE status <> 'done'`);
    await q.query(`CREATE INDEX calls_voice_idx ON ${S}.calls (tenant_id, voice_call_id) WHERE status <> 'done'`);
    await q.query(`CREATE INDEX calls_ended_idx ON ${S}.calls (ended_at) WHERE status = 'done'`);

    await q.query(`
      CREATE TABLE ${S}.decisions (
        tenant_id uuid NOT NULL,
        decision_id text NOT NULL,
        call_id uuid NOT NULL,
        queue_id text NOT NULL,
        queue_version integer NOT NULL,
        kind text NOT NULL CHECK (kind IN ('agent-for-call', 'call-for-agent')),
        trigger text NOT NULL,
        agent_ids jsonb NOT NULL,
        decided_at timestamptz NOT NULL,
        inputs jsonb NOT NULL,
        outcome jsonb NOT NULL,
        PRIMARY KEY (tenant_id, decision_id)
      )`);
    await q.query(`CREATE INDEX decisions_call_idx ON ${S}.decisions (tenant_id, call_id, decided_at)`);

    await q.query(`
      CREATE TABLE ${S}.agent_state_history (
        id bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL,
        agent_id uuid NOT NULL,
        from_state text NOT NULL,
        to_state text NOT NULL,
        reason text,
        call_id uuid,
        changed_by text NOT NULL,
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX agent_state_history_agent_idx ON ${S}.agent_state_history (tenant_id, agent_id, at)`);

    await q.query(`
      CREATE TABLE ${S}.queue_daily (
        tenant_id uuid NOT NULL,
        queue_id text NOT NULL,
        day date NOT NULL,
        answered integer NOT NULL,
        answered_within_threshold integer NOT NULL,
        total_wait_answered_ms bigint NOT NULL,
        abandoned integer NOT NULL,
        abandoned_within_threshold integer NOT NULL,
        overflowed integer NOT NULL,
        left_after_threshold integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, queue_id, day)
      )`);
    await q.query(`
      CREATE TABLE ${S}.agent_daily (
        tenant_id uuid NOT NULL,
        agent_id uuid NOT NULL,
        day date NOT NULL,
        calls_handled integer NOT NULL,
        talk_ms bigint NOT NULL,
        wrap_up_ms bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, agent_id, day)
      )`);

    await q.query(`
      CREATE TABLE ${S}.last_agents (
        tenant_id uuid NOT NULL,
        caller_hash text NOT NULL,
        agent_id uuid NOT NULL,
        at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, caller_hash)
      )`);

    await q.query(`
      CREATE TABLE ${S}.routing_inputs (
        seq bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL,
        input jsonb NOT NULL,
        wants_reply boolean NOT NULL DEFAULT false,
        result jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        done_at timestamptz
      )`);
    await q.query(`CREATE INDEX routing_inputs_pending_idx ON ${S}.routing_inputs (tenant_id, seq) WHERE done_at IS NULL`);

    for (const table of ['settings', 'skills', 'queues', 'agents', 'decisions', 'agent_state_history', 'queue_daily', 'agent_daily', 'last_agents']) {
      for (const sql of tenantTableSecuritySql(S, table)) await q.query(sql);
    }
    for (const sql of tenantTableSecuritySql(S, 'queue_versions')) await q.query(sql);
    await q.query(`REVOKE UPDATE, DELETE ON ${S}.queue_versions FROM ${APP_ROLE}`);
    // The sweeper finds tenants with calls in progress or inputs waiting (any instance takes a
    // tenant whose engine died), and prunes finished calls and handled inputs, as the system role.
    for (const sql of tenantTableSecuritySql(S, 'calls', { systemAccess: ['SELECT', 'DELETE'] })) await q.query(sql);
    for (const sql of tenantTableSecuritySql(S, 'routing_inputs', { systemAccess: ['SELECT', 'DELETE'] })) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['routing_inputs', 'last_agents', 'agent_daily', 'queue_daily', 'agent_state_history', 'decisions', 'calls', 'agents', 'queue_versions', 'queues', 'skills', 'settings']) {
      await q.query(`DROP TABLE ${S}.${table}`);
    }
    await q.query(`DROP FUNCTION ${S}.queue_versions_immutable()`);
  }
}
