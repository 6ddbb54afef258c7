import { roleSchema } from '@parley/contracts';
import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

/** What an access token says about its bearer. */
export const accessClaimsSchema = z.object({
  /** The user's id (JWT `sub`). */
  sub: z.uuid(),
  tenantId: z.uuid(),
  tenantSlug: z.string().min(1).max(63),
  role: roleSchema,
  /** The login session (refresh-token family) this token belongs to; logout revokes it. */
  sessionId: z.string().min(1).max(128),
  /** Whether the user holds an agent seat (may take calls). */
  hasSeat: z.boolean(),
});
export type AccessClaims = z.infer<typeof accessClaimsSchema>;

/**
 * JWT payload on the wire: the registered claims (`iss`, `aud`, `sub`, `iat`, `exp`), `sid` for the
 * session (the OIDC name) and the tenancy claims under their own names.
 */
const accessPayloadSchema = z.object({
  sub: accessClaimsSchema.shape.sub,
  sid: accessClaimsSchema.shape.sessionId,
  tenantId: accessClaimsSchema.shape.tenantId,
  tenantSlug: accessClaimsSchema.shape.tenantSlug,
  role: accessClaimsSchema.shape.role,
  hasSeat: accessClaimsSchema.shape.hasSeat,
});

export type InvalidTokenReason = 'expired' | 'malformed' | 'signature' | 'claims';

/** Thrown by `TokenService.verifyAccessToken` for any token that must not be trusted. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';

  constructor(
    readonly reason: InvalidTokenReason,
    message: string,
  ) {
    super(message);
  }
}

export interface TokenServiceOptions {
  /** JWT `iss`, e.g. `parley-tenant`. */
  issuer: string;
  /** JWT `aud`, e.g. `parley`. */
  audience: string;
  /** Lifetime of access tokens; default 900 (15 minutes). */
  accessTokenTtlSeconds?: number;
  /** HS256 key, at least 32 bytes (a string is taken as UTF-8). Keep it in a secret store. */
  signingSecret: string | Uint8Array;
  /** Source of "now"; tests move it. Default `() => new Date()`. */
  clock?: () => Date;
}

export interface IssuedAccessToken {
  token: string;
  /** Seconds until the token expires. */
  expiresIn: number;
}

const MIN_SECRET_BYTES = 32;
const ALGORITHM = 'HS256';

/** Issues and verifies the short-lived access tokens (HS256 JWTs) every service accepts. */
export class TokenService {
  private readonly key: Uint8Array;
  private readonly ttlSeconds: number;
  private readonly clock: () => Date;

  constructor(private readonly options: TokenServiceOptions) {
    this.key = typeof options.signingSecret === 'string' ? new TextEncoder().encode(options.signingSecret) : options.signingSecret;
    if (this.key.byteLength < MIN_SECRET_BYTES) {
      throw new Error(`TokenService: signingSecret must be at least ${MIN_SECRET_BYTES} bytes (got ${this.key.byteLength})`);
    }
    if (!options.issuer || !options.audience) {
      throw new Error('TokenService: issuer and audience are required');
    }
    this.ttlSeconds = options.accessTokenTtlSeconds ?? 900;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds <= 0) {
      throw new Error(`TokenService: accessTokenTtlSeconds must be a positive integer (got ${this.ttlSeconds})`);
    }
    this.clock = options.clock ?? (() => new Date());
  }

  /** Signs an access token for these claims. Throws (a programming error) if the claims are invalid. */
  async issueAccessToken(claims: AccessClaims): Promise<IssuedAccessToken> {
    const c = accessClaimsSchema.parse(claims);
    const issuedAt = Math.floor(this.clock().getTime() / 1000);
    const token = await new SignJWT({ sid: c.sessionId, tenantId: c.tenantId, tenantSlug: c.tenantSlug, role: c.role, hasSeat: c.hasSeat })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(c.sub)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.ttlSeconds)
      .sign(this.key);
    return { token, expiresIn: this.ttlSeconds };
  }

  /** Returns the token's claims, or throws `InvalidTokenError` (never another error) when it must not be trusted. */
  async verifyAccessToken(token: string): Promise<AccessClaims> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: this.options.issuer,
        audience: this.options.audience,
        typ: 'JWT',
        requiredClaims: ['sub', 'iat', 'exp'],
        currentDate: this.clock(),
      }));
    } catch (error: unknown) {
      throw toInvalidTokenError(error);
    }
    const parsed = accessPayloadSchema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidTokenError('claims', `token claim "${issue?.path.join('.') ?? '?'}" is invalid`);
    }
    const p = parsed.data;
    return { sub: p.sub, tenantId: p.tenantId, tenantSlug: p.tenantSlug, role: p.role, sessionId: p.sid, hasSeat: p.hasSeat };
  }
}

function toInvalidTokenError(error: unknown): InvalidTokenError {
  if (error instanceof errors.JWTExpired) return new InvalidTokenError('expired', 'token has expired');
  if (error instanceof errors.JWSSignatureVerificationFailed) return new InvalidTokenError('signature', 'token signature is invalid');
  if (error instanceof errors.JWTClaimValidationFailed) return new InvalidTokenError('claims', `token claim "${error.claim}" is invalid`);
  return new InvalidTokenError('malformed', 'token is malformed');
}
