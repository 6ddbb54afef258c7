import { randomUUID } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { type TokenPair } from '@parley/contracts';
import { generateOpaqueToken, hashTokenSecret, parseOpaqueToken, REFRESH_TOKEN_PREFIX, type TokenService, verifyTokenSecret } from '@parley/auth';
import { type TenantTransaction, type UnitOfWork } from '@parley/persistence';
import { type TenantEnv } from '../config/env.schema';
import { type Clock, TENANT_CLOCK, TENANT_CONFIG, TENANT_LOGGER, TENANT_TOKEN_SERVICE, TENANT_UNIT_OF_WORK, type TenantLogger } from '../tenant.tokens';
import { RefreshTokenRepository } from './refresh-token.repository';
import { TenantRepository } from '../tenants/tenant.repository';
import { UserRepository } from '../users/user.repository';
import { SeatRepository } from '../seats/seat.repository';
import { type UserEntity } from '../users/user.entity';
import { type TenantEntity } from '../tenants/tenant.entity';

const INVALID_REFRESH = 'the refresh token is invalid or expired; sign in again';

/**
 * Sessions: a short-lived access token plus a rotating refresh token. Every refresh replaces the
 * refresh token; presenting a replaced one again means it was stolen, so the whole session is revoked.
 */
@Injectable()
export class SessionService {
  constructor(
    @Inject(TENANT_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(TENANT_TOKEN_SERVICE) private readonly tokens: TokenService,
    @Inject(TENANT_CONFIG) private readonly config: TenantEnv,
    @Inject(TENANT_CLOCK) private readonly clock: Clock,
    @Inject(TENANT_LOGGER) private readonly logger: TenantLogger,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly tenants: TenantRepository,
    private readonly users: UserRepository,
    private readonly seats: SeatRepository,
  ) {}

  /** Opens a new session for the user, in the caller's transaction. */
  async open(tx: TenantTransaction, tenant: TenantEntity, user: UserEntity): Promise<TokenPair> {
    const expiresAt = new Date(this.clock().getTime() + this.config.REFRESH_TOKEN_TTL_DAYS * 86_400_000);
    return this.issue(tx, tenant, user, randomUUID(), expiresAt);
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const parsed = parseOpaqueToken(refreshToken, REFRESH_TOKEN_PREFIX);
    if (!parsed) throw new UnauthorizedException(INVALID_REFRESH);
    const tenantId = await this.uow.asSystem('refresh-token lookup', (tx) => this.refreshTokens.findTenantOf(tx, parsed.id));
    if (!tenantId) throw new UnauthorizedException(INVALID_REFRESH);

    const outcome = await this.uow.inTenant(tenantId, async (tx) => {
      const row = await this.refreshTokens.findForUpdate(tx, parsed.id);
      if (!row || !verifyTokenSecret(parsed.secret, row.secretHash)) return { kind: 'invalid' } as const;
      const now = this.clock();
      if (row.rotatedAt && !row.revokedAt) {
        await this.refreshTokens.revokeSession(tx, row.sessionId, 'reuse-detected', now);
        return { kind: 'reuse', userId: row.userId, sessionId: row.sessionId } as const;
      }
      if (row.revokedAt || row.rotatedAt || row.expiresAt <= now) return { kind: 'invalid' } as const;
      const [tenant, user] = await Promise.all([this.tenants.current(tx), this.users.findById(tx, row.userId)]);
      if (!tenant || !user?.active) {
        await this.refreshTokens.revokeSession(tx, row.sessionId, 'user-inactive', now);
        return { kind: 'invalid' } as const;
      }
      await this.refreshTokens.markRotated(tx, row.tokenId, now);
      return { kind: 'ok', tokens: await this.issue(tx, tenant, user, row.sessionId, row.expiresAt) } as const;
    });

    if (outcome.kind === 'reuse') {
      this.logger.warn({ tenantId, userId: outcome.userId, sessionId: outcome.sessionId }, 'refresh token reused: session revoked');
    }
    if (outcome.kind !== 'ok') throw new UnauthorizedException(INVALID_REFRESH);
    return outcome.tokens;
  }

  /** Ends the refresh token's session. Unknown or already revoked tokens are not an error (logout is idempotent). */
  async logout(refreshToken: string): Promise<void> {
    const parsed = parseOpaqueToken(refreshToken, REFRESH_TOKEN_PREFIX);
    if (!parsed) return;
    const tenantId = await this.uow.asSystem('refresh-token lookup', (tx) => this.refreshTokens.findTenantOf(tx, parsed.id));
    if (!tenantId) return;
    await this.uow.inTenant(tenantId, async (tx) => {
      const row = await this.refreshTokens.findForUpdate(tx, parsed.id);
      if (row && verifyTokenSecret(parsed.secret, row.secretHash)) await this.refreshTokens.revokeSession(tx, row.sessionId, 'logout', this.clock());
    });
  }

  private async issue(tx: TenantTransaction, tenant: TenantEntity, user: UserEntity, sessionId: string, expiresAt: Date): Promise<TokenPair> {
    const refresh = generateOpaqueToken(REFRESH_TOKEN_PREFIX);
    await this.refreshTokens.insert(tx, { tokenId: refresh.id, userId: user.id, sessionId, secretHash: hashTokenSecret(refresh.secret), expiresAt });
    const hasSeat = await this.seats.holds(tx, user.id);
    const access = await this.tokens.issueAccessToken({ sub: user.id, tenantId: tenant.id, tenantSlug: tenant.slug, role: user.role, sessionId, hasSeat });
    return { accessToken: access.token, expiresIn: access.expiresIn, refreshToken: refresh.token, refreshExpiresAt: expiresAt.toISOString(), tokenType: 'Bearer' };
  }
}
