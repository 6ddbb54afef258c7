import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { tenantTableSecuritySql } from '@parley/persistence';

const S = 'acd';

/**
 * A tenant's break reason codes with their labels in each UI language, in the tenant's order,
 * under row-level security. A tenant without rows uses the acd's default list.
 */
export class AcdBreakReasons1764600000100 implements MigrationInterface {
  name = 'AcdBreakReasons1764600000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ${S}.break_reasons (
        tenant_id uuid NOT NULL,
        code text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,63}$' AND code <> 'missed-offers'),
        position smallint NOT NULL CHECK (position BETWEEN 0 AND 29),
        label_en text NOT NULL CHECK (char_length(label_en) BETWEEN 1 AND 64),
        label_zh_cn text NOT NULL CHECK (char_length(label_zh_cn) BETWEEN 1 AND 64),
        updated_by uuid,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, code),
        CONSTRAINT break_reasons_position_key UNIQUE (tenant_id, position)
      )`);
    for (const sql of tenantTableSecuritySql(S, 'break_reasons')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${S}.break_reasons`);
  }
}
