import { API_KEY_PREFIX, generateApiKey, parseApiKey, verifyApiKeySecret } from './api-key';

describe('API keys', () => {
  it('generates pk_live_<id>.<secret> and stores only the hash and the non-secret prefix', () => {
    const k = generateApiKey();
    expect(k.key.startsWith(`${API_KEY_PREFIX}_${k.id}.`)).toBe(true);
    expect(k.prefix).toBe(`pk_live_${k.id}`);
    expect(k.secretHash).toMatch(/^[0-9a-f]{64}$/);
    const parsed = parseApiKey(k.key);
    expect(parsed?.id).toBe(k.id);
    expect(k.key.endsWith(parsed!.secret)).toBe(true);
    expect(k.secretHash).not.toContain(parsed!.secret);
  });

  it('verifies the presented secret against the stored hash', () => {
    const k = generateApiKey();
    const other = generateApiKey();
    expect(verifyApiKeySecret(parseApiKey(k.key)!.secret, k.secretHash)).toBe(true);
    expect(verifyApiKeySecret(parseApiKey(other.key)!.secret, k.secretHash)).toBe(false);
    expect(verifyApiKeySecret(parseApiKey(k.key)!.secret, 'not-hex')).toBe(false);
  });

  it('does not parse a refresh token or garbage as an API key', () => {
    expect(parseApiKey('rt_AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB')).toBeNull();
    expect(parseApiKey('pk_live_')).toBeNull();
  });
});
