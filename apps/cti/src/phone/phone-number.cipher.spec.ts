import { PhoneNumberCipher } from './phone-number.cipher';

const TENANT_A = '0b8e6f4e-1a4c-4d2b-8f0e-2a3b4c5d6e7f';
const TENANT_B = '6f1c1f8e-8c53-4b8a-9a53-1c1d2c3b4a5f';

describe('PhoneNumberCipher', () => {
  const cipher = new PhoneNumberCipher('a-test-data-key-that-is-long-enough-0123456789');

  it('round-trips a number, with a fresh ciphertext each time that never contains the digits', () => {
    const one = cipher.encrypt(TENANT_A, '+8613812345678');
    const two = cipher.encrypt(TENANT_A, '+8613812345678');
    expect(one).not.toBe(two);
    expect(one).not.toContain('13812345678');
    expect(cipher.decrypt(TENANT_A, one)).toBe('+8613812345678');
  });

  it("refuses a ciphertext moved to another tenant or tampered with", () => {
    const stored = cipher.encrypt(TENANT_A, '+14155552671');
    expect(() => cipher.decrypt(TENANT_B, stored)).toThrow();
    const [f, iv, tag, body] = stored.split(':') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => cipher.decrypt(TENANT_A, [f, iv, tag, flipped.toString('base64')].join(':'))).toThrow();
    expect(() => cipher.decrypt(TENANT_A, 'plain')).toThrow(/unknown format/);
  });

  it('hashes a number the same way within a tenant, differently across tenants and keys', () => {
    const hash = cipher.lookupHash(TENANT_A, '+14155552671');
    expect(cipher.lookupHash(TENANT_A.toUpperCase(), '+14155552671')).toBe(hash);
    expect(cipher.lookupHash(TENANT_B, '+14155552671')).not.toBe(hash);
    expect(new PhoneNumberCipher('another-data-key-that-is-long-enough-012345').lookupHash(TENANT_A, '+14155552671')).not.toBe(hash);
    expect(hash).not.toContain('4155552671');
  });

  it('needs a key of at least 32 characters', () => {
    expect(() => new PhoneNumberCipher('short')).toThrow(/at least 32/);
  });
});
