import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { type Role, roleSchema } from '@parley/contracts';
import { type TenantTransaction } from '@parley/persistence';

export interface CtiSettings {
  crmWebhookUrl: string | null;
  revealRoles: Role[];
  updatedAt: Date | null;
}

/** Who may reveal full numbers when a tenant set nothing. */
export const DEFAULT_REVEAL_ROLES: readonly Role[] = ['owner', 'admin', 'supervisor'];

const rolesSchema = z.array(roleSchema);

/** Per-tenant settings (cti.settings); a tenant without a row has the defaults. */
@Injectable()
export class SettingsRepository {
  async get(tx: TenantTransaction): Promise<CtiSettings> {
    const rows: { crm_webhook_url: string | null; reveal_roles: unknown; updated_at: Date }[] = await tx.manager.query(
      `SELECT crm_webhook_url, reveal_roles, updated_at FROM cti.settings`,
    );
    const row = rows[0];
    if (!row) return { crmWebhookUrl: null, revealRoles: [...DEFAULT_REVEAL_ROLES], updatedAt: null };
    return { crmWebhookUrl: row.crm_webhook_url, revealRoles: rolesSchema.parse(row.reveal_roles), updatedAt: row.updated_at };
  }

  async put(tx: TenantTransaction, settings: { crmWebhookUrl: string | null; revealRoles: Role[] }, updatedBy: string | null): Promise<CtiSettings> {
    const rows: { updated_at: Date }[] = await tx.manager.query(
      `INSERT INTO cti.settings (tenant_id, crm_webhook_url, reveal_roles, updated_by) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (tenant_id) DO UPDATE SET crm_webhook_url = EXCLUDED.crm_webhook_url, reveal_roles = EXCLUDED.reveal_roles,
         updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING updated_at`,
      [tx.tenantId, settings.crmWebhookUrl, JSON.stringify(settings.revealRoles), updatedBy],
    );
    return { ...settings, updatedAt: rows[0]?.updated_at ?? null };
  }
}
