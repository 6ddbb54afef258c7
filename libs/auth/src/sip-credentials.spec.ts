import { createHmac } from 'node:crypto';
import { computeSipPassword, deriveSipCredentials, parseSipUsername, verifySipPassword } from './sip-credentials';

const secret = 'a-shared-sip-secret-of-at-least-32-bytes!';
const now = new Date('2025-03-01T12:00:00Z');
const nowSeconds = Math.floor(now.getTime() / 1000);
const userId = '7b1c3c8e-2f4a-4a57-9a3e-0c2b8f5d9e11';

describe('SIP credentials', () => {
  const creds = deriveSipCredentials({ secret, userId, tenantSlug: 'acme', sipDomainSuffix: 'sip.parley.test', ttlSeconds: 3600, now });

  it('derives TURN-REST-style credentials the registrar can recompute', () => {
    expect(creds.username).toBe(`${nowSeconds + 3600}:${userId}`);
    expect(creds.realm).toBe('acme.sip.parley.test');
    expect(creds.expiresAt).toBe(nowSeconds + 3600);
    // The documented algorithm, recomputed independently.
    expect(creds.password).toBe(createHmac('sha256', secret).update(creds.username).digest('base64'));
    expect(computeSipPassword(secret, creds.username)).toBe(creds.password);
    expect(parseSipUsername(creds.username)).toEqual({ expiresAt: nowSeconds + 3600, userId });
  });

  it('accepts the password before expiry', () => {
    expect(verifySipPassword({ secret, username: creds.username, password: creds.password, now })).toEqual({ ok: true, userId, expiresAt: creds.expiresAt });
  });

  it('refuses it at and after expiry', () => {
    const at = new Date(creds.expiresAt * 1000);
    expect(verifySipPassword({ secret, username: creds.username, password: creds.password, now: at })).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a wrong password, another secret, and a username with a moved expiry', () => {
    expect(verifySipPassword({ secret, username: creds.username, password: `${creds.password.slice(0, -2)}A=`, now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySipPassword({ secret: `${secret}-rotated`, username: creds.username, password: creds.password, now })).toEqual({ ok: false, reason: 'mismatch' });
    const extended = `${creds.expiresAt + 86400}:${userId}`;
    expect(verifySipPassword({ secret, username: extended, password: creds.password, now })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it.each(['', userId, `abc:${userId}`, `${nowSeconds + 60}:`, `${nowSeconds + 60}:a:b`, `-5:${userId}`])('calls the username %p malformed', (username) => {
    expect(verifySipPassword({ secret, username, password: 'x', now })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses weak secrets and bad inputs when issuing', () => {
    expect(() => deriveSipCredentials({ secret: 'short', userId, tenantSlug: 'acme', sipDomainSuffix: 'sip.test', ttlSeconds: 60, now })).toThrow(/32 bytes/);
    expect(() => deriveSipCredentials({ secret, userId, tenantSlug: 'acme', sipDomainSuffix: 'sip.test', ttlSeconds: 0, now })).toThrow(/ttlSeconds/);
    expect(() => deriveSipCredentials({ secret, userId: 'a:b', tenantSlug: 'acme', sipDomainSuffix: 'sip.test', ttlSeconds: 60, now })).toThrow(/userId/);
  });
});
