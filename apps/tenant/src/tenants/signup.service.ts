import { randomUUID } from 'node:crypto';
import { ConflictException, HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { tenantCreatedV1, userCreatedV1, type SignupRequest, type SignupResponse } from '@parley/contracts';
import { hashPassword } from '@parley/auth';
import { isUniqueViolation, type UnitOfWork } from '@parley/persistence';
import { type TenantEnv } from '../config/env.schema';
import { assertAcceptablePassword } from '../identity/password-policy';
import { SessionService } from '../identity/session.service';
import { type CounterStore } from '@parley/rate-limit';
import { COUNTER_STORE, counterKeys } from '../rate-limit/tenant-counters';
import { recordEvent, tenantFacts, userFacts } from '../tenant-events';
import { PLAN_SEAT_LIMITS, TENANT_CONFIG, TENANT_UNIT_OF_WORK, type Clock, TENANT_CLOCK } from '../tenant.tokens';
import { toTenantView, toUserView } from '../views';
import { UserRepository } from '../users/user.repository';
import { TenantRepository } from './tenant.repository';

/** Self-service signup: a tenant, its owner and a first session, all in one transaction with their events. */
@Injectable()
export class SignupService {
  constructor(
    @Inject(TENANT_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(TENANT_CONFIG) private readonly config: TenantEnv,
    @Inject(TENANT_CLOCK) private readonly clock: Clock,
    @Inject(COUNTER_STORE) private readonly counters: CounterStore,
    private readonly tenants: TenantRepository,
    private readonly users: UserRepository,
    private readonly sessions: SessionService,
  ) {}

  async signup(request: SignupRequest, clientAddress: string): Promise<SignupResponse> {
    assertAcceptablePassword(request.password, { email: request.adminEmail, slug: request.slug });
    const attempts = await this.counters.increment(counterKeys.signupByAddress(clientAddress), 3600);
    if (attempts > this.config.SIGNUP_RATE_LIMIT_PER_HOUR) {
      throw new HttpException({ message: `too many signups from this address: at most ${this.config.SIGNUP_RATE_LIMIT_PER_HOUR} per hour` }, HttpStatus.TOO_MANY_REQUESTS);
    }
    return this.createTenant(request);
  }

  /** Creates a tenant and its owner without rate limiting (the demo tenant at first start uses it too). */
  async createTenant(request: SignupRequest): Promise<SignupResponse> {
    const passwordHash = await hashPassword(request.password);
    const tenantId = randomUUID();
    const locale = request.locale ?? 'en';
    const now = this.clock();
    try {
      return await this.uow.inTenant(tenantId, async (tx) => {
        const tenant = await this.tenants.insert(tx, {
          id: tenantId,
          slug: request.slug,
          companyName: request.companyName,
          locale,
          plan: 'trial',
          seatLimit: PLAN_SEAT_LIMITS.trial,
          sipDomain: `${request.slug}.${this.config.SIP_DOMAIN}`,
        });
        const owner = await this.users.insert(tx, { id: randomUUID(), email: request.adminEmail, name: request.adminName, role: 'owner', locale, passwordHash });
        await recordEvent(tx, tenantCreatedV1, { ...tenantFacts(tenant), createdAt: now.toISOString() });
        await recordEvent(tx, userCreatedV1, { ...userFacts(owner), createdAt: now.toISOString() });
        const tokens = await this.sessions.open(tx, tenant, owner);
        return { tenant: toTenantView(tenant), user: toUserView(owner, false), tokens };
      });
    } catch (error) {
      if (isUniqueViolation(error, 'tenants_slug_key')) {
        throw new ConflictException({ message: `invalid body: slug "${request.slug}" is already taken`, fields: [{ path: 'slug', message: 'is already taken' }] });
      }
      throw error;
    }
  }
}
