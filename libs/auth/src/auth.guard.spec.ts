import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import type { ApiKeyIdentity, ApiKeyVerifier, AuthPrincipal, UserPrincipal } from './auth-principal';
import { AuthModule } from './auth.module';
import { CurrentPrincipal, CurrentTenant, CurrentUser } from './current-tenant.decorator';
import { Public } from './public.decorator';
import { Roles } from './roles.decorator';
import { TokenService, type AccessClaims } from './token.service';

const secret = 'guard-test-signing-secret-0123456789abcdef';
let now = new Date();
const tokens = new TokenService({ issuer: 'parley-tenant', audience: 'parley', signingSecret: secret, accessTokenTtlSeconds: 60, clock: () => now });

const tenantId = randomUUID();
const agent: AccessClaims = { sub: randomUUID(), tenantId, tenantSlug: 'acme', role: 'agent', sessionId: randomUUID(), hasSeat: true };
const admin: AccessClaims = { ...agent, sub: randomUUID(), role: 'admin', hasSeat: false };

const apiKeyIdentity: ApiKeyIdentity = { tenantId, apiKeyId: 'key-1', role: 'admin' };
class FakeApiKeyVerifier implements ApiKeyVerifier {
  readonly seen: string[] = [];
  async verify(apiKey: string): Promise<ApiKeyIdentity | null> {
    this.seen.push(apiKey);
    return apiKey === 'pk_live_good.key' ? apiKeyIdentity : null;
  }
}
const apiKeys = new FakeApiKeyVerifier();

@Controller()
class ProbeController {
  @Public()
  @Get('open')
  open(): { ok: true } {
    return { ok: true };
  }

  @Get('me')
  me(@CurrentPrincipal() principal: AuthPrincipal, @CurrentTenant() tenant: string): { principal: AuthPrincipal; tenant: string } {
    return { principal, tenant };
  }

  @Roles('owner', 'admin')
  @Get('admin-only')
  adminOnly(@CurrentTenant() tenant: string): { tenant: string } {
    return { tenant };
  }

  @Get('user-only')
  userOnly(@CurrentUser() user: UserPrincipal): { userId: string } {
    return { userId: user.userId };
  }

  @Public()
  @Get('misconfigured')
  misconfigured(@CurrentTenant() tenant: string): { tenant: string } {
    return { tenant };
  }

  @Public()
  @Get('misconfigured-principal')
  misconfiguredPrincipal(@CurrentPrincipal() principal: AuthPrincipal | undefined): { principal: AuthPrincipal | null } {
    return { principal: principal ?? null };
  }
}

@Roles('owner')
@Controller('owners')
class OwnersController {
  @Get('report')
  report(): { ok: true } {
    return { ok: true };
  }

  @Roles('agent')
  @Get('agents-too')
  agentsToo(): { ok: true } {
    return { ok: true };
  }
}

@Module({ imports: [AuthModule.forRoot({ tokenService: tokens, apiKeyVerifier: apiKeys })], controllers: [ProbeController, OwnersController] })
class AppModule {}

describe('JwtAuthGuard + RolesGuard + decorators (HTTP)', () => {
  let app: INestApplication;
  const bearer = async (claims: AccessClaims): Promise<string> => `Bearer ${(await tokens.issueAccessToken(claims)).token}`;

  beforeAll(async () => {
    app = await NestFactory.create(AppModule, { logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    now = new Date();
  });

  it('lets anyone reach a @Public() route', async () => {
    await request(app.getHttpServer()).get('/open').expect(200, { ok: true });
  });

  it('answers 401 with the JSON error body when credentials are missing', async () => {
    const res = await request(app.getHttpServer()).get('/me').expect(401);
    expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(/Missing credentials/) });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="parley"');
  });

  it('answers 401 for a bad token and for a non-Bearer scheme', async () => {
    const bad = await request(app.getHttpServer()).get('/me').set('Authorization', 'Bearer not.a.token').expect(401);
    expect(bad.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Access token is invalid' });
    const forged = (await new TokenService({ issuer: 'parley-tenant', audience: 'parley', signingSecret: `${secret}!` }).issueAccessToken(admin)).token;
    await request(app.getHttpServer()).get('/me').set('Authorization', `Bearer ${forged}`).expect(401);
    await request(app.getHttpServer()).get('/me').set('Authorization', `Basic ${Buffer.from('a:b').toString('base64')}`).expect(401);
  });

  it('answers 401 for an expired token', async () => {
    const auth = await bearer(agent);
    now = new Date(now.getTime() + 61_000);
    const res = await request(app.getHttpServer()).get('/me').set('Authorization', auth).expect(401);
    expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Access token has expired' });
  });

  it("attaches the token's principal, and @CurrentTenant() returns the token's tenant", async () => {
    const res = await request(app.getHttpServer()).get('/me').set('Authorization', await bearer(agent)).expect(200);
    expect(res.body).toEqual({
      tenant: tenantId,
      principal: { kind: 'user', userId: agent.sub, tenantId, tenantSlug: 'acme', role: 'agent', sessionId: agent.sessionId, hasSeat: true },
    });
  });

  it('answers 403 when the role is not allowed and 200 when it is', async () => {
    const denied = await request(app.getHttpServer()).get('/admin-only').set('Authorization', await bearer(agent)).expect(403);
    expect(denied.body).toEqual({ statusCode: 403, error: 'Forbidden', message: 'This action needs one of the roles: owner, admin' });
    await request(app.getHttpServer()).get('/admin-only').set('Authorization', await bearer(admin)).expect(200, { tenant: tenantId });
  });

  it('lets a method @Roles replace the controller one', async () => {
    await request(app.getHttpServer()).get('/owners/report').set('Authorization', await bearer(agent)).expect(403);
    await request(app.getHttpServer()).get('/owners/agents-too').set('Authorization', await bearer(agent)).expect(200);
  });

  it('authenticates an X-Api-Key through the verifier, with its role', async () => {
    const res = await request(app.getHttpServer()).get('/me').set('X-Api-Key', 'pk_live_good.key').expect(200);
    expect(res.body.principal).toEqual({ kind: 'api-key', ...apiKeyIdentity });
    await request(app.getHttpServer()).get('/admin-only').set('X-Api-Key', 'pk_live_good.key').expect(200);
    const bad = await request(app.getHttpServer()).get('/me').set('X-Api-Key', 'pk_live_bad.key').expect(401);
    expect(bad.body.message).toBe('API key is invalid');
    expect(apiKeys.seen).toContain('pk_live_bad.key');
  });

  it('@CurrentUser() refuses an API key with 403', async () => {
    await request(app.getHttpServer()).get('/user-only').set('X-Api-Key', 'pk_live_good.key').expect(403);
    await request(app.getHttpServer()).get('/user-only').set('Authorization', await bearer(agent)).expect(200, { userId: agent.sub });
  });

  it('fails loudly (500) when a tenant decorator is used on a route the guard skipped', async () => {
    const res = await request(app.getHttpServer()).get('/misconfigured').set('Authorization', await bearer(agent)).expect(500);
    expect(res.body.statusCode).toBe(500);
    await request(app.getHttpServer()).get('/misconfigured-principal').expect(500);
  });
});

describe('JwtAuthGuard without an API-key verifier', () => {
  let app: INestApplication;

  @Module({ imports: [AuthModule.forRootAsync({ useFactory: () => ({ tokenService: tokens }) })], controllers: [ProbeController] })
  class NoKeysModule {}

  beforeAll(async () => {
    app = await NestFactory.create(NoKeysModule, { logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses X-Api-Key with 401 and still accepts tokens (forRootAsync)', async () => {
    const res = await request(app.getHttpServer()).get('/me').set('X-Api-Key', 'pk_live_good.key').expect(401);
    expect(res.body.message).toBe('API keys are not accepted by this service');
    await request(app.getHttpServer()).get('/me').set('Authorization', `Bearer ${(await tokens.issueAccessToken(agent)).token}`).expect(200);
  });
});
