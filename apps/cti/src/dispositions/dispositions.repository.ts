import { Injectable } from '@nestjs/common';
import { type DispositionView } from '@parley/contracts';
import { isUniqueViolation, type TenantTransaction } from '@parley/persistence';

interface DispositionRow {
  code: string;
  label: string;
  active: boolean;
  updated_at: Date;
}

const toView = (r: DispositionRow): DispositionView => ({ code: r.code, label: r.label, active: r.active, updatedAt: r.updated_at.toISOString() });

/** Each tenant's disposition codes (cti.dispositions). */
@Injectable()
export class DispositionsRepository {
  async list(tx: TenantTransaction, activeOnly: boolean): Promise<DispositionView[]> {
    const rows: DispositionRow[] = await tx.manager.query(`SELECT code, label, active, updated_at FROM cti.dispositions ${activeOnly ? 'WHERE active' : ''} ORDER BY code`);
    return rows.map(toView);
  }

  async find(tx: TenantTransaction, code: string): Promise<DispositionView | null> {
    const rows: DispositionRow[] = await tx.manager.query(`SELECT code, label, active, updated_at FROM cti.dispositions WHERE code = $1`, [code]);
    return rows[0] ? toView(rows[0]) : null;
  }

  /** Null when the tenant already has the code. */
  async insert(tx: TenantTransaction, d: { code: string; label: string; active: boolean }): Promise<DispositionView | null> {
    try {
      const rows: DispositionRow[] = await tx.manager.query(
        `INSERT INTO cti.dispositions (tenant_id, code, label, active) VALUES ($1, $2, $3, $4) RETURNING code, label, active, updated_at`,
        [tx.tenantId, d.code, d.label, d.active],
      );
      return toView(rows[0] as DispositionRow);
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  async update(tx: TenantTransaction, code: string, change: { label?: string; active?: boolean }): Promise<DispositionView | null> {
    const [rows] = (await tx.manager.query(
      `UPDATE cti.dispositions SET label = coalesce($2, label), active = coalesce($3, active), updated_at = now() WHERE code = $1 RETURNING code, label, active, updated_at`,
      [code, change.label ?? null, change.active ?? null],
    )) as [DispositionRow[], number];
    return rows[0] ? toView(rows[0]) : null;
  }

  async delete(tx: TenantTransaction, code: string): Promise<boolean> {
    const [, count] = (await tx.manager.query(`DELETE FROM cti.dispositions WHERE code = $1`, [code])) as [unknown, number];
    return count > 0;
  }
}
