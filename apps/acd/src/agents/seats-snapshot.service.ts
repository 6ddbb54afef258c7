import { Inject, Injectable } from '@nestjs/common';
import { type UnitOfWork } from '@parley/persistence';
import { ACD_LOGGER, ACD_UNIT_OF_WORK, type AcdLogger } from '../acd.tokens';
import { RoutingInputsRepository } from '../runtime/routing-inputs.repository';
import { AgentsRepository } from './agents.repository';

/** A seat as the tenant service's directory snapshot lists it (DirectorySnapshot['seats']). */
export interface SeatedUser {
  tenantId: string;
  userId: string;
}

/**
 * Fills the seat projection from a snapshot of the tenant service's seats, for when the events that
 * would have built it are gone (the all-in-one mode's in-process bus starts empty). Idempotent.
 */
@Injectable()
export class SeatsSnapshotService {
  constructor(
    @Inject(ACD_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(ACD_LOGGER) private readonly logger: AcdLogger,
    private readonly agents: AgentsRepository,
    private readonly inputs: RoutingInputsRepository,
  ) {}

  async load(seats: readonly SeatedUser[]): Promise<void> {
    const byTenant = new Map<string, string[]>();
    for (const seat of seats) byTenant.set(seat.tenantId, [...(byTenant.get(seat.tenantId) ?? []), seat.userId]);
    for (const [tenantId, userIds] of byTenant) {
      await this.uow.inTenant(tenantId, async (tx) => {
        for (const userId of userIds) {
          if (await this.agents.setSeat(tx, userId, true)) await this.inputs.add(tx, { kind: 'config', scope: 'agent', id: userId }, false);
        }
      });
    }
    this.logger.info({ seats: seats.length, tenants: byTenant.size }, 'seat projection loaded from a snapshot');
  }
}
