import { Inject, Injectable } from '@nestjs/common';
import { type UnitOfWork } from '@parley/persistence';
import { TENANT_UNIT_OF_WORK } from '../tenant.tokens';

/** The routing-relevant state of every tenant, as the tenant events would have built it. */
export interface DirectorySnapshot {
  tenants: { tenantId: string; slug: string; companyName: string; locale: 'en' | 'zh-CN'; plan: 'trial' | 'team' | 'business' | 'enterprise'; seatLimit: number; sipDomain: string; createdAt: string }[];
  numbers: { tenantId: string; numberId: string; e164: string; assignedAt: string }[];
  users: { tenantId: string; userId: string }[];
  seats: { tenantId: string; userId: string }[];
  /** Voice emergency settings of the tenants that set them, as their latest `tenant.voice-settings.updated.v1` states them. */
  voiceSettings: { tenantId: string; revision: number; backupNumber: string | null; fallbackPrompt: { text: string; locale: 'en' | 'zh-CN' } | null; updatedAt: string }[];
}

/**
 * Rebuilds a projection (voice's number directory) when the events it was built from are gone:
 * in the all-in-one mode the in-process bus starts empty on every start. A system read.
 */
@Injectable()
export class DirectorySnapshotService {
  constructor(@Inject(TENANT_UNIT_OF_WORK) private readonly uow: UnitOfWork) {}

  snapshot(): Promise<DirectorySnapshot> {
    return this.uow.asSystem('directory snapshot', async (tx) => {
      const tenants: { id: string; slug: string; company_name: string; locale: 'en' | 'zh-CN'; plan: DirectorySnapshot['tenants'][number]['plan']; seat_limit: number; sip_domain: string; created_at: Date }[] =
        await tx.manager.query('SELECT id, slug, company_name, locale, plan, seat_limit, sip_domain, created_at FROM tenant.tenants');
      const numbers: { id: string; tenant_id: string; e164: string; assigned_at: Date }[] = await tx.manager.query('SELECT id, tenant_id, e164, assigned_at FROM tenant.phone_numbers WHERE released_at IS NULL');
      const users: { id: string; tenant_id: string }[] = await tx.manager.query('SELECT id, tenant_id FROM tenant.users WHERE active');
      const seats: { user_id: string; tenant_id: string }[] = await tx.manager.query('SELECT user_id, tenant_id FROM tenant.seats');
      const voiceSettings: { tenant_id: string; revision: number; backup_number: string | null; fallback_prompt_text: string | null; fallback_prompt_locale: 'en' | 'zh-CN' | null; updated_at: Date }[] =
        await tx.manager.query('SELECT tenant_id, revision, backup_number, fallback_prompt_text, fallback_prompt_locale, updated_at FROM tenant.voice_settings');
      return {
        tenants: tenants.map((t) => ({ tenantId: t.id, slug: t.slug, companyName: t.company_name, locale: t.locale, plan: t.plan, seatLimit: t.seat_limit, sipDomain: t.sip_domain, createdAt: t.created_at.toISOString() })),
        numbers: numbers.map((n) => ({ tenantId: n.tenant_id, numberId: n.id, e164: n.e164, assignedAt: n.assigned_at.toISOString() })),
        users: users.map((u) => ({ tenantId: u.tenant_id, userId: u.id })),
        seats: seats.map((s) => ({ tenantId: s.tenant_id, userId: s.user_id })),
        voiceSettings: voiceSettings.map((v) => ({
          tenantId: v.tenant_id,
          revision: v.revision,
          backupNumber: v.backup_number,
          fallbackPrompt: v.fallback_prompt_text !== null && v.fallback_prompt_locale !== null ? { text: v.fallback_prompt_text, locale: v.fallback_prompt_locale } : null,
          updatedAt: v.updated_at.toISOString(),
        })),
      };
    });
  }
}
