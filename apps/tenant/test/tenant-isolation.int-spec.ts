import { type UserView } from '@parley/contracts';
import { Inbox } from '@parley/messaging';
import { UnitOfWork } from '@parley/persistence';
import { randomUUID } from 'node:crypto';
import { signUp, startTenantApp, TEST_PASSWORD, type SignedUpTenant, type TenantTestApp } from './tenant-test-app';

/** Every table of the tenant schema that holds tenant data, and the column naming the tenant. */
const TENANT_TABLES: Record<string, string> = {
  tenants: 'id',
  users: 'tenant_id',
  refresh_tokens: 'tenant_id',
  seats: 'tenant_id',
  phone_numbers: 'tenant_id',
  api_keys: 'tenant_id',
  voice_settings: 'tenant_id',
  outbox: 'tenant_id',
  inbox: 'tenant_id',
};

describe('tenant isolation (row-level security and the API)', () => {
  let t: TenantTestApp;
  let uow: UnitOfWork;
  let a: SignedUpTenant;
  let b: SignedUpTenant;
  let aAgent: UserView;
  let aNumberId: string;
  let aKeyId: string;

  beforeAll(async () => {
    t = await startTenantApp();
    uow = new UnitOfWork(t.dataSource);
    a = await signUp(t);
    b = await signUp(t);
    aAgent = (await t.http.post('/api/v1/users').set(a.auth).send({ email: `agent@${a.slug}.test`, name: 'A agent', role: 'agent', password: TEST_PASSWORD })).body as UserView;
    await t.http.put(`/api/v1/users/${aAgent.id}/seat`).set(a.auth).expect(200);
    aNumberId = (await t.http.post('/api/v1/phone-numbers').set(a.auth).send({ e164: `+1628555${String(Math.floor(Math.random() * 9000) + 1000)}` }).expect(201)).body.id;
    aKeyId = (await t.http.post('/api/v1/api-keys').set(a.auth).send({ name: 'A key' }).expect(201)).body.id;
    await t.http.put('/api/v1/tenant/voice-settings').set(a.auth).send({ backupNumber: null, fallbackPrompt: { text: 'A is closed.', locale: 'en' } }).expect(200);
    await uow.inTenant(a.tenant.id, (tx) => new Inbox('tenant').handleOnce(tx, 'tenant.isolation-test', randomUUID(), async () => undefined));
  });
  afterAll(() => t?.close());

  it('puts every table of the schema under row-level security, ENABLEd and FORCEd', async () => {
    const rows: { relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }[] = await t.dataSource.query(
      `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'tenant' AND c.relkind = 'r' AND c.relname <> 'migrations' ORDER BY c.relname`,
    );
    expect(rows.map((r) => r.relname).sort()).toEqual(Object.keys(TENANT_TABLES).sort());
    for (const row of rows) expect(row).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it.each(Object.entries(TENANT_TABLES))("%s: tenant A sees its rows; tenant B and a session with no tenant see none of them", async (table, column) => {
    const count = `SELECT count(*)::int AS n FROM tenant.${table} WHERE ${column} = $1`;
    const asA = await uow.inTenant(a.tenant.id, (tx) => tx.manager.query(count, [a.tenant.id]));
    expect(asA[0].n).toBeGreaterThan(0);
    const asB = await uow.inTenant(b.tenant.id, (tx) => tx.manager.query(count, [a.tenant.id]));
    expect(asB[0].n).toBe(0);
    const noTenant = await t.dataSource.query(`SELECT count(*)::int AS n FROM tenant.${table}`);
    expect(noTenant[0].n).toBe(0);
    const changed = await uow.inTenant(b.tenant.id, (tx) => tx.manager.query(`DELETE FROM tenant.${table} WHERE ${column} = $1`, [a.tenant.id]));
    expect(changed[1]).toBe(0);
  });

  it("does not let tenant B read or change tenant A's users, seats, numbers or keys through the API (404)", async () => {
    const id = aAgent.id;
    const attempts = [
      t.http.get(`/api/v1/users/${id}`).set(b.auth),
      t.http.patch(`/api/v1/users/${id}`).set(b.auth).send({ name: 'Hijacked' }),
      t.http.post(`/api/v1/users/${id}/deactivate`).set(b.auth),
      t.http.put(`/api/v1/users/${id}/seat`).set(b.auth),
      t.http.delete(`/api/v1/users/${id}/seat`).set(b.auth),
      t.http.delete(`/api/v1/phone-numbers/${aNumberId}`).set(b.auth),
      t.http.delete(`/api/v1/api-keys/${aKeyId}`).set(b.auth),
    ];
    const answers = await Promise.all(attempts);
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);

    const bUsers = (await t.http.get('/api/v1/users').set(b.auth)).body as UserView[];
    expect(bUsers.map((u) => u.id)).not.toContain(id);
    const stillThere = (await t.http.get(`/api/v1/users/${id}`).set(a.auth)).body as UserView;
    expect(stillThere).toMatchObject({ name: 'A agent', active: true, hasSeat: true });
    expect((await t.http.get('/api/v1/phone-numbers').set(a.auth)).body).toHaveLength(1);
  });
});
