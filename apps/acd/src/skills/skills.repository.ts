import { Injectable } from '@nestjs/common';
import { type TenantTransaction } from '@parley/persistence';

export interface SkillRecord {
  skillId: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

interface SkillRow {
  skill_id: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

const toRecord = (r: SkillRow): SkillRecord => ({ skillId: r.skill_id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at });

/** The tenant's skills (acd.skills), under row-level security. */
@Injectable()
export class SkillsRepository {
  async list(tx: TenantTransaction): Promise<SkillRecord[]> {
    const rows: SkillRow[] = await tx.manager.query('SELECT skill_id, name, created_at, updated_at FROM acd.skills ORDER BY skill_id');
    return rows.map(toRecord);
  }

  async find(tx: TenantTransaction, skillId: string): Promise<SkillRecord | null> {
    const rows: SkillRow[] = await tx.manager.query('SELECT skill_id, name, created_at, updated_at FROM acd.skills WHERE skill_id = $1', [skillId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Inserts the skill; false when the tenant already has one with this id. */
  async insert(tx: TenantTransaction, skill: { skillId: string; name: string }): Promise<boolean> {
    const rows: unknown[] = await tx.manager.query(
      'INSERT INTO acd.skills (tenant_id, skill_id, name) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, skill_id) DO NOTHING RETURNING skill_id',
      [tx.tenantId, skill.skillId, skill.name],
    );
    return rows.length === 1;
  }

  async rename(tx: TenantTransaction, skillId: string, name: string): Promise<SkillRecord | null> {
    // TypeORM answers an UPDATE with [rows, count].
    const [rows] = (await tx.manager.query('UPDATE acd.skills SET name = $2, updated_at = now() WHERE skill_id = $1 RETURNING skill_id, name, created_at, updated_at', [
      skillId,
      name,
    ])) as [SkillRow[], number];
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Which of `skillIds` the tenant has. */
  async existing(tx: TenantTransaction, skillIds: readonly string[]): Promise<Set<string>> {
    if (skillIds.length === 0) return new Set();
    const rows: { skill_id: string }[] = await tx.manager.query('SELECT skill_id FROM acd.skills WHERE skill_id = ANY($1::text[])', [[...new Set(skillIds)]]);
    return new Set(rows.map((r) => r.skill_id));
  }
}
