import { randomUUID } from 'node:crypto';
import { ConflictException, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { seatReleasedV1, userCreatedV1, userDeactivatedV1, userUpdatedV1, type CreateUserRequest, type UpdateUserRequest, type UserView, type Role } from '@parley/contracts';
import { hashPassword, type AuthPrincipal } from '@parley/auth';
import { isUniqueViolation, type TenantTransaction, type UnitOfWork } from '@parley/persistence';
import { assertAcceptablePassword } from '../identity/password-policy';
import { RefreshTokenRepository } from '../identity/refresh-token.repository';
import { SeatRepository } from '../seats/seat.repository';
import { TenantRepository } from '../tenants/tenant.repository';
import { recordEvent, userFacts } from '../tenant-events';
import { type Clock, TENANT_CLOCK, TENANT_UNIT_OF_WORK } from '../tenant.tokens';
import { type ColleagueView, toColleagueView, toUserView } from '../views';
import { type UserEntity } from './user.entity';
import { UserRepository } from './user.repository';

function userNotFound(id: string): NotFoundException {
  return new NotFoundException(`user ${id} was not found`);
}

/** Who may manage whom: the owner is managed by nobody through this API; admins manage everyone else. */
function assertMayManage(actor: AuthPrincipal, target: UserEntity): void {
  if (target.role === 'owner') throw new ForbiddenException('the owner cannot be changed or deactivated here');
  if (actor.kind === 'user' && actor.userId === target.id) throw new ForbiddenException('you cannot change your own role or deactivate yourself');
}

@Injectable()
export class UsersService {
  constructor(
    @Inject(TENANT_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(TENANT_CLOCK) private readonly clock: Clock,
    private readonly users: UserRepository,
    private readonly seats: SeatRepository,
    private readonly tenants: TenantRepository,
    private readonly refreshTokens: RefreshTokenRepository,
  ) {}

  list(tenantId: string): Promise<UserView[]> {
    return this.uow.inTenant(tenantId, async (tx) => (await this.users.list(tx)).map((u) => toUserView(u, u.hasSeat)));
  }

  /** The tenant's active users with a seat, by name (any signed-in user may read them). */
  colleagues(tenantId: string): Promise<ColleagueView[]> {
    return this.uow.inTenant(tenantId, async (tx) => (await this.users.listSeatedActive(tx)).map(toColleagueView));
  }

  get(tenantId: string, id: string): Promise<UserView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const user = await this.users.findById(tx, id);
      if (!user) throw userNotFound(id);
      return toUserView(user, await this.seats.holds(tx, id));
    });
  }

  async create(tenantId: string, request: CreateUserRequest): Promise<UserView> {
    const tenantSlug = await this.uow.inTenant(tenantId, async (tx) => (await this.tenants.current(tx))?.slug);
    assertAcceptablePassword(request.password, { email: request.email, slug: tenantSlug });
    const passwordHash = await hashPassword(request.password);
    try {
      return await this.uow.inTenant(tenantId, async (tx) => {
        const tenant = await this.tenants.current(tx);
        const user = await this.users.insert(tx, { id: randomUUID(), email: request.email, name: request.name, role: request.role, locale: request.locale ?? tenant?.locale ?? 'en', passwordHash });
        await recordEvent(tx, userCreatedV1, { ...userFacts(user), createdAt: user.createdAt.toISOString() });
        return toUserView(user, false);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'users_tenant_email_key')) {
        throw new ConflictException({ message: `invalid body: email ${request.email} is already a user of this company`, fields: [{ path: 'email', message: 'is already in use' }] });
      }
      throw error;
    }
  }

  update(tenantId: string, actor: AuthPrincipal, id: string, request: UpdateUserRequest): Promise<UserView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const user = await this.users.findById(tx, id, true);
      if (!user) throw userNotFound(id);
      if (request.role !== undefined && request.role !== user.role) assertMayManage(actor, user);
      if (!user.active) throw new ConflictException(`user ${id} is deactivated`);
      if (request.name !== undefined) user.name = request.name;
      if (request.role !== undefined) user.role = request.role satisfies Exclude<Role, 'owner'>;
      if (request.locale !== undefined) user.locale = request.locale;
      const saved = await this.users.save(tx, user);
      await recordEvent(tx, userUpdatedV1, { ...userFacts(saved), updatedAt: saved.updatedAt.toISOString() });
      return toUserView(saved, await this.seats.holds(tx, id));
    });
  }

  /** Deactivates a user: releases their seat (with its event), ends their sessions, keeps their history. */
  deactivate(tenantId: string, actor: AuthPrincipal, id: string): Promise<UserView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const tenant = await this.tenants.lockCurrent(tx);
      const user = await this.users.findById(tx, id, true);
      if (!tenant || !user) throw userNotFound(id);
      assertMayManage(actor, user);
      if (!user.active) return toUserView(user, false);
      const now = this.clock();
      await this.releaseSeatIfHeld(tx, user.id, tenant.seatLimit, now);
      user.active = false;
      user.deactivatedAt = now;
      const saved = await this.users.save(tx, user);
      await this.refreshTokens.revokeAllOfUser(tx, user.id, 'user-deactivated', now);
      await recordEvent(tx, userDeactivatedV1, { tenantId, userId: user.id, deactivatedAt: now.toISOString() });
      return toUserView(saved, false);
    });
  }

  private async releaseSeatIfHeld(tx: TenantTransaction, userId: string, seatLimit: number, now: Date): Promise<void> {
    if (!(await this.seats.delete(tx, userId))) return;
    const seatsInUse = await this.seats.count(tx);
    await recordEvent(tx, seatReleasedV1, { tenantId: tx.tenantId, userId, seatsInUse, seatLimit, releasedAt: now.toISOString() });
  }
}
