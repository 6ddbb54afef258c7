import { Client } from 'pg';
import { testEnvironment } from '@parley/testing';
import { type ContactView, type RevealAuditView } from '@parley/contracts';
import { type CtiTestApp, newTenant, startCtiApp } from './cti-test-kit';

let t: CtiTestApp;

beforeAll(async () => {
  t = await startCtiApp();
}, 120_000);

afterAll(async () => {
  await t?.close();
});

/** Every text of every row of every cti table, read as the schema owner (row-level security forced: per tenant). */
async function everyStoredText(tenantId: string): Promise<string> {
  const client = new Client({ connectionString: testEnvironment.pgOwnerUrl() });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    const tables = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'cti' AND table_type = 'BASE TABLE'`);
    const dumps: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await client.query(`SELECT * FROM cti.${table_name}`);
      dumps.push(JSON.stringify(rows.rows));
    }
    await client.query('COMMIT');
    return dumps.join('\n');
  } finally {
    await client.end();
  }
}

describe('contacts', () => {
  it('creates a contact whose numbers are stored encrypted: the digits appear in no cti table, only masked', async () => {
    const tenant = newTenant();
    const owner = await tenant.auth('owner');
    const created = await t.http
      .post('/api/v1/cti/contacts')
      .set(owner)
      .send({ name: 'Li Wei', company: 'Acme', vipLevel: 2, tags: ['Gold', 'gold', 'beta'], notes: 'prefers mornings', phones: [{ number: '+86 138 1234 5678', label: 'mobile' }, { number: '+1 (415) 555-2671' }] });
    expect(created.status).toBe(201);
    const contact = created.body as ContactView;
    expect(contact).toMatchObject({ name: 'Li Wei', company: 'Acme', vipLevel: 2, tags: ['gold', 'beta'], canReveal: true });
    expect(contact.phones.map((p) => p.maskedNumber)).toEqual(['+86 138****5678', '+1 415 ***-2671']);

    const stored = await everyStoredText(tenant.tenantId);
    expect(stored).toContain('Li Wei');
    for (const digits of ['13812345678', '8613812345678', '4155552671', '1234 5678', '555-2671']) expect(stored).not.toContain(digits);
  });

  it('finds a contact by number (any typing of it), by name, company and tag; lists, updates and deletes', async () => {
    const tenant = newTenant();
    const agent = await tenant.auth('agent');
    const a = (await t.http.post('/api/v1/cti/contacts').set(agent).send({ name: 'Ada Lovelace', company: 'Analytical', tags: ['vip'], phones: [{ number: '+442079460958' }] })).body as ContactView;
    await t.http.post('/api/v1/cti/contacts').set(agent).send({ name: 'Charles Babbage', company: 'Engines Ltd' }).expect(201);

    const byNumber = await t.http.get('/api/v1/cti/contacts').query({ phone: '+44 20 7946 0958' }).set(agent).expect(200);
    expect((byNumber.body as ContactView[]).map((c) => c.contactId)).toEqual([a.contactId]);
    expect((await t.http.get('/api/v1/cti/contacts').query({ phone: '+442079460959' }).set(agent).expect(200)).body).toEqual([]);
    expect(((await t.http.get('/api/v1/cti/contacts').query({ q: 'engines' }).set(agent).expect(200)).body as ContactView[]).map((c) => c.name)).toEqual(['Charles Babbage']);
    expect(((await t.http.get('/api/v1/cti/contacts').query({ tag: 'VIP' }).set(agent).expect(200)).body as ContactView[]).map((c) => c.name)).toEqual(['Ada Lovelace']);
    expect(((await t.http.get('/api/v1/cti/contacts').set(agent).expect(200)).body as ContactView[]).map((c) => c.name)).toEqual(['Ada Lovelace', 'Charles Babbage']);

    const updated = await t.http.patch(`/api/v1/cti/contacts/${a.contactId}`).set(agent).send({ vipLevel: 3, company: null }).expect(200);
    expect(updated.body).toMatchObject({ vipLevel: 3, company: null, name: 'Ada Lovelace' });
    const added = await t.http.post(`/api/v1/cti/contacts/${a.contactId}/phones`).set(agent).send({ number: '+8613812345678', label: 'cn' }).expect(201);
    expect((added.body as ContactView).phones).toHaveLength(2);
    await t.http.post(`/api/v1/cti/contacts/${a.contactId}/phones`).set(agent).send({ number: '+86 138 1234 5678' }).expect(409);

    await t.http.delete(`/api/v1/cti/contacts/${a.contactId}`).set(agent).expect(403);
    await t.http.delete(`/api/v1/cti/contacts/${a.contactId}`).set(await tenant.auth('supervisor')).expect(204);
    await t.http.get(`/api/v1/cti/contacts/${a.contactId}`).set(agent).expect(404);
  });

  it('answers bad input with 400 naming the field', async () => {
    const owner = await newTenant().auth('owner');
    const cases: [object, string][] = [
      [{ name: '' }, 'name'],
      [{ name: 'X', vipLevel: 4 }, 'vipLevel'],
      [{ name: 'X', phones: [{ number: '13812345678' }] }, 'phones.0.number'],
      [{ name: 'X', phones: [{ number: '+1 555 000' }] }, 'phones.0.number'],
      [{ name: 'X', phones: [{ number: '+8613812345678' }, { number: '+86 138 1234 5678' }] }, 'phones.1.number'],
      [{ name: 'X', colour: 'red' }, 'colour'],
    ];
    for (const [body, path] of cases) {
      const res = await t.http.post('/api/v1/cti/contacts').set(owner).send(body);
      expect({ status: res.status, paths: (res.body as { fields?: { path: string }[] }).fields?.map((f) => f.path) }).toEqual({ status: 400, paths: [path] });
    }
    const badPhone = await t.http.get('/api/v1/cti/contacts').query({ phone: 'hello' }).set(owner);
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.fields).toEqual([{ path: 'phone', message: expect.stringContaining('must start with +') }]);
    expect((await t.http.get('/api/v1/cti/contacts/not-a-uuid').set(owner)).status).toBe(400);
  });

  it('shows every role the masked number; reveals the full one to allowed roles only, each reveal audited; agents get 403', async () => {
    const tenant = newTenant();
    const agentId = '11111111-1111-4111-8111-111111111111';
    const supervisorId = '22222222-2222-4222-8222-222222222222';
    const agent = await tenant.auth('agent', agentId);
    const supervisor = await tenant.auth('supervisor', supervisorId);
    const owner = await tenant.auth('owner');
    const contact = (await t.http.post('/api/v1/cti/contacts').set(agent).send({ name: 'Wang Fang', phones: [{ number: '+8613812345678' }] })).body as ContactView;
    const phoneId = contact.phones[0]!.phoneId;

    for (const auth of [agent, supervisor, owner]) {
      const seen = (await t.http.get(`/api/v1/cti/contacts/${contact.contactId}`).set(auth).expect(200)).body as ContactView;
      expect(seen.phones[0]!.maskedNumber).toBe('+86 138****5678');
      expect(JSON.stringify(seen)).not.toContain('13812345678');
    }
    expect(contact.canReveal).toBe(false);

    const refused = await t.http.post(`/api/v1/cti/contacts/${contact.contactId}/phones/${phoneId}/reveal`).set(agent).send({});
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/role agent may not see full numbers/);

    const revealed = await t.http.post(`/api/v1/cti/contacts/${contact.contactId}/phones/${phoneId}/reveal`).set(supervisor).send({ reason: 'customer asked for a callback' }).expect(200);
    expect(revealed.body.number).toBe('+8613812345678');

    const audit = (await t.http.get('/api/v1/cti/reveal-audit').set(owner).expect(200)).body as RevealAuditView[];
    expect(audit).toEqual([
      expect.objectContaining({ userId: supervisorId, role: 'supervisor', target: 'contact-phone', contactId: contact.contactId, phoneId, reason: 'customer asked for a callback' }),
    ]);
    await t.http.get('/api/v1/cti/reveal-audit').set(supervisor).expect(403);
    await t.http.get('/api/v1/cti/reveal-audit').set(agent).expect(403);

    // The tenant lets agents reveal too: then they may (and it is audited).
    await t.http.put('/api/v1/cti/settings').set(owner).send({ crmWebhookUrl: null, revealRoles: ['owner', 'admin', 'supervisor', 'agent'] }).expect(200);
    await t.http.post(`/api/v1/cti/contacts/${contact.contactId}/phones/${phoneId}/reveal`).set(agent).send({}).expect(200);
    const after = (await t.http.get('/api/v1/cti/reveal-audit').set(owner).expect(200)).body as RevealAuditView[];
    expect(after.map((a) => a.userId)).toEqual([agentId, supervisorId]);
  });

  it('refuses a CRM webhook that is not https or points at a private address (without the test flag)', async () => {
    const owner = await newTenant().auth('owner');
    const http = await t.http.put('/api/v1/cti/settings').set(owner).send({ crmWebhookUrl: 'http://crm.example.com/pop', revealRoles: ['owner'] });
    expect(http.status).toBe(400);
    expect(http.body.fields).toEqual([{ path: 'crmWebhookUrl', message: 'must be an https:// URL, not http://' }]);
    const roles = await t.http.put('/api/v1/cti/settings').set(owner).send({ crmWebhookUrl: null, revealRoles: ['boss'] });
    expect(roles.status).toBe(400);
    expect(roles.body.fields[0].path).toBe('revealRoles.0');
  });
});
