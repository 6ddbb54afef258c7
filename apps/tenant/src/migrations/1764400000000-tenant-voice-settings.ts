import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { tenantTableSecuritySql } from '@parley/persistence';

const S = 'tenant';

/**
 * A tenant's voice emergency settings (backup number, fallback prompt), under row-level security.
 * The system role may read them, to rebuild voice's projection of the tenant directory.
 */
export class TenantVoiceSettings1764400000000 implements MigrationInterface {
  name = 'TenantVoiceSettings1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ${S}.voice_settings (
        tenant_id uuid PRIMARY KEY REFERENCES ${S}.tenants (id),
        revision integer NOT NULL CHECK (revision > 0),
        backup_number text CHECK (backup_number ~ '^\\+[1-9][0-9]{6,14}$'),
        fallback_prompt_text text CHECK (char_length(fallback_prompt_text) BETWEEN 1 AND 500),
        fallback_prompt_locale text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT voice_settings_fallback_prompt_whole CHECK ((fallback_prompt_text IS NULL) = (fallback_prompt_locale IS NULL))
      )`);
    for (const sql of tenantTableSecuritySql(S, 'voice_settings', { systemAccess: ['SELECT'] })) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${S}.voice_settings`);
  }
}
