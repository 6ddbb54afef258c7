import { Inject, Injectable } from '@nestjs/common';
import { type UnitOfWork } from '@parley/persistence';
import { CTI_LOGGER, CTI_UNIT_OF_WORK, type CtiLogger } from '../cti.tokens';
import { SeatsRepository } from './seats.repository';

/** A seat as the tenant service's directory snapshot lists it (DirectorySnapshot['seats']). */
export interface SeatedUser {
  tenantId: string;
  userId: string;
}

/**
 * Fills the seat projection from a snapshot of the tenant service's seats, for when the events
 * that would have built it are gone (the all-in-one mode's in-process bus starts empty). Idempotent.
 */
@Injectable()
export class SeatsSnapshotService {
  constructor(
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CTI_LOGGER) private readonly logger: CtiLogger,
    private readonly seats: SeatsRepository,
  ) {}

  async load(seats: readonly SeatedUser[]): Promise<void> {
    const byTenant = new Map<string, string[]>();
    for (const seat of seats) byTenant.set(seat.tenantId, [...(byTenant.get(seat.tenantId) ?? []), seat.userId]);
    for (const [tenantId, userIds] of byTenant) {
      await this.uow.inTenant(tenantId, async (tx) => {
        for (const userId of userIds) await this.seats.setSeat(tx, userId, true);
      });
    }
    this.logger.info({ seats: seats.length, tenants: byTenant.size }, 'seat projection loaded from a snapshot');
  }
}
