import { parseOptions } from '@node-rs/argon2';
import { DUMMY_HASH, hashPassword, needsRehash, PASSWORD_HASH_OPTIONS, verifyAgainstDummy, verifyPassword } from './password-hasher';

describe('password hasher', () => {
  it('hashes with argon2id and the OWASP parameters, salted per hash', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapler', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it.each(['', 'not-a-hash', '$argon2id$v=19$m=19456,t=2,p=1$short', '$2b$10$abcdefghijklmnopqrstuuLQ6vA3Ijq6u1C7zYvWv6pNq9o5yqM5e'])(
    'returns false instead of throwing for the malformed stored hash %p',
    async (stored) => {
      await expect(verifyPassword('whatever', stored)).resolves.toBe(false);
    },
  );

  it('keeps DUMMY_HASH on the current parameters, so unknown-user logins cost the same', () => {
    const used = parseOptions(DUMMY_HASH);
    expect(used).toMatchObject({
      algorithm: PASSWORD_HASH_OPTIONS.algorithm,
      memoryCost: PASSWORD_HASH_OPTIONS.memoryCost,
      timeCost: PASSWORD_HASH_OPTIONS.timeCost,
      parallelism: PASSWORD_HASH_OPTIONS.parallelism,
      outputLen: PASSWORD_HASH_OPTIONS.outputLen,
    });
    expect(needsRehash(DUMMY_HASH)).toBe(false);
  });

  it('verifyAgainstDummy does a real verification and always answers false', async () => {
    const started = process.hrtime.bigint();
    await expect(verifyAgainstDummy('any password')).resolves.toBe(false);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    // A real argon2id verification with 19 MiB and t=2 takes milliseconds, never microseconds.
    expect(elapsedMs).toBeGreaterThan(2);
  });

  it('needsRehash flags hashes made with other parameters or unparseable ones', async () => {
    expect(needsRehash(await hashPassword('pw-123456789'))).toBe(false);
    expect(needsRehash('$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$0Ez5rZ0dJ3kS1V2iQmVrw2A8cEFwVjw0yJ6hQh5wXnE')).toBe(true);
    expect(needsRehash('garbage')).toBe(true);
  });
});
