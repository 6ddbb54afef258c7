import { type Role, type UserView } from '@parley/contracts';
import { UnitOfWork } from '@parley/persistence';
import { login, signUp, startTenantApp, TEST_PASSWORD, type SignedUpTenant, type TenantTestApp } from './tenant-test-app';

describe('colleagues (GET /api/v1/tenant/colleagues): who a call can go to, for every role', () => {
  let t: TenantTestApp;

  beforeAll(async () => {
    t = await startTenantApp();
  });
  afterAll(() => t?.close());

  async function addUser(tenant: SignedUpTenant, name: string, role: Exclude<Role, 'owner'>, seat: boolean): Promise<UserView> {
    const email = `${name.toLowerCase().replace(/\W+/g, '.')}@${tenant.slug}.test`;
    const user = (await t.http.post('/api/v1/users').set(tenant.auth).send({ email, name, role, password: TEST_PASSWORD }).expect(201)).body as UserView;
    if (seat) await t.http.put(`/api/v1/users/${user.id}/seat`).set(tenant.auth).expect(200);
    return user;
  }

  async function tokenOf(tenant: SignedUpTenant, user: UserView): Promise<{ authorization: string }> {
    return { authorization: `Bearer ${(await login(t, tenant.slug, user.email, TEST_PASSWORD)).accessToken}` };
  }

  it("lists the tenant's active users holding a seat, by name, with id, name and role only", async () => {
    const a = await signUp(t);
    const zoe = await addUser(a, 'Zoe Zhang', 'agent', true);
    const ann = await addUser(a, 'Ann Archer', 'agent', true);
    const sue = await addUser(a, 'Sue Supervisor', 'supervisor', true);
    await addUser(a, 'Carl No-Seat', 'agent', false);
    const bob = await addUser(a, 'Bob Leaving', 'agent', true);
    const released = await addUser(a, 'Rita Released', 'agent', true);
    await t.http.post(`/api/v1/users/${bob.id}/deactivate`).set(a.auth).expect(200);
    await t.http.delete(`/api/v1/users/${released.id}/seat`).set(a.auth).expect(200);

    const asAgent = await t.http.get('/api/v1/tenant/colleagues').set(await tokenOf(a, zoe));
    expect(asAgent.status).toBe(200);
    expect(asAgent.body).toEqual([
      { userId: ann.id, name: 'Ann Archer', role: 'agent' },
      { userId: sue.id, name: 'Sue Supervisor', role: 'supervisor' },
      { userId: zoe.id, name: 'Zoe Zhang', role: 'agent' },
    ]);
    // Nothing personal beyond the name.
    expect(JSON.stringify(asAgent.body)).not.toContain('@');
    // Every role reads the same list.
    expect((await t.http.get('/api/v1/tenant/colleagues').set(await tokenOf(a, sue))).body).toEqual(asAgent.body);
    expect((await t.http.get('/api/v1/tenant/colleagues').set(a.auth)).body).toEqual(asAgent.body);
    expect((await t.http.get('/api/v1/tenant/colleagues')).status).toBe(401);

    // A seat given back makes the user a colleague again; a new deactivation removes them.
    await t.http.put(`/api/v1/users/${released.id}/seat`).set(a.auth).expect(200);
    await t.http.post(`/api/v1/users/${ann.id}/deactivate`).set(a.auth).expect(200);
    const later = (await t.http.get('/api/v1/tenant/colleagues').set(await tokenOf(a, zoe))).body as { userId: string }[];
    expect(later.map((c) => c.userId)).toEqual([released.id, sue.id, zoe.id]);
  });

  it("an agent sees its own tenant's colleagues only (row-level security behind the query)", async () => {
    const a = await signUp(t);
    const b = await signUp(t);
    const aAgent = await addUser(a, 'Alice of A', 'agent', true);
    const bAgent = await addUser(b, 'Bruno of B', 'agent', true);

    const fromB = (await t.http.get('/api/v1/tenant/colleagues').set(await tokenOf(b, bAgent))).body as { userId: string; name: string }[];
    expect(fromB).toEqual([{ userId: bAgent.id, name: 'Bruno of B', role: 'agent' }]);
    const fromA = (await t.http.get('/api/v1/tenant/colleagues').set(await tokenOf(a, aAgent))).body as { userId: string }[];
    expect(fromA.map((c) => c.userId)).toEqual([aAgent.id]);

    // The query itself, run for B without a tenant filter of its own, sees none of A's seated users.
    const uow = new UnitOfWork(t.dataSource);
    const seen: { id: string }[] = await uow.inTenant(b.tenant.id, (tx) => tx.manager.query('SELECT u.id FROM tenant.users u JOIN tenant.seats s ON s.user_id = u.id'));
    expect(seen.map((r) => r.id)).toEqual([bAgent.id]);
  });
});
