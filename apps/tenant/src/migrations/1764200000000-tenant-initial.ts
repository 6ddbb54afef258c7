import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { tenantTableSecuritySql } from '@parley/persistence';

const S = 'tenant';

/** Tenants, users, refresh tokens, seats, phone numbers and API keys, all under row-level security. */
export class TenantInitial1764200000000 implements MigrationInterface {
  name = 'TenantInitial1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ${S}.tenants (
        id uuid PRIMARY KEY,
        slug text NOT NULL,
        company_name text NOT NULL,
        locale text NOT NULL,
        plan text NOT NULL,
        seat_limit integer NOT NULL CHECK (seat_limit >= 0),
        sip_domain text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT tenants_slug_key UNIQUE (slug)
      )`);
    await q.query(`
      CREATE TABLE ${S}.users (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES ${S}.tenants (id),
        email text NOT NULL,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'supervisor', 'agent')),
        locale text NOT NULL,
        password_hash text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        failed_logins integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deactivated_at timestamptz,
        CONSTRAINT users_tenant_email_key UNIQUE (tenant_id, email)
      )`);
    await q.query(`
      CREATE TABLE ${S}.refresh_tokens (
        token_id text PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES ${S}.tenants (id),
        user_id uuid NOT NULL REFERENCES ${S}.users (id),
        session_id uuid NOT NULL,
        secret_hash text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        rotated_at timestamptz,
        revoked_at timestamptz,
        revoked_reason text
      )`);
    await q.query(`CREATE INDEX refresh_tokens_session_idx ON ${S}.refresh_tokens (tenant_id, session_id)`);
    await q.query(`
      CREATE TABLE ${S}.seats (
        tenant_id uuid NOT NULL REFERENCES ${S}.tenants (id),
        user_id uuid NOT NULL REFERENCES ${S}.users (id),
        assigned_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id)
      )`);
    await q.query(`
      CREATE TABLE ${S}.phone_numbers (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES ${S}.tenants (id),
        e164 text NOT NULL CHECK (e164 ~ '^\\+[1-9][0-9]{6,14}$'),
        label text,
        assigned_at timestamptz NOT NULL DEFAULT now(),
        released_at timestamptz
      )`);
    // A number belongs to one tenant at a time: the unique index sees every tenant's rows.
    await q.query(`CREATE UNIQUE INDEX phone_numbers_active_e164_key ON ${S}.phone_numbers (e164) WHERE released_at IS NULL`);
    await q.query(`
      CREATE TABLE ${S}.api_keys (
        id text PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES ${S}.tenants (id),
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
        secret_hash text NOT NULL,
        created_by uuid REFERENCES ${S}.users (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);

    for (const sql of tenantTableSecuritySql(S, 'tenants', { column: 'id', systemAccess: ['SELECT'] })) await q.query(sql);
    for (const sql of tenantTableSecuritySql(S, 'users')) await q.query(sql);
    for (const sql of tenantTableSecuritySql(S, 'refresh_tokens', { systemAccess: ['SELECT'] })) await q.query(sql);
    for (const sql of tenantTableSecuritySql(S, 'seats')) await q.query(sql);
    for (const sql of tenantTableSecuritySql(S, 'phone_numbers', { systemAccess: ['SELECT'] })) await q.query(sql);
    for (const sql of tenantTableSecuritySql(S, 'api_keys', { systemAccess: ['SELECT'] })) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['api_keys', 'phone_numbers', 'seats', 'refresh_tokens', 'users', 'tenants']) {
      await q.query(`DROP TABLE ${S}.${table}`);
    }
  }
}
