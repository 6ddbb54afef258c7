import { CallerDataCipher } from './caller-data.cipher';

describe('CallerDataCipher', () => {
  const cipher = new CallerDataCipher('a-data-key-that-is-long-enough-for-the-acd-0123');

  it('encrypts a callback number so that only the key reads it back, and never twice the same way', () => {
    const stored = cipher.encrypt('+14155550123');
    expect(stored).not.toContain('4155550123');
    expect(cipher.encrypt('+14155550123')).not.toBe(stored);
    expect(cipher.decrypt(stored)).toBe('+14155550123');
    expect(() => new CallerDataCipher('another-data-key-that-is-long-enough-0123456').decrypt(stored)).toThrow();
    const [v, iv, tag, body = ''] = stored.split(':');
    const tampered = Buffer.from(body, 'base64');
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    expect(() => cipher.decrypt([v, iv, tag, tampered.toString('base64')].join(':'))).toThrow();
    expect(() => cipher.decrypt('plain')).toThrow('unknown format');
  });

  it('hashes a caller number per tenant, stably, without the number in it', () => {
    expect(cipher.callerHash('t1', '+14155550123')).toBe(cipher.callerHash('t1', '+14155550123'));
    expect(cipher.callerHash('t2', '+14155550123')).not.toBe(cipher.callerHash('t1', '+14155550123'));
    expect(cipher.callerHash('t1', '+14155550123')).toMatch(/^[0-9a-f]{64}$/);
    expect(() => new CallerDataCipher('short')).toThrow('at least 32 characters');
  });
});
