import { generateOpaqueToken, parseOpaqueToken, hashTokenSecret, verifyTokenSecret } from './opaque-token';

/** Every tenant API key starts with this, so secret scanners and humans recognise a leaked key. */
export const API_KEY_PREFIX = 'pk_live';

export interface GeneratedApiKey {
  /** `pk_live_<id>.<secret>`: shown to the user once, never stored. */
  key: string;
  /** Lookup id: store and index it. */
  id: string;
  /** SHA-256 hex of the secret: the only form of the secret that is stored. */
  secretHash: string;
  /** `pk_live_<id>`: the non-secret part, safe to store and show in key lists. */
  prefix: string;
}

/** Creates a new tenant API key for integrations. */
export function generateApiKey(): GeneratedApiKey {
  const { token, id, secret } = generateOpaqueToken(API_KEY_PREFIX);
  return { key: token, id, secretHash: hashTokenSecret(secret), prefix: `${API_KEY_PREFIX}_${id}` };
}

/** Splits a presented key (e.g. the `X-Api-Key` header) into id and secret; null when malformed. */
export function parseApiKey(key: string): { id: string; secret: string } | null {
  return parseOpaqueToken(key, API_KEY_PREFIX);
}

/** True when the presented secret matches the stored hash (constant-time comparison). */
export function verifyApiKeySecret(secret: string, storedHash: string): boolean {
  return verifyTokenSecret(secret, storedHash);
}
