import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose';
import { InvalidTokenError, TokenService, type AccessClaims } from './token.service';

const secret = 'test-signing-secret-that-is-long-enough-0123456789';
const claims: AccessClaims = {
  sub: randomUUID(),
  tenantId: randomUUID(),
  tenantSlug: 'acme',
  role: 'supervisor',
  sessionId: randomUUID(),
  hasSeat: true,
};

function service(overrides: Partial<ConstructorParameters<typeof TokenService>[0]> = {}): TokenService {
  return new TokenService({ issuer: 'parley-tenant', audience: 'parley', signingSecret: secret, ...overrides });
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error: unknown) {
    if (error instanceof InvalidTokenError) return error.reason;
    throw error;
  }
  throw new Error('expected the token to be refused');
}

async function signRaw(payload: Record<string, unknown>, key = secret): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('parley-tenant')
    .setAudience('parley')
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(new TextEncoder().encode(key));
}

describe('TokenService', () => {
  it('issues a token that verifies back to the same claims, with a 15-minute default lifetime', async () => {
    const tokens = service();
    const issued = await tokens.issueAccessToken(claims);
    expect(issued.expiresIn).toBe(900);
    await expect(tokens.verifyAccessToken(issued.token)).resolves.toEqual(claims);
    const payload = decodeJwt(issued.token);
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(payload).toMatchObject({ iss: 'parley-tenant', aud: 'parley', sub: claims.sub, sid: claims.sessionId, tenantId: claims.tenantId });
  });

  it('refuses signing secrets shorter than 32 bytes', () => {
    expect(() => service({ signingSecret: 'x'.repeat(31) })).toThrow(/32 bytes/);
    expect(() => service({ signingSecret: new Uint8Array(32) })).not.toThrow();
  });

  it('refuses to issue for invalid claims', async () => {
    await expect(service().issueAccessToken({ ...claims, tenantId: 'not-a-uuid' })).rejects.toThrow();
  });

  it('says "expired" once the lifetime has passed', async () => {
    let now = new Date('2025-01-01T00:00:00Z');
    const tokens = service({ accessTokenTtlSeconds: 60, clock: () => now });
    const { token } = await tokens.issueAccessToken(claims);
    now = new Date('2025-01-01T00:00:59Z');
    await expect(tokens.verifyAccessToken(token)).resolves.toEqual(claims);
    now = new Date('2025-01-01T00:01:00Z');
    await expect(reasonOf(tokens.verifyAccessToken(token))).resolves.toBe('expired');
  });

  it('says "signature" for a token signed with another key or tampered with', async () => {
    const { token } = await service({ signingSecret: `${secret}-other` }).issueAccessToken(claims);
    await expect(reasonOf(service().verifyAccessToken(token))).resolves.toBe('signature');

    const good = (await service().issueAccessToken(claims)).token;
    const [header, , signature] = good.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...decodeJwt(good), role: 'owner' })).toString('base64url');
    await expect(reasonOf(service().verifyAccessToken(`${header}.${forgedPayload}.${signature}`))).resolves.toBe('signature');
  });

  it('says "claims" for another issuer or audience', async () => {
    const { token } = await service({ issuer: 'someone-else' }).issueAccessToken(claims);
    await expect(reasonOf(service().verifyAccessToken(token))).resolves.toBe('claims');
    const other = (await service({ audience: 'other-product' }).issueAccessToken(claims)).token;
    await expect(reasonOf(service().verifyAccessToken(other))).resolves.toBe('claims');
  });

  it('says "claims" for a correctly signed token whose tenancy claims are invalid', async () => {
    const base = { sub: claims.sub, sid: claims.sessionId, tenantId: claims.tenantId, tenantSlug: 'acme', role: 'agent', hasSeat: false };
    await expect(reasonOf(service().verifyAccessToken(await signRaw({ ...base, role: 'superuser' })))).resolves.toBe('claims');
    await expect(reasonOf(service().verifyAccessToken(await signRaw({ ...base, tenantId: undefined })))).resolves.toBe('claims');
    await expect(service().verifyAccessToken(await signRaw(base))).resolves.toMatchObject({ role: 'agent', hasSeat: false });
  });

  it('refuses unsigned ("alg: none") tokens and garbage as "malformed"', async () => {
    const unsigned = new UnsecuredJWT({ ...claims }).setIssuer('parley-tenant').setAudience('parley').setIssuedAt().setExpirationTime('1h').encode();
    await expect(reasonOf(service().verifyAccessToken(unsigned))).resolves.toBe('malformed');
    await expect(reasonOf(service().verifyAccessToken('not.a.jwt'))).resolves.toBe('malformed');
    await expect(reasonOf(service().verifyAccessToken(''))).resolves.toBe('malformed');
  });
});
