import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { tenantUpdatedV1, type TenantView, type UpdateTenantRequest } from '@parley/contracts';
import { type UnitOfWork } from '@parley/persistence';
import { recordEvent, tenantFacts } from '../tenant-events';
import { type Clock, TENANT_CLOCK, TENANT_UNIT_OF_WORK } from '../tenant.tokens';
import { toTenantView } from '../views';
import { TenantRepository } from './tenant.repository';

@Injectable()
export class TenantService {
  constructor(
    @Inject(TENANT_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(TENANT_CLOCK) private readonly clock: Clock,
    private readonly tenants: TenantRepository,
  ) {}

  get(tenantId: string): Promise<TenantView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const tenant = await this.tenants.current(tx);
      if (!tenant) throw new NotFoundException('tenant not found');
      return toTenantView(tenant);
    });
  }

  update(tenantId: string, request: UpdateTenantRequest): Promise<TenantView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const tenant = await this.tenants.update(tx, request);
      if (!tenant) throw new NotFoundException('tenant not found');
      await recordEvent(tx, tenantUpdatedV1, { ...tenantFacts(tenant), updatedAt: this.clock().toISOString() });
      return toTenantView(tenant);
    });
  }
}
