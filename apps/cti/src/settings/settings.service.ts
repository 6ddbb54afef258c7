import { Inject, Injectable } from '@nestjs/common';
import { type CtiSettingsRequest, type CtiSettingsView, type Role } from '@parley/contracts';
import { type UnitOfWork } from '@parley/persistence';
import { CTI_CONFIG, CTI_UNIT_OF_WORK } from '../cti.tokens';
import { type CtiEnv } from '../config/env.schema';
import { crmUrlProblem } from '../crm/crm-addresses';
import { badField } from '../http/cti-http';
import { type CtiSettings, SettingsRepository } from './settings.repository';

const toView = (s: CtiSettings): CtiSettingsView => ({ crmWebhookUrl: s.crmWebhookUrl, revealRoles: s.revealRoles, updatedAt: s.updatedAt?.toISOString() ?? null });

/** The tenant's CTI settings: its CRM webhook and which roles may reveal full numbers. */
@Injectable()
export class SettingsService {
  constructor(
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CTI_CONFIG) private readonly config: CtiEnv,
    private readonly settings: SettingsRepository,
  ) {}

  get(tenantId: string): Promise<CtiSettingsView> {
    return this.uow.inTenant(tenantId, async (tx) => toView(await this.settings.get(tx)));
  }

  async put(tenantId: string, request: CtiSettingsRequest, actor: string | null): Promise<CtiSettingsView> {
    if (request.crmWebhookUrl !== null) {
      const problem = crmUrlProblem(request.crmWebhookUrl, this.config.CTI_CRM_ALLOW_PRIVATE === 'true');
      if (problem !== null) throw badField('crmWebhookUrl', problem);
    }
    return this.uow.inTenant(tenantId, async (tx) => toView(await this.settings.put(tx, request, actor)));
  }

  /** Whether a role may see full numbers in this tenant. */
  async mayReveal(tenantId: string, role: Role): Promise<boolean> {
    return this.uow.inTenant(tenantId, async (tx) => (await this.settings.get(tx)).revealRoles.includes(role));
  }
}
