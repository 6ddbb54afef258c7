import { Inject, Injectable } from '@nestjs/common';
import { type UnitOfWork } from '@parley/persistence';
import { IVR_LOGGER, IVR_UNIT_OF_WORK, type IvrLogger } from '../ivr.tokens';
import { NumberRepository } from './number.repository';

/** A number as the tenant service's directory snapshot lists it (DirectorySnapshot['numbers']). */
export interface AssignedNumber {
  tenantId: string;
  numberId: string;
  e164: string;
  /** ISO instant. */
  assignedAt: string;
}

/**
 * Fills the phone-number projection from a snapshot of the tenant service's active numbers, for
 * when the events that would have built it are gone (the all-in-one mode's in-process bus starts
 * empty: numbers assigned before the ivr service first ran are in no event it will see).
 * Idempotent; releases still come through tenant.phone-number.released.v1.
 */
@Injectable()
export class NumbersSnapshotService {
  constructor(
    @Inject(IVR_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(IVR_LOGGER) private readonly logger: IvrLogger,
    private readonly numbers: NumberRepository,
  ) {}

  async load(numbers: readonly AssignedNumber[]): Promise<void> {
    const byTenant = new Map<string, AssignedNumber[]>();
    for (const number of numbers) byTenant.set(number.tenantId, [...(byTenant.get(number.tenantId) ?? []), number]);
    for (const [tenantId, list] of byTenant) {
      await this.uow.inTenant(tenantId, async (tx) => {
        for (const n of list) await this.numbers.projectAssigned(tx, { numberId: n.numberId, e164: n.e164, assignedAt: new Date(n.assignedAt) });
      });
    }
    this.logger.info({ numbers: numbers.length, tenants: byTenant.size }, 'phone-number projection loaded from a snapshot');
  }
}
