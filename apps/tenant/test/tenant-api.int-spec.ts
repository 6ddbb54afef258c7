import { verifySipPassword } from '@parley/auth';
import { type SeatSummary, type SipCredentials, type TokenPair, type UserView } from '@parley/contracts';
import { UnitOfWork } from '@parley/persistence';
import { uniqueName } from '@parley/testing';
import { login, nextClientAddress, signUp, startTenantApp, TEST_PASSWORD, type TenantTestApp } from './tenant-test-app';

describe('tenant service HTTP API (real PostgreSQL, Redis, Kafka)', () => {
  let t: TenantTestApp;

  beforeAll(async () => {
    t = await startTenantApp({ LOGIN_SLOWDOWN_AFTER: '2', LOGIN_LOCK_AFTER: '4', SIGNUP_RATE_LIMIT_PER_HOUR: '3' });
  });
  afterAll(() => t?.close());

  describe('signup and sign-in', () => {
    it('signs up a company and returns its tenant, owner and working tokens; login and the user list follow', async () => {
      const co = await signUp(t);
      expect(co.tenant).toMatchObject({ slug: co.slug, plan: 'trial', seatLimit: 5, sipDomain: `${co.slug}.sip.parley.local`, locale: 'en' });
      expect(co.user).toMatchObject({ role: 'owner', email: `owner@${co.slug}.test`, active: true });
      expect(co.tokens.tokenType).toBe('Bearer');
      expect(co.tokens.expiresIn).toBe(900);

      const tokens = await login(t, co.slug, `OWNER@${co.slug}.test`, TEST_PASSWORD);
      const users = await t.http.get('/api/v1/users').set('authorization', `Bearer ${tokens.accessToken}`);
      expect(users.status).toBe(200);
      expect((users.body as UserView[]).map((u) => u.email)).toEqual([`owner@${co.slug}.test`]);
    });

    it('refuses a taken slug (409), reserved or malformed slugs and weak passwords (400, naming the field)', async () => {
      const co = await signUp(t);
      const base = { companyName: 'X', adminName: 'Y', adminEmail: 'y@x.test', password: TEST_PASSWORD };
      const taken = await t.http.post('/api/v1/signup').set('x-forwarded-for', nextClientAddress()).send({ ...base, slug: co.slug });
      expect(taken.status).toBe(409);
      expect(taken.body.fields).toEqual([{ path: 'slug', message: 'is already taken' }]);

      const reserved = await t.http.post('/api/v1/signup').set('x-forwarded-for', nextClientAddress()).send({ ...base, slug: 'admin' });
      expect(reserved.status).toBe(400);
      expect(reserved.body.fields).toEqual([{ path: 'slug', message: 'is a reserved word' }]);

      const common = await t.http.post('/api/v1/signup').set('x-forwarded-for', nextClientAddress()).send({ ...base, slug: uniqueName('co'), password: 'password123' });
      expect(common.status).toBe(400);
      expect(common.body.fields[0].path).toBe('password');
      expect(common.body.fields[0].message).toMatch(/too common/);

      const short = await t.http.post('/api/v1/signup').set('x-forwarded-for', nextClientAddress()).send({ ...base, slug: uniqueName('co'), password: 'Sh0rt!' });
      expect(short.status).toBe(400);
      expect(short.body.fields).toEqual([{ path: 'password', message: 'must be at least 10 characters' }]);
    });

    it('rate-limits signups per client address', async () => {
      const address = nextClientAddress();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        const slug = uniqueName('rl');
        const res = await t.http.post('/api/v1/signup').set('x-forwarded-for', address).send({ companyName: 'R', slug, adminName: 'R', adminEmail: `r@${slug}.test`, password: TEST_PASSWORD });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([201, 201, 201, 429]);
      const other = await signUp(t);
      expect(other.tenant.slug).toBeDefined();
    });

    it('answers a wrong password, an unknown user and an unknown company with the same 401', async () => {
      const co = await signUp(t);
      const answers = await Promise.all([
        t.http.post('/api/v1/auth/login').send({ tenant: co.slug, email: `owner@${co.slug}.test`, password: 'wrong-password-1' }),
        t.http.post('/api/v1/auth/login').send({ tenant: co.slug, email: `nobody@${co.slug}.test`, password: 'wrong-password-1' }),
        t.http.post('/api/v1/auth/login').send({ tenant: uniqueName('nope'), email: 'x@y.test', password: 'wrong-password-1' }),
      ]);
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
      expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    });

    it('slows repeated failures down and then locks sign-in, for known and unknown users alike', async () => {
      const co = await signUp(t);
      for (const email of [`owner@${co.slug}.test`, `ghost@${co.slug}.test`]) {
        const timings: number[] = [];
        const statuses: number[] = [];
        for (let i = 0; i < 5; i += 1) {
          const started = Date.now();
          const res = await t.http.post('/api/v1/auth/login').send({ tenant: co.slug, email, password: 'not-the-password' });
          timings.push(Date.now() - started);
          statuses.push(res.status);
        }
        expect(statuses).toEqual([401, 401, 401, 429, 429]);
        expect(timings[2]).toBeGreaterThanOrEqual(240);
      }
      // Even the right password is refused while locked.
      const locked = await t.http.post('/api/v1/auth/login').send({ tenant: co.slug, email: `owner@${co.slug}.test`, password: TEST_PASSWORD });
      expect(locked.status).toBe(429);
    });

    it('rotates refresh tokens, revokes the session when an old one is replayed, and logs out', async () => {
      const co = await signUp(t);
      const first = co.tokens;
      const second = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: first.refreshToken });
      expect(second.status).toBe(200);
      const rotated = second.body as TokenPair;
      expect(rotated.refreshToken).not.toBe(first.refreshToken);

      const replay = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: first.refreshToken });
      expect(replay.status).toBe(401);
      const afterReplay = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: rotated.refreshToken });
      expect(afterReplay.status).toBe(401);

      const fresh = await login(t, co.slug, `owner@${co.slug}.test`, TEST_PASSWORD);
      expect((await t.http.post('/api/v1/auth/logout').send({ refreshToken: fresh.refreshToken })).status).toBe(204);
      expect((await t.http.post('/api/v1/auth/refresh').send({ refreshToken: fresh.refreshToken })).status).toBe(401);
    });
  });

  describe('users, roles and seats', () => {
    it('lets admins manage users and refuses agents (403) and anonymous callers (401)', async () => {
      const co = await signUp(t);
      const created = await t.http.post('/api/v1/users').set(co.auth).send({ email: `agent@${co.slug}.test`, name: 'Agent A', role: 'agent', password: TEST_PASSWORD });
      expect(created.status).toBe(201);
      const agent = created.body as UserView;
      expect(agent).toMatchObject({ role: 'agent', active: true, hasSeat: false });

      const dup = await t.http.post('/api/v1/users').set(co.auth).send({ email: `agent@${co.slug}.test`, name: 'Again', role: 'agent', password: TEST_PASSWORD });
      expect(dup.status).toBe(409);

      const agentTokens = await login(t, co.slug, `agent@${co.slug}.test`, TEST_PASSWORD);
      const asAgent = { authorization: `Bearer ${agentTokens.accessToken}` };
      expect((await t.http.get('/api/v1/users').set(asAgent)).status).toBe(403);
      expect((await t.http.post('/api/v1/users').set(asAgent).send({ email: 'x@y.test', name: 'X', role: 'admin', password: TEST_PASSWORD })).status).toBe(403);
      expect((await t.http.get('/api/v1/users')).status).toBe(401);
      expect((await t.http.get('/api/v1/me').set(asAgent)).body).toMatchObject({ email: `agent@${co.slug}.test`, role: 'agent' });

      const promoted = await t.http.patch(`/api/v1/users/${agent.id}`).set(co.auth).send({ role: 'supervisor', name: 'Agent B' });
      expect(promoted.status).toBe(200);
      expect(promoted.body).toMatchObject({ role: 'supervisor', name: 'Agent B' });

      const ownerChange = await t.http.patch(`/api/v1/users/${co.user.id}`).set(co.auth).send({ role: 'agent' });
      expect(ownerChange.status).toBe(403);

      const deactivated = await t.http.post(`/api/v1/users/${agent.id}/deactivate`).set(co.auth);
      expect(deactivated.status).toBe(200);
      expect(deactivated.body.active).toBe(false);
      const refused = await t.http.post('/api/v1/auth/login').send({ tenant: co.slug, email: `agent@${co.slug}.test`, password: TEST_PASSWORD });
      expect(refused.status).toBe(401);
      expect((await t.http.post('/api/v1/auth/refresh').send({ refreshToken: agentTokens.refreshToken })).status).toBe(401);
    });

    it("caps seats at the plan's limit, and releases a deactivated user's seat", async () => {
      const co = await signUp(t);
      const ids: string[] = [];
      for (let i = 0; i < 6; i += 1) {
        const res = await t.http.post('/api/v1/users').set(co.auth).send({ email: `a${i}@${co.slug}.test`, name: `A${i}`, role: 'agent', password: TEST_PASSWORD });
        ids.push((res.body as UserView).id);
      }
      const assigned = await Promise.all(ids.map((id) => t.http.put(`/api/v1/users/${id}/seat`).set(co.auth)));
      expect(assigned.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 409]);
      const summary = (await t.http.get('/api/v1/seats').set(co.auth)).body as SeatSummary;
      expect(summary).toMatchObject({ seatLimit: 5, seatsInUse: 5 });

      const holder = summary.holders[0]!.userId;
      expect((await t.http.put(`/api/v1/users/${holder}/seat`).set(co.auth)).body.seatsInUse).toBe(5);
      await t.http.post(`/api/v1/users/${holder}/deactivate`).set(co.auth).expect(200);
      expect(((await t.http.get('/api/v1/seats').set(co.auth)).body as SeatSummary).seatsInUse).toBe(4);
      const unseated = ids.find((id) => !summary.holders.some((h) => h.userId === id))!;
      expect((await t.http.put(`/api/v1/users/${unseated}/seat`).set(co.auth)).status).toBe(200);
      expect((await t.http.delete(`/api/v1/users/${unseated}/seat`).set(co.auth)).body.seatsInUse).toBe(4);
    });

    it('issues short-lived SIP credentials only to a seated user, verifiable by HMAC', async () => {
      const co = await signUp(t);
      const agent = (await t.http.post('/api/v1/users').set(co.auth).send({ email: `sip@${co.slug}.test`, name: 'Sip', role: 'agent', password: TEST_PASSWORD })).body as UserView;
      const agentAuth = { authorization: `Bearer ${(await login(t, co.slug, `sip@${co.slug}.test`, TEST_PASSWORD)).accessToken}` };
      const noSeat = await t.http.post('/api/v1/agents/me/sip-credentials').set(agentAuth);
      expect(noSeat.status).toBe(403);

      await t.http.put(`/api/v1/users/${agent.id}/seat`).set(co.auth).expect(200);
      const res = await t.http.post('/api/v1/agents/me/sip-credentials').set(agentAuth);
      expect(res.status).toBe(201);
      const creds = res.body as SipCredentials;
      expect(creds.realm).toBe(`${co.slug}.sip.parley.local`);
      expect(creds.username).toMatch(new RegExp(`^\\d+:${agent.id}$`));
      expect(creds.expiresAt - Date.now() / 1000).toBeGreaterThan(3500);
      expect(verifySipPassword({ secret: t.config.SIP_CREDENTIAL_SECRET, username: creds.username, password: creds.password })).toMatchObject({ ok: true, userId: agent.id });
      expect(verifySipPassword({ secret: t.config.SIP_CREDENTIAL_SECRET, username: creds.username, password: `${creds.password}x` }).ok).toBe(false);
    });
  });

  describe('phone numbers and API keys', () => {
    it('adds DIDs in E.164, keeps each with one tenant at a time, and releases them', async () => {
      const a = await signUp(t);
      const b = await signUp(t);
      const e164 = `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`;
      const added = await t.http.post('/api/v1/phone-numbers').set(a.auth).send({ e164, label: 'Main' });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({ e164, label: 'Main' });

      const taken = await t.http.post('/api/v1/phone-numbers').set(b.auth).send({ e164 });
      expect(taken.status).toBe(409);
      expect(taken.body.fields).toEqual([{ path: 'e164', message: 'is already assigned' }]);

      for (const bad of ['4155552671', '+1415', '+999123456789', 'call me']) {
        const res = await t.http.post('/api/v1/phone-numbers').set(a.auth).send({ e164: bad });
        expect(res.status).toBe(400);
        expect(res.body.fields[0].path).toBe('e164');
      }

      expect((await t.http.delete(`/api/v1/phone-numbers/${added.body.id}`).set(a.auth)).status).toBe(204);
      expect((await t.http.post('/api/v1/phone-numbers').set(b.auth).send({ e164 })).status).toBe(201);
      expect((await t.http.get('/api/v1/phone-numbers').set(a.auth)).body).toEqual([]);
    });

    it('authenticates integrations with API keys that are stored hashed and can be revoked', async () => {
      const co = await signUp(t);
      const created = await t.http.post('/api/v1/api-keys').set(co.auth).send({ name: 'CRM sync' });
      expect(created.status).toBe(201);
      const key = created.body.key as string;
      expect(key).toMatch(/^pk_live_/);

      const stored: { secret_hash: string }[] = await new UnitOfWork(t.dataSource).inTenant(co.tenant.id, (tx) =>
        tx.manager.query('SELECT secret_hash FROM tenant.api_keys WHERE id = $1', [created.body.id]),
      );
      expect(stored).toHaveLength(1);
      expect(stored[0]!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(stored)).not.toContain(key.split('.')[1]);

      const viaKey = await t.http.get('/api/v1/users').set('x-api-key', key);
      expect(viaKey.status).toBe(200);
      expect((viaKey.body as UserView[])[0]!.email).toBe(`owner@${co.slug}.test`);

      expect((await t.http.delete(`/api/v1/api-keys/${created.body.id}`).set(co.auth)).status).toBe(204);
      expect((await t.http.get('/api/v1/users').set('x-api-key', key)).status).toBe(401);
    });
  });

  describe('service routes', () => {
    it('serves /health, /ready, /metrics and the OpenAPI document', async () => {
      expect((await t.http.get('/health')).status).toBe(200);
      const ready = await t.http.get('/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({ postgres: 'ok', bus: 'ok' });
      const metrics = await t.http.get('/metrics');
      expect(metrics.text).toContain('http_server_request_duration_seconds');
      const docs = await t.http.get('/api/docs/openapi.json');
      expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/api/v1/signup', '/api/v1/auth/login', '/api/v1/users', '/api/v1/agents/me/sip-credentials']));
    });
  });
});
