import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived SIP credentials, in the style of the TURN REST API (draft-uberti-behave-turn-rest):
 * nothing is stored, the registrar recomputes the password from the username.
 *
 *   username = `<expiresAt>:<userId>`          expiresAt in Unix seconds (decimal)
 *   password = base64( HMAC-SHA256( key = secret (UTF-8), message = username (UTF-8) ) )
 *   realm    = `<tenantSlug>.<sipDomainSuffix>`
 *
 * The voice registrar, on a REGISTER/INVITE digest challenge response:
 *   1. splits the username with `parseSipUsername`; refuses it when malformed or when
 *      expiresAt <= now (expired);
 *   2. computes `computeSipPassword(secret, username)` and checks the digest response with it
 *      (digest auth never sends the password itself; `verifySipPassword` is for transports that do);
 *   3. checks that `userId` belongs to the tenant whose SIP domain is the realm: the HMAC covers the
 *      username only, so this step is what keeps one tenant's credential out of another's domain.
 *
 * `secret` is shared by the tenant service (which issues) and voice (which verifies); rotate it by
 * accepting the old and the new secret for one TTL.
 */

export const SIP_PASSWORD_HMAC = 'sha256';
const MIN_SECRET_BYTES = 32;
const EXPIRY_PATTERN = /^[0-9]{1,12}$/;
const USER_ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;

export interface DeriveSipCredentialsInput {
  /** Shared HMAC key, at least 32 bytes. */
  secret: string;
  userId: string;
  tenantSlug: string;
  /** e.g. `sip.parley.example` → realm `acme.sip.parley.example`. */
  sipDomainSuffix: string;
  ttlSeconds: number;
  /** Default: the current time. */
  now?: Date;
}

export interface DerivedSipCredentials {
  username: string;
  password: string;
  realm: string;
  /** Unix seconds after which the password stops working. */
  expiresAt: number;
}

export type SipPasswordCheck =
  | { ok: true; userId: string; expiresAt: number }
  | { ok: false; reason: 'expired' | 'malformed' | 'mismatch' };

function assertSecret(secret: string): void {
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new Error(`SIP credential secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
}

/** base64(HMAC-SHA256(secret, username)): the SIP password for this username. */
export function computeSipPassword(secret: string, username: string): string {
  assertSecret(secret);
  return createHmac(SIP_PASSWORD_HMAC, secret).update(username, 'utf8').digest('base64');
}

/** Splits `<expiresAt>:<userId>`; null when the username does not have that shape. */
export function parseSipUsername(username: string): { expiresAt: number; userId: string } | null {
  if (typeof username !== 'string') return null;
  const colon = username.indexOf(':');
  if (colon < 0) return null;
  const expiry = username.slice(0, colon);
  const userId = username.slice(colon + 1);
  if (!EXPIRY_PATTERN.test(expiry) || !USER_ID_PATTERN.test(userId)) return null;
  return { expiresAt: Number(expiry), userId };
}

/** Issues credentials valid for `ttlSeconds` from `now`. */
export function deriveSipCredentials(input: DeriveSipCredentialsInput): DerivedSipCredentials {
  const { secret, userId, tenantSlug, sipDomainSuffix, ttlSeconds } = input;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error(`ttlSeconds must be a positive integer (got ${ttlSeconds})`);
  if (!USER_ID_PATTERN.test(userId)) throw new Error('userId must be 1-128 URL-safe characters (no ":")');
  if (!tenantSlug || !sipDomainSuffix) throw new Error('tenantSlug and sipDomainSuffix are required');
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const expiresAt = nowSeconds + ttlSeconds;
  const username = `${expiresAt}:${userId}`;
  return { username, password: computeSipPassword(secret, username), realm: `${tenantSlug}.${sipDomainSuffix}`, expiresAt };
}

/** Checks a plain SIP password against its username (constant-time comparison). */
export function verifySipPassword(input: { secret: string; username: string; password: string; now?: Date }): SipPasswordCheck {
  const parsed = parseSipUsername(input.username);
  if (!parsed || typeof input.password !== 'string') return { ok: false, reason: 'malformed' };
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (parsed.expiresAt <= nowSeconds) return { ok: false, reason: 'expired' };
  const expected = Buffer.from(computeSipPassword(input.secret, input.username), 'utf8');
  const presented = Buffer.from(input.password, 'utf8');
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return { ok: false, reason: 'mismatch' };
  return { ok: true, userId: parsed.userId, expiresAt: parsed.expiresAt };
}
