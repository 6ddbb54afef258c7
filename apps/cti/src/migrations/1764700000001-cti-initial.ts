import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { APP_ROLE, tenantTableSecuritySql } from '@parley/persistence';

const S = 'cti';

/**
 * The cti service's tables, every one under row-level security: settings, the seat projection,
 * contacts and their numbers (encrypted, found by a keyed hash: never the plain number), the call
 * projection with its screen pop and wrap-up, dispositions, tickets, the audit of reveals, and the
 * queues each agent took offers from (which queues' statistics an agent sees).
 */
export class CtiInitial1764700000001 implements MigrationInterface {
  name = 'CtiInitial1764700000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ${S}.settings (
        tenant_id uuid PRIMARY KEY,
        crm_webhook_url text CHECK (crm_webhook_url IS NULL OR char_length(crm_webhook_url) <= 2000),
        reveal_roles jsonb NOT NULL,
        updated_by uuid,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE ${S}.seats (
        tenant_id uuid NOT NULL,
        user_id uuid NOT NULL,
        has_seat boolean NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id)
      )`);

    await q.query(`
      CREATE TABLE ${S}.contacts (
        tenant_id uuid NOT NULL,
        contact_id uuid NOT NULL,
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
        company text CHECK (company IS NULL OR char_length(company) <= 200),
        vip_level smallint NOT NULL DEFAULT 0 CHECK (vip_level BETWEEN 0 AND 3),
        tags jsonb NOT NULL DEFAULT '[]',
        notes text CHECK (notes IS NULL OR char_length(notes) <= 5000),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, contact_id)
      )`);
    await q.query(`CREATE INDEX contacts_name_idx ON ${S}.contacts (tenant_id, lower(name))`);

    await q.query(`
      CREATE TABLE ${S}.contact_phones (
        tenant_id uuid NOT NULL,
        phone_id uuid NOT NULL,
        contact_id uuid NOT NULL,
        label text CHECK (label IS NULL OR char_length(label) <= 40),
        number_cipher text NOT NULL,
        number_hash text NOT NULL,
        masked text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tenant_id, phone_id),
        UNIQUE (tenant_id, contact_id, number_hash),
        FOREIGN KEY (tenant_id, contact_id) REFERENCES ${S}.contacts (tenant_id, contact_id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX contact_phones_hash_idx ON ${S}.contact_phones (tenant_id, number_hash)`);

    await q.query(`
      CREATE TABLE ${S}.dispositions (
        tenant_id uuid NOT NULL,
        code text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
        label text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 200),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, code)
      )`);

    await q.query(`
      CREATE TABLE ${S}.calls (
        tenant_id uuid NOT NULL,
        call_id uuid NOT NULL,
        voice_call_id uuid,
        queue_id text,
        state text NOT NULL CHECK (state IN ('routed', 'offered', 'connected', 'held', 'ended')),
        caller_cipher text,
        caller_hash text,
        caller_masked text,
        dialled_number text,
        ivr_attributes jsonb NOT NULL DEFAULT '{}',
        ivr_variables jsonb NOT NULL DEFAULT '{}',
        offer_id text,
        offered_agent_ids jsonb NOT NULL DEFAULT '[]',
        ring_timeout_ms integer,
        agent_id uuid,
        contact_id uuid,
        routed_at timestamptz,
        offered_at timestamptz,
        connected_at timestamptz,
        ended_at timestamptz,
        end_reason text,
        talk_ms integer,
        survey_score smallint CHECK (survey_score IS NULL OR survey_score BETWEEN 1 AND 5),
        pop jsonb,
        disposition text,
        wrap_up_notes text,
        ticket_id uuid,
        wrapped_up_by uuid,
        wrapped_up_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, call_id)
      )`);
    await q.query(`CREATE INDEX calls_voice_idx ON ${S}.calls (tenant_id, voice_call_id)`);
    await q.query(`CREATE INDEX calls_caller_idx ON ${S}.calls (tenant_id, caller_hash, created_at)`);
    await q.query(`CREATE INDEX calls_contact_idx ON ${S}.calls (tenant_id, contact_id, created_at)`);
    await q.query(`CREATE INDEX calls_agent_active_idx ON ${S}.calls (tenant_id, agent_id) WHERE state <> 'ended'`);

    await q.query(`
      CREATE TABLE ${S}.tickets (
        tenant_id uuid NOT NULL,
        ticket_id uuid NOT NULL,
        subject text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 300),
        description text,
        status text NOT NULL CHECK (status IN ('open', 'pending', 'solved')),
        priority text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
        assignee_id uuid,
        contact_id uuid,
        call_id uuid,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, ticket_id),
        FOREIGN KEY (tenant_id, contact_id) REFERENCES ${S}.contacts (tenant_id, contact_id) ON DELETE SET NULL (contact_id)
      )`);
    await q.query(`CREATE INDEX tickets_contact_idx ON ${S}.tickets (tenant_id, contact_id, status)`);
    await q.query(`CREATE INDEX tickets_status_idx ON ${S}.tickets (tenant_id, status, updated_at)`);

    await q.query(`
      CREATE TABLE ${S}.reveal_audit (
        id bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL,
        user_id uuid NOT NULL,
        role text NOT NULL,
        target text NOT NULL CHECK (target IN ('contact-phone', 'call-caller')),
        contact_id uuid,
        phone_id uuid,
        call_id uuid,
        reason text,
        revealed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX reveal_audit_tenant_idx ON ${S}.reveal_audit (tenant_id, revealed_at)`);

    await q.query(`
      CREATE TABLE ${S}.agent_queues (
        tenant_id uuid NOT NULL,
        agent_id uuid NOT NULL,
        queue_id text NOT NULL,
        last_offered_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, agent_id, queue_id)
      )`);
    await q.query(`CREATE INDEX agent_queues_queue_idx ON ${S}.agent_queues (tenant_id, queue_id)`);

    for (const table of ['settings', 'seats', 'contacts', 'contact_phones', 'dispositions', 'calls', 'tickets', 'reveal_audit', 'agent_queues']) {
      for (const sql of tenantTableSecuritySql(S, table)) await q.query(sql);
    }
    // The audit is append-only for the service: nobody edits or deletes who saw which number.
    await q.query(`REVOKE UPDATE, DELETE ON ${S}.reveal_audit FROM ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['agent_queues', 'reveal_audit', 'tickets', 'calls', 'dispositions', 'contact_phones', 'contacts', 'seats', 'settings']) {
      await q.query(`DROP TABLE ${S}.${table}`);
    }
  }
}
