import { Injectable } from '@nestjs/common';
import { type TenantTransaction } from '@parley/persistence';

/** Per-tenant acd settings (acd.settings): the time zone of "today" in statistics. */
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
}
