import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { testEnvironment } from '@parley/testing';
import { connectedCall, type CtiTestApp, newTenant, startCtiApp } from './cti-test-kit';

jest.setTimeout(90_000);

let t: CtiTestApp;

beforeAll(async () => {
  t = await startCtiApp();
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('tenant isolation in the cti', () => {
  it("gives tenant B 404 for tenant A's contact, ticket, call and disposition even with their real ids, and empty lists", async () => {
    const a = newTenant();
    const aOwner = await a.auth('owner');
    const agentId = randomUUID();
    const contact = (await t.http.post('/api/v1/cti/contacts').set(aOwner).send({ name: 'Secret', phones: [{ number: '+8613812345678' }] }).expect(201)).body as { contactId: string; phones: { phoneId: string }[] };
    const ticket = (await t.http.post('/api/v1/cti/tickets').set(aOwner).send({ subject: 'A only', contactId: contact.contactId }).expect(201)).body as { ticketId: string };
    await t.http.post('/api/v1/cti/dispositions').set(aOwner).send({ code: 'sale', label: 'Sale' }).expect(201);
    const callId = await connectedCall(t, a, agentId, { callerNumber: '+8613812345678' });

    const b = newTenant();
    const bOwner = await b.auth('owner');
    const bAgent = await b.auth('agent', agentId);
    const phoneId = contact.phones[0]!.phoneId;
    const notFound: [string, string, unknown?][] = [
      ['get', `/api/v1/cti/contacts/${contact.contactId}`],
      ['patch', `/api/v1/cti/contacts/${contact.contactId}`, { name: 'Taken' }],
      ['delete', `/api/v1/cti/contacts/${contact.contactId}`],
      ['post', `/api/v1/cti/contacts/${contact.contactId}/phones`, { number: '+14155552671' }],
      ['delete', `/api/v1/cti/contacts/${contact.contactId}/phones/${phoneId}`],
      ['post', `/api/v1/cti/contacts/${contact.contactId}/phones/${phoneId}/reveal`, {}],
      ['get', `/api/v1/cti/contacts/${contact.contactId}/calls`],
      ['get', `/api/v1/cti/contacts/${contact.contactId}/tickets`],
      ['get', `/api/v1/cti/tickets/${ticket.ticketId}`],
      ['patch', `/api/v1/cti/tickets/${ticket.ticketId}`, { status: 'solved' }],
      ['get', `/api/v1/cti/calls/${callId}`],
      ['get', `/api/v1/cti/calls/${callId}/pop`],
      ['post', `/api/v1/cti/calls/${callId}/caller/reveal`, {}],
      ['post', `/api/v1/cti/calls/${callId}/hold`, { on: true }],
      ['post', `/api/v1/cti/calls/${callId}/hangup`, {}],
      ['post', `/api/v1/cti/calls/${callId}/monitor`, { mode: 'listen' }],
      ['put', '/api/v1/cti/dispositions/sale', { active: false }],
      ['delete', '/api/v1/cti/dispositions/sale'],
    ];
    for (const [method, url, body] of notFound) {
      const res = await t.http[method as 'get' | 'post' | 'patch' | 'delete' | 'put'](url).set(bOwner).send(body as object);
      expect({ method, url, status: res.status }).toEqual({ method, url, status: 404 });
    }
    // The same agent id in tenant B does not make A's call B's agent's call.
    expect((await t.http.post(`/api/v1/cti/calls/${callId}/wrap-up`).set(bAgent).send({ disposition: 'sale' })).status).toBe(404);
    for (const url of ['/api/v1/cti/contacts', '/api/v1/cti/tickets', '/api/v1/cti/dispositions', '/api/v1/cti/reveal-audit']) {
      expect((await t.http.get(url).set(bOwner).expect(200)).body).toEqual([]);
    }
    expect((await t.http.get('/api/v1/cti/contacts').query({ phone: '+8613812345678' }).set(bOwner).expect(200)).body).toEqual([]);
    // A ticket in B cannot point at A's contact.
    const cross = await t.http.post('/api/v1/cti/tickets').set(bOwner).send({ subject: 'x', contactId: contact.contactId });
    expect(cross.status).toBe(400);
    expect(cross.body.fields[0].path).toBe('contactId');
    // And A still has everything.
    await t.http.get(`/api/v1/cti/contacts/${contact.contactId}`).set(aOwner).expect(200);
  });

  it('returns nothing from any cti table to the service role when no tenant is set (row-level security fails closed)', async () => {
    const a = newTenant();
    await t.http.post('/api/v1/cti/contacts').set(await a.auth('owner')).send({ name: 'Someone', phones: [{ number: '+14155552671' }] }).expect(201);
    const client = new Client({ connectionString: testEnvironment.pgAppUrl() });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'cti' AND table_type = 'BASE TABLE'`);
      expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['contacts', 'contact_phones', 'calls', 'tickets', 'reveal_audit', 'seats', 'settings', 'dispositions']));
      for (const { table_name } of tables.rows) {
        const rows = await client.query(`SELECT count(*)::int AS n FROM cti.${table_name}`);
        expect({ table_name, n: rows.rows[0].n }).toEqual({ table_name, n: 0 });
      }
      // Every tenant table forces row-level security (the migrations ledger is the runner's, not a tenant table).
      const forced = await client.query<{ relname: string }>(`SELECT relname FROM pg_class WHERE relnamespace = 'cti'::regnamespace AND relkind = 'r' AND relname <> 'migrations' AND NOT (relrowsecurity AND relforcerowsecurity)`);
      expect(forced.rows).toEqual([]);
      // The audit is append-only for the service.
      await client.query('BEGIN');
      await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [a.tenantId]);
      await expect(client.query('DELETE FROM cti.reveal_audit')).rejects.toThrow(/permission denied/);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
  });
});
