import { Injectable } from '@nestjs/common';
import { type TenantTransaction } from '@parley/persistence';
import { type BreakReason } from './break-reasons';

/** Per-tenant acd settings: the time zone of "today" in statistics (acd.settings), and the break reasons (acd.break_reasons). */
@Injectable()
export class SettingsRepository {
  async timeZone(tx: TenantTransaction): Promise<string | null> {
    const rows: { time_zone: string }[] = await tx.manager.query('SELECT time_zone FROM acd.settings');
    return rows[0]?.time_zone ?? null;
  }

  async setTimeZone(tx: TenantTransaction, timeZone: string, actorId: string | null): Promise<void> {
    await tx.manager.query(
      `INSERT INTO acd.settings (tenant_id, time_zone, updated_by) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [tx.tenantId, timeZone, actorId],
    );
  }

  /** The tenant's own break reasons in its order; null when it has set none. */
  async breakReasons(tx: TenantTransaction): Promise<BreakReason[] | null> {
    const rows: { code: string; label_en: string; label_zh_cn: string }[] = await tx.manager.query('SELECT code, label_en, label_zh_cn FROM acd.break_reasons ORDER BY position');
    if (rows.length === 0) return null;
    return rows.map((r) => ({ code: r.code, labels: { en: r.label_en, 'zh-CN': r.label_zh_cn } }));
  }

  /** Replaces the tenant's whole list (validated: 1-30 entries, codes unique). */
  async replaceBreakReasons(tx: TenantTransaction, reasons: readonly BreakReason[], actorId: string | null): Promise<void> {
    // Two saves at once would each delete only the rows they see, then collide on the codes: one at a time per tenant.
    await tx.manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`acd:break-reasons:${tx.tenantId}`]);
    await tx.manager.query('DELETE FROM acd.break_reasons');
    await tx.manager.query(
      `INSERT INTO acd.break_reasons (tenant_id, code, position, label_en, label_zh_cn, updated_by)
       SELECT $1, r.code, r.position - 1, r.label_en, r.label_zh_cn, $2
       FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS r(code, label_en, label_zh_cn, position)`,
      [tx.tenantId, actorId, reasons.map((r) => r.code), reasons.map((r) => r.labels.en), reasons.map((r) => r.labels['zh-CN'])],
    );
  }
}
