import { randomUUID } from 'node:crypto';
import { ivrCallNodeVisitedV1 } from '@parley/contracts';
import { createEnvelope, Outbox } from '@parley/messaging';
import { UnitOfWork } from '@parley/persistence';
import { type FlowView } from '../src/index';
import { assignNumber, menuFlow, newTenant, numberKnown, startIvrApp, type IvrTestApp, type TestTenant } from './ivr-test-kit';

/** Every table of the ivr schema that holds tenant data. */
const TENANT_TABLES = ['flows', 'flow_versions', 'phone_numbers', 'number_bindings', 'calls', 'call_timers', 'outbox', 'inbox'];

describe('ivr tenant isolation (row-level security and the API)', () => {
  let t: IvrTestApp;
  let uow: UnitOfWork;
  let a: TestTenant;
  let b: TestTenant;
  let aFlow: FlowView;
  let bFlow: FlowView;
  let aNumber: string;
  let bNumber: string;

  beforeAll(async () => {
    t = await startIvrApp();
    uow = new UnitOfWork(t.dataSource);
    a = newTenant();
    b = newTenant();
    const aAuth = await a.auth();
    const bAuth = await b.auth();
    aFlow = (await t.http.post('/api/v1/ivr/flows').set(aAuth).send({ document: menuFlow('https://a.example.com/dip') }).expect(201)).body as FlowView;
    await t.http.post(`/api/v1/ivr/flows/${aFlow.id}/publish`).set(aAuth).expect(201);
    bFlow = (await t.http.post('/api/v1/ivr/flows').set(bAuth).send({ document: menuFlow('https://b.example.com/dip') }).expect(201)).body as FlowView;
    await t.http.post(`/api/v1/ivr/flows/${bFlow.id}/publish`).set(bAuth).expect(201);
    aNumber = (await assignNumber(t.bus, a)).numberId;
    bNumber = (await assignNumber(t.bus, b)).numberId;
    await numberKnown(t, a, aNumber);
    await numberKnown(t, b, bNumber);
    await t.http.put(`/api/v1/ivr/numbers/${aNumber}/binding`).set(aAuth).send({ flowId: aFlow.id, version: 'latest' }).expect(200);
    // A call in progress with a timer (far in the future, so the scheduler leaves it), and an outbox row.
    const callId = randomUUID();
    await uow.inTenant(a.tenantId, async (tx) => {
      await tx.manager.query(`INSERT INTO ivr.calls (call_id, tenant_id, flow_id, flow_version, number_id, state, version, started_at) VALUES ($1, $2, $3, 1, $4, '{}'::jsonb, 1, now())`, [
        callId,
        a.tenantId,
        aFlow.id,
        aNumber,
      ]);
      await tx.manager.query(`INSERT INTO ivr.call_timers (timer_id, call_id, tenant_id, due_at) VALUES ($1, $2, $3, now() + interval '1 day')`, [randomUUID(), callId, a.tenantId]);
      await new Outbox('ivr').add(
        tx,
        createEnvelope(ivrCallNodeVisitedV1, a.tenantId, { callId, flowId: aFlow.id, flowVersion: 1, nodeId: 'welcome', nodeType: 'play', transition: 'entered', visit: 1, at: new Date().toISOString() }),
      );
    });
  }, 120_000);
  afterAll(() => t?.close());

  it('puts every table of the schema under row-level security, ENABLEd and FORCEd', async () => {
    const rows: { relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }[] = await t.dataSource.query(
      `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'ivr' AND c.relkind = 'r' AND c.relname <> 'migrations' ORDER BY c.relname`,
    );
    expect(rows.map((r) => r.relname).sort()).toEqual([...TENANT_TABLES].sort());
    for (const row of rows) expect(row).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it.each(TENANT_TABLES)('%s: tenant A sees its rows; tenant B and a session with no tenant see none of them', async (table) => {
    const count = `SELECT count(*)::int AS n FROM ivr.${table} WHERE tenant_id = $1`;
    const asA = await uow.inTenant(a.tenantId, (tx) => tx.manager.query(count, [a.tenantId]));
    expect(asA[0].n).toBeGreaterThan(0);
    const asB = await uow.inTenant(b.tenantId, (tx) => tx.manager.query(count, [a.tenantId]));
    expect(asB[0].n).toBe(0);
    const noTenant = await t.dataSource.query(`SELECT count(*)::int AS n FROM ivr.${table}`);
    expect(noTenant[0].n).toBe(0);
    const update = (tx: Parameters<Parameters<UnitOfWork['inTenant']>[1]>[0]): Promise<[unknown, number]> =>
      tx.manager.query(`UPDATE ivr.${table} SET tenant_id = $2 WHERE tenant_id = $1`, [a.tenantId, b.tenantId]);
    if (table === 'flow_versions') {
      // Versions are immutable for everyone.
      await expect(uow.inTenant(b.tenantId, update)).rejects.toThrow(/permission denied/);
    } else {
      expect((await uow.inTenant(b.tenantId, update))[1]).toBe(0);
      const deleted: [unknown, number] = await uow.inTenant(b.tenantId, (tx) => tx.manager.query(`DELETE FROM ivr.${table} WHERE tenant_id = $1`, [a.tenantId]));
      expect(deleted[1]).toBe(0);
    }
    const stillA = await uow.inTenant(a.tenantId, (tx) => tx.manager.query(count, [a.tenantId]));
    expect(stillA[0].n).toBe(asA[0].n);
  });

  it("does not let tenant B read, change, bind or simulate tenant A's flows, or bind A's numbers (404)", async () => {
    const auth = await b.auth('owner');
    const id = aFlow.id;
    const script = { startAt: '2025-01-06T10:00:00Z' };
    const answers = await Promise.all([
      t.http.get(`/api/v1/ivr/flows/${id}`).set(auth),
      t.http.put(`/api/v1/ivr/flows/${id}/draft`).set(auth).send({ document: menuFlow('https://b.example.com/x') }),
      t.http.post(`/api/v1/ivr/flows/${id}/validate`).set(auth),
      t.http.post(`/api/v1/ivr/flows/${id}/publish`).set(auth),
      t.http.get(`/api/v1/ivr/flows/${id}/versions`).set(auth),
      t.http.get(`/api/v1/ivr/flows/${id}/versions/1`).set(auth),
      t.http.post(`/api/v1/ivr/flows/${id}/simulate`).set(auth).send({ script }),
      t.http.post(`/api/v1/ivr/flows/${id}/simulate`).set(auth).send({ version: 1, script }),
      t.http.put(`/api/v1/ivr/numbers/${bNumber}/binding`).set(auth).send({ flowId: id, version: 'latest' }),
      t.http.put(`/api/v1/ivr/numbers/${aNumber}/binding`).set(auth).send({ flowId: bFlow.id, version: 'latest' }),
      t.http.get(`/api/v1/ivr/numbers/${aNumber}`).set(auth),
      t.http.delete(`/api/v1/ivr/numbers/${aNumber}/binding`).set(auth),
    ]);
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]);

    expect(((await t.http.get('/api/v1/ivr/flows').set(auth)).body as { id: string }[]).map((f) => f.id)).toEqual([bFlow.id]);
    expect(((await t.http.get('/api/v1/ivr/numbers').set(auth)).body as { numberId: string }[]).map((n) => n.numberId)).toEqual([bNumber]);
    const aAuth = await a.auth();
    expect((await t.http.get(`/api/v1/ivr/flows/${id}`).set(aAuth)).body).toMatchObject({ draftRevision: 1, latestVersion: 1 });
    expect((await t.http.get(`/api/v1/ivr/numbers/${aNumber}`).set(aAuth)).body).toMatchObject({ binding: { flowId: id } });
  });
});
