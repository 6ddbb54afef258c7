import { createHash } from 'node:crypto';
import { generateOpaqueToken, hashTokenSecret, parseOpaqueToken, REFRESH_TOKEN_PREFIX, safeEqualHex, verifyTokenSecret } from './opaque-token';

describe('opaque tokens', () => {
  it('generates <prefix>_<id>.<secret> with random base64url parts that parse back', () => {
    const t = generateOpaqueToken(REFRESH_TOKEN_PREFIX);
    expect(t.token).toBe(`rt_${t.id}.${t.secret}`);
    expect(t.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(t.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(parseOpaqueToken(t.token, 'rt')).toEqual({ id: t.id, secret: t.secret });
    const other = generateOpaqueToken('rt');
    expect(other.id).not.toBe(t.id);
    expect(other.secret).not.toBe(t.secret);
  });

  it('parses tokens whose prefix contains underscores', () => {
    const t = generateOpaqueToken('pk_live');
    expect(parseOpaqueToken(t.token, 'pk_live')).toEqual({ id: t.id, secret: t.secret });
  });

  it('rejects tokens of another prefix or shape', () => {
    const t = generateOpaqueToken('rt');
    expect(parseOpaqueToken(t.token, 'pk_live')).toBeNull();
    expect(parseOpaqueToken(t.token.replace('.', ''), 'rt')).toBeNull();
    expect(parseOpaqueToken(`${t.token}x`, 'rt')).toBeNull();
    expect(parseOpaqueToken(`rt_${t.id}.${t.secret}.extra`, 'rt')).toBeNull();
    expect(parseOpaqueToken('rt_.', 'rt')).toBeNull();
    expect(parseOpaqueToken('', 'rt')).toBeNull();
  });

  it('refuses prefixes that would make tokens ambiguous', () => {
    expect(() => generateOpaqueToken('Bad.Prefix')).toThrow(/prefix/);
    expect(() => generateOpaqueToken('')).toThrow(/prefix/);
  });

  it('hashes secrets with SHA-256 hex and verifies them', () => {
    const t = generateOpaqueToken('rt');
    const stored = hashTokenSecret(t.secret);
    expect(stored).toBe(createHash('sha256').update(t.secret).digest('hex'));
    expect(verifyTokenSecret(t.secret, stored)).toBe(true);
    expect(verifyTokenSecret(generateOpaqueToken('rt').secret, stored)).toBe(false);
  });

  it('safeEqualHex compares hex strings without throwing on bad input', () => {
    expect(safeEqualHex('abcd', 'ABCD')).toBe(true);
    expect(safeEqualHex('abcd', 'abce')).toBe(false);
    expect(safeEqualHex('abcd', 'abcdef')).toBe(false);
    expect(safeEqualHex('zz', 'zz')).toBe(false);
    expect(safeEqualHex('abc', 'abc')).toBe(false);
    expect(safeEqualHex('', '')).toBe(false);
  });
});
