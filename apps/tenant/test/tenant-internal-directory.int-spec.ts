import { randomBytes } from 'node:crypto';
import { type DirectorySnapshot } from '../src/index';
import { signUp, startTenantApp, type TenantTestApp } from './tenant-test-app';

// libs/http puts every controller below the /api/v1 prefix (see internal-directory.controller.ts).
const PATH = '/api/v1/internal/v1/voice-directory';
const HEADER = 'x-parley-internal-token';

describe('internal voice directory endpoint (real PostgreSQL, Redis, Kafka)', () => {
  const token = randomBytes(32).toString('base64url');
  let t: TenantTestApp;
  let off: TenantTestApp;

  beforeAll(async () => {
    t = await startTenantApp({ INTERNAL_API_TOKEN: token });
    off = await startTenantApp();
  }, 90_000);
  afterAll(async () => {
    await t?.close();
    await off?.close();
  }, 60_000);

  it('serves the snapshot of every tenant, number and user to a caller with the internal token', async () => {
    const co = await signUp(t);
    const e164 = `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`;
    const number = await t.http.post('/api/v1/phone-numbers').set(co.auth).send({ e164 });
    expect(number.status).toBe(201);

    const res = await t.http.get(PATH).set(HEADER, token);
    expect(res.status).toBe(200);
    const snapshot = res.body as DirectorySnapshot;
    expect(snapshot.tenants).toContainEqual(expect.objectContaining({ tenantId: co.tenant.id, slug: co.slug, sipDomain: `${co.slug}.sip.parley.local` }));
    expect(snapshot.numbers).toContainEqual(expect.objectContaining({ tenantId: co.tenant.id, numberId: number.body.id, e164 }));
    expect(snapshot.users).toContainEqual({ tenantId: co.tenant.id, userId: co.user.id });
    expect(Array.isArray(snapshot.seats)).toBe(true);
    expect(Array.isArray(snapshot.voiceSettings)).toBe(true);
  });

  it('answers 401 without the header, with a wrong token, and to a user token', async () => {
    const missing = await t.http.get(PATH);
    expect(missing.status).toBe(401);
    expect(missing.body.message).toContain(HEADER);

    // Same length as the real one, one character changed: still refused.
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect((await t.http.get(PATH).set(HEADER, wrong)).status).toBe(401);
    expect((await t.http.get(PATH).set(HEADER, `${token}x`)).status).toBe(401);

    const co = await signUp(t);
    const asUser = await t.http.get(PATH).set(co.auth);
    expect(asUser.status).toBe(401);
    expect(JSON.stringify(asUser.body)).not.toContain(co.tenant.id);
  });

  it('does not exist (404) when the tenant service has no INTERNAL_API_TOKEN', async () => {
    expect((await off.http.get(PATH)).status).toBe(404);
    expect((await off.http.get(PATH).set(HEADER, token)).status).toBe(404);
  });

  it('is left out of the public OpenAPI document', async () => {
    const docs = await t.http.get('/api/docs/openapi.json');
    expect(docs.status).toBe(200);
    const paths = Object.keys(docs.body.paths as Record<string, unknown>);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/signup']));
    expect(paths.filter((p) => p.includes('internal'))).toEqual([]);
  });
});
