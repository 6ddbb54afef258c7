import { ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { type SipCredentials } from '@parley/contracts';
import { deriveSipCredentials, type UserPrincipal } from '@parley/auth';
import { type UnitOfWork } from '@parley/persistence';
import { type TenantEnv } from '../config/env.schema';
import { type Clock, TENANT_CLOCK, TENANT_CONFIG, TENANT_UNIT_OF_WORK } from '../tenant.tokens';
import { SeatRepository } from '../seats/seat.repository';
import { TenantRepository } from '../tenants/tenant.repository';
import { UserRepository } from '../users/user.repository';

/**
 * Short-lived softphone credentials, derived by HMAC the way TURN REST credentials are: nothing is
 * stored, the registrar recomputes the password from the username and the shared secret.
 * Only an active user holding a seat gets them (checked now, not from the token's claim).
 */
@Injectable()
export class SipCredentialsService {
  constructor(
    @Inject(TENANT_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(TENANT_CONFIG) private readonly config: TenantEnv,
    @Inject(TENANT_CLOCK) private readonly clock: Clock,
    private readonly tenants: TenantRepository,
    private readonly users: UserRepository,
    private readonly seats: SeatRepository,
  ) {}

  issue(principal: UserPrincipal): Promise<SipCredentials> {
    return this.uow.inTenant(principal.tenantId, async (tx) => {
      const [tenant, user] = await Promise.all([this.tenants.current(tx), this.users.findById(tx, principal.userId)]);
      if (!tenant || !user?.active) throw new NotFoundException('your user was not found or is deactivated');
      if (!(await this.seats.holds(tx, user.id))) throw new ForbiddenException('SIP credentials need an agent seat: ask an administrator to assign you one');
      const derived = deriveSipCredentials({
        secret: this.config.SIP_CREDENTIAL_SECRET,
        userId: user.id,
        tenantSlug: tenant.slug,
        sipDomainSuffix: this.config.SIP_DOMAIN,
        ttlSeconds: this.config.SIP_CREDENTIAL_TTL_SECONDS,
        now: this.clock(),
      });
      return { ...derived, websocketUrl: this.config.SIP_WS_URL, uri: `sip:${user.id}@${derived.realm}` };
    });
  }
}
