import { HttpException, HttpStatus, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { type LoginRequest, type TokenPair } from '@parley/contracts';
import { verifyAgainstDummy, verifyPassword } from '@parley/auth';
import { type UnitOfWork } from '@parley/persistence';
import { type TenantEnv } from '../config/env.schema';
import { FailureLimiter, type CounterStore } from '@parley/rate-limit';
import { COUNTER_STORE, counterKeys } from '../rate-limit/tenant-counters';
import { type Clock, TENANT_CLOCK, TENANT_CONFIG, TENANT_UNIT_OF_WORK } from '../tenant.tokens';
import { TenantRepository } from '../tenants/tenant.repository';
import { UserRepository } from '../users/user.repository';
import { SessionService } from './session.service';

export const INVALID_CREDENTIALS = 'the company, email or password is not correct';

/**
 * Password sign-in. Unknown tenant, unknown user, deactivated user and wrong password all get the
 * same 401 after the same argon2 work. Failures are counted per (company, email) — whether or not
 * the user exists, so the answers reveal nothing — and slow down, then lock sign-in for a while.
 */
@Injectable()
export class LoginService {
  constructor(
    @Inject(TENANT_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(TENANT_CONFIG) private readonly config: TenantEnv,
    @Inject(TENANT_CLOCK) private readonly clock: Clock,
    @Inject(COUNTER_STORE) counters: CounterStore,
    private readonly tenants: TenantRepository,
    private readonly users: UserRepository,
    private readonly sessions: SessionService,
  ) {
    const window = config.LOGIN_LOCK_MINUTES * 60;
    this.failures = new FailureLimiter(counters, { maxFailures: config.LOGIN_LOCK_AFTER, windowSeconds: window, blockSeconds: window, prefix: 'tenant:login' });
  }

  private readonly failures: FailureLimiter;

  /** How a slowed-down answer waits (replaceable in tests). */
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async login(request: LoginRequest): Promise<TokenPair> {
    const slug = request.tenant.toLowerCase();
    const identity = counterKeys.loginIdentity(slug, request.email);
    if (await this.failures.isBlocked(identity)) throw this.locked();

    const failures = await this.failures.failures(identity);
    if (failures >= this.config.LOGIN_SLOWDOWN_AFTER) {
      await this.sleep(Math.min(250 * 2 ** (failures - this.config.LOGIN_SLOWDOWN_AFTER), 4000));
    }

    const tenant = await this.uow.asSystem('login tenant lookup', (tx) => this.tenants.findIdBySlug(tx, slug));
    const result = tenant
      ? await this.uow.inTenant(tenant.id, async (tx) => {
          const user = await this.users.findByEmail(tx, request.email);
          const ok = user ? await verifyPassword(request.password, user.passwordHash) : await verifyAgainstDummy(request.password);
          if (!user || !ok || !user.active) return { user, ok: false as const };
          await this.users.recordLoginSuccess(tx, user.id);
          const current = await this.tenants.current(tx);
          if (!current) return { user, ok: false as const };
          return { user, ok: true as const, tokens: await this.sessions.open(tx, current, user) };
        })
      : { user: null, ok: false as const, dummy: await verifyAgainstDummy(request.password) };

    if (result.ok) {
      await this.failures.recordSuccess(identity);
      return result.tokens;
    }

    const locks = await this.failures.recordFailure(identity);
    if (tenant && result.user) {
      const user = result.user;
      const lockedUntil = locks ? new Date(this.clock().getTime() + this.config.LOGIN_LOCK_MINUTES * 60_000) : null;
      await this.uow.inTenant(tenant.id, (tx) => this.users.recordLoginFailure(tx, user.id, lockedUntil));
    }
    throw locks ? this.locked() : new UnauthorizedException(INVALID_CREDENTIALS);
  }

  private locked(): HttpException {
    return new HttpException(
      { message: `too many failed sign-in attempts: sign-in for this account is locked for up to ${this.config.LOGIN_LOCK_MINUTES} minutes` },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
