import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Inject, Ip, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@parley/auth';
import { type TenantEnv } from '../config/env.schema';
import { TENANT_CONFIG, TENANT_LOGGER, type TenantLogger } from '../tenant.tokens';
import { type DirectorySnapshot, DirectorySnapshotService } from './directory-snapshot.service';

/** The header another Parley service proves itself with (its value is the tenant service's INTERNAL_API_TOKEN). */
export const INTERNAL_TOKEN_HEADER = 'x-parley-internal-token';

/** Constant-time comparison that does not leak the expected token's length either (both sides hashed first). */
function sameToken(given: string, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Endpoints for other Parley services, not for users: no JWT, a shared token instead, and left out
 * of the public OpenAPI document. With INTERNAL_API_TOKEN unset they do not exist (404).
 *
 * The path is `internal/v1/...` below the app's global prefix (`/api/v1`, set by libs/http's
 * configureHttpApp), so today the snapshot is served at `/api/v1/internal/v1/voice-directory`.
 */
@ApiExcludeController()
@Public()
@Controller('internal/v1')
export class InternalDirectoryController {
  constructor(
    private readonly snapshots: DirectorySnapshotService,
    @Inject(TENANT_CONFIG) private readonly config: TenantEnv,
    @Inject(TENANT_LOGGER) private readonly logger: TenantLogger,
  ) {}

  /**
   * What a voice node loads at boot instead of replaying the tenant topics from their beginning
   * (they keep 7 days only): every tenant, active number, active user, seat and voice setting.
   */
  @Get('voice-directory')
  async voiceDirectory(@Headers(INTERNAL_TOKEN_HEADER) token: string | undefined, @Ip() ip: string): Promise<DirectorySnapshot> {
    const expected = this.config.INTERNAL_API_TOKEN;
    if (expected === undefined) throw new NotFoundException('internal endpoints are off: the tenant service has no INTERNAL_API_TOKEN');
    if (token === undefined || token.length === 0) {
      throw new UnauthorizedException(`the ${INTERNAL_TOKEN_HEADER} header is missing`);
    }
    if (!sameToken(token, expected)) {
      this.logger.warn({ ip }, 'internal endpoint called with a wrong token');
      throw new UnauthorizedException(`the ${INTERNAL_TOKEN_HEADER} header does not hold the internal API token`);
    }
    const snapshot = await this.snapshots.snapshot();
    this.logger.info({ ip, tenants: snapshot.tenants.length, numbers: snapshot.numbers.length }, 'voice directory snapshot served');
    return snapshot;
  }
}
