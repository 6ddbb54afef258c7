import { Algorithm, hash, parseOptions, verify, type Options } from '@node-rs/argon2';

/**
 * Argon2id with the OWASP Password Storage Cheat Sheet's first recommended configuration:
 * 19 MiB of memory, 2 iterations, 1 degree of parallelism. Changing these values only affects new
 * hashes (the parameters are stored in each PHC string); use `needsRehash` after a successful login
 * to upgrade old hashes, and regenerate `DUMMY_HASH` so unknown-user logins keep the same cost.
 */
export const PASSWORD_HASH_OPTIONS: Readonly<Options> = Object.freeze({
  algorithm: Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
});

/**
 * A real argon2id hash, made with `PASSWORD_HASH_OPTIONS`, of a random password nobody knows.
 * Verifying against it costs exactly what verifying a real user's hash costs, so a login for an
 * unknown email takes as long as one for a known email with a wrong password (no user enumeration
 * by timing). A unit test checks that its parameters still match `PASSWORD_HASH_OPTIONS`.
 */
export const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$+3GUJe5uo8Ix/J1dbnAodg$FEo8LfRPPSCJ7Mqx3ZGmfdy0TiasiAkWWsETcMrAH28';

/** Hashes a password with argon2id; the result is a self-describing PHC string (salt included). */
export async function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH_OPTIONS);
}

/**
 * True when `password` matches `storedHash`. Never throws: a malformed or truncated stored hash
 * (corrupt row, hash from another algorithm) counts as a mismatch.
 */
export async function verifyPassword(password: string, storedHash: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

/**
 * Spends the time of one real verification and returns false. Call it when the login names an
 * unknown (or inactive) user, instead of returning early.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH);
  return false;
}

/**
 * True when `storedHash` was made with parameters other than `PASSWORD_HASH_OPTIONS` (or cannot be
 * parsed): after a successful login, hash the password again and store the new hash.
 */
export function needsRehash(storedHash: string): boolean {
  try {
    const used = parseOptions(storedHash);
    return (
      used.algorithm !== PASSWORD_HASH_OPTIONS.algorithm ||
      used.memoryCost !== PASSWORD_HASH_OPTIONS.memoryCost ||
      used.timeCost !== PASSWORD_HASH_OPTIONS.timeCost ||
      used.parallelism !== PASSWORD_HASH_OPTIONS.parallelism ||
      used.outputLen !== PASSWORD_HASH_OPTIONS.outputLen
    );
  } catch {
    return true;
  }
}
