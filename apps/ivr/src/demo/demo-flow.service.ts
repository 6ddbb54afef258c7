import { Inject, Injectable } from '@nestjs/common';
import { type Locale } from '@parley/contracts';
import { type UnitOfWork } from '@parley/persistence';
import { demoFlow } from '../flows/demo-flow';
import { FlowsService } from '../flows/flows.service';
import { IVR_UNIT_OF_WORK } from '../ivr.tokens';
import { BindingsService } from '../numbers/bindings.service';
import { NumberRepository } from '../numbers/number.repository';

export interface DemoNumber {
  tenantId: string;
  numberId: string;
  e164: string;
  assignedAt: Date;
  locale: Locale;
}

/**
 * The demo tenant's flow behind `npm start` (apps/platform calls it at every start, after the demo
 * tenant and number exist): the demo flow published and bound to the number (latest version).
 * Only a tenant with no flow at all gets it: once the tenant has flows, what it bound (or unbound)
 * stays as it is.
 */
@Injectable()
export class DemoFlowService {
  constructor(
    @Inject(IVR_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    private readonly numbers: NumberRepository,
    private readonly flows: FlowsService,
    private readonly bindings: BindingsService,
  ) {}

  async ensureDemoFlow(number: DemoNumber): Promise<{ created: boolean; flowId?: string }> {
    const existing = await this.uow.inTenant(number.tenantId, async (tx) => {
      // The number's tenant.phone-number.assigned.v1 may still be in the outbox: record it now (the event changes nothing after).
      await this.numbers.projectAssigned(tx, { numberId: number.numberId, e164: number.e164, assignedAt: number.assignedAt });
      return this.numbers.findBinding(tx, number.numberId);
    });
    if (existing !== null) return { created: false, flowId: existing.flowId };
    const flows = await this.flows.list(number.tenantId);
    if (flows.length > 0) return { created: false };
    const flow = await this.flows.create(number.tenantId, null, demoFlow(number.locale));
    await this.flows.publish(number.tenantId, null, flow.id, undefined);
    await this.bindings.bind(number.tenantId, null, number.numberId, { flowId: flow.id, version: 'latest' });
    return { created: true, flowId: flow.id };
  }
}
