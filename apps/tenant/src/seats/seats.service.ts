import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { seatAssignedV1, seatReleasedV1, type SeatSummary } from '@parley/contracts';
import { type UnitOfWork } from '@parley/persistence';
import { recordEvent } from '../tenant-events';
import { type Clock, TENANT_CLOCK, TENANT_UNIT_OF_WORK } from '../tenant.tokens';
import { TenantRepository } from '../tenants/tenant.repository';
import { UserRepository } from '../users/user.repository';
import { SeatRepository } from './seat.repository';

/**
 * Agent seats: the licence to work as an agent, capped by the tenant's plan. Changes of one tenant
 * are serialized on its tenant row, so two concurrent assignments cannot both take the last seat.
 * Every change is an event; billing meters seats from them.
 */
@Injectable()
export class SeatsService {
  constructor(
    @Inject(TENANT_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(TENANT_CLOCK) private readonly clock: Clock,
    private readonly tenants: TenantRepository,
    private readonly users: UserRepository,
    private readonly seats: SeatRepository,
  ) {}

  summary(tenantId: string): Promise<SeatSummary> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const tenant = await this.tenants.current(tx);
      return this.summaryIn(tenant?.seatLimit ?? 0, await this.seats.list(tx));
    });
  }

  /** Assigns a seat; assigning to a user who already holds one changes nothing. */
  assign(tenantId: string, userId: string): Promise<SeatSummary> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const tenant = await this.tenants.lockCurrent(tx);
      const user = await this.users.findById(tx, userId);
      if (!tenant || !user) throw new NotFoundException(`user ${userId} was not found`);
      if (!user.active) throw new ConflictException(`user ${userId} is deactivated and cannot hold a seat`);
      if (!(await this.seats.holds(tx, userId))) {
        const inUse = await this.seats.count(tx);
        if (inUse >= tenant.seatLimit) {
          throw new ConflictException(`all ${tenant.seatLimit} seats of the ${tenant.plan} plan are in use: release one or change the plan`);
        }
        const now = this.clock();
        await this.seats.insert(tx, userId, now);
        await recordEvent(tx, seatAssignedV1, { tenantId, userId, seatsInUse: inUse + 1, seatLimit: tenant.seatLimit, assignedAt: now.toISOString() });
      }
      return this.summaryIn(tenant.seatLimit, await this.seats.list(tx));
    });
  }

  /** Releases a seat; releasing one that is not held changes nothing. */
  release(tenantId: string, userId: string): Promise<SeatSummary> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const tenant = await this.tenants.lockCurrent(tx);
      const user = await this.users.findById(tx, userId);
      if (!tenant || !user) throw new NotFoundException(`user ${userId} was not found`);
      if (await this.seats.delete(tx, userId)) {
        const seatsInUse = await this.seats.count(tx);
        await recordEvent(tx, seatReleasedV1, { tenantId, userId, seatsInUse, seatLimit: tenant.seatLimit, releasedAt: this.clock().toISOString() });
      }
      return this.summaryIn(tenant.seatLimit, await this.seats.list(tx));
    });
  }

  private summaryIn(seatLimit: number, holders: { userId: string; assignedAt: Date }[]): SeatSummary {
    return { seatLimit, seatsInUse: holders.length, holders: holders.map((s) => ({ userId: s.userId, assignedAt: s.assignedAt.toISOString() })) };
  }
}
