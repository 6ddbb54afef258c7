import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Opaque bearer secrets (refresh tokens, API keys): `<prefix>_<id>.<secret>`.
 *
 * - `id` (12 random bytes, base64url) is not secret: it is the row's lookup key, so a token is found
 *   with one indexed read instead of a scan.
 * - `secret` (32 random bytes, base64url) is stored only as its SHA-256. A fast hash is right here:
 *   the secret has 256 bits of entropy, so there is nothing to brute-force, unlike a password.
 * - Compare the stored hash with `safeEqualHex` (constant time).
 *
 * base64url never contains `.`, so the split is unambiguous even when the prefix or id contains `_`.
 */

const ID_BYTES = 12;
const SECRET_BYTES = 32;
const ID_PATTERN = /^[A-Za-z0-9_-]{16}$/;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const PREFIX_PATTERN = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const HEX_PATTERN = /^(?:[0-9a-f]{2})+$/i;

/** Prefix of refresh tokens issued by the tenant service (`rt_<id>.<secret>`). */
export const REFRESH_TOKEN_PREFIX = 'rt';

export interface OpaqueToken {
  /** The whole token, handed to the client once and never stored. */
  token: string;
  /** Public lookup id (store it, index it). */
  id: string;
  /** The secret part; store only `hashTokenSecret(secret)`. */
  secret: string;
}

function assertPrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new Error(`Invalid opaque-token prefix "${prefix}": use lowercase letters and digits, separated by single underscores`);
  }
}

/** Creates a new random `<prefix>_<id>.<secret>` token. */
export function generateOpaqueToken(prefix: string): OpaqueToken {
  assertPrefix(prefix);
  const id = randomBytes(ID_BYTES).toString('base64url');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { token: `${prefix}_${id}.${secret}`, id, secret };
}

/** Splits a token made by `generateOpaqueToken(prefix)`; null when it has another prefix or shape. */
export function parseOpaqueToken(token: string, prefix: string): { id: string; secret: string } | null {
  assertPrefix(prefix);
  const head = `${prefix}_`;
  if (typeof token !== 'string' || !token.startsWith(head)) return null;
  const rest = token.slice(head.length);
  const dot = rest.indexOf('.');
  if (dot < 0) return null;
  const id = rest.slice(0, dot);
  const secret = rest.slice(dot + 1);
  if (!ID_PATTERN.test(id) || !SECRET_PATTERN.test(secret)) return null;
  return { id, secret };
}

/** SHA-256 of a token secret, lowercase hex (64 characters): what gets stored. */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Constant-time equality of two hex strings (case-insensitive). False, without throwing, when
 * either is not hex or their lengths differ (lengths are not secret: hashes have a fixed size).
 */
export function safeEqualHex(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  if (a.length !== b.length || !HEX_PATTERN.test(a) || !HEX_PATTERN.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/** True when `secret` hashes to `storedHash` (constant-time comparison). */
export function verifyTokenSecret(secret: string, storedHash: string): boolean {
  return safeEqualHex(hashTokenSecret(secret), storedHash);
}
