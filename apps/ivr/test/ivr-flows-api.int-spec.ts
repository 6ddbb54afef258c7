import { type ApiErrorBody, type FlowDocumentInput, type SimulationTrace } from '@parley/contracts';
import { UnitOfWork } from '@parley/persistence';
import { testEnvironment } from '@parley/testing';
import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { DemoFlowService, NumbersSnapshotService, type FlowSummaryView, type FlowValidationView, type FlowVersionSummaryView, type FlowVersionView, type FlowView, type IvrNumberView } from '../src/index';
import { assignNumber, menuFlow, newTenant, numberKnown, releaseNumber, startIvrApp, waitFor, type IvrTestApp, type TestTenant } from './ivr-test-kit';

const WEBHOOK = 'https://crm.example.com/lookup';

/** A draft with graph errors: a dangling branch, an unreachable node, a missing zh-CN prompt. */
function brokenFlow(): FlowDocumentInput {
  return {
    schemaVersion: 1,
    name: 'Broken',
    locales: ['en', 'zh-CN'],
    defaultLocale: 'en',
    startNodeId: 'menu',
    nodes: [
      {
        id: 'menu',
        type: 'menu',
        prompt: { en: [{ kind: 'text', text: 'Press 1.', locale: 'en' }], 'zh-CN': [{ kind: 'text', text: '请按 1。', locale: 'zh-CN' }] },
        options: { '1': 'queue', '2': 'nowhere' },
        onInvalid: 'bye',
      },
      { id: 'queue', type: 'enqueue', queue: 'sales' },
      { id: 'bye', type: 'hangup', prompt: { en: [{ kind: 'text', text: 'Bye.', locale: 'en' }] } },
      { id: 'orphan', type: 'hangup' },
    ],
  };
}

describe('ivr flows API (real PostgreSQL and Kafka)', () => {
  let t: IvrTestApp;
  let tenant: TestTenant;
  let owner: { authorization: string };

  beforeAll(async () => {
    t = await startIvrApp();
    tenant = newTenant();
    owner = await tenant.auth('owner');
  }, 120_000);
  afterAll(() => t?.close());

  it('creates, edits, validates and publishes a flow; a published version never changes', async () => {
    const created = await t.http.post('/api/v1/ivr/flows').set(owner).send({ document: menuFlow(WEBHOOK) });
    expect(created.status).toBe(201);
    const flow = created.body as FlowView;
    expect(flow).toMatchObject({ name: 'Sales and support', draftRevision: 1, latestVersion: null, validation: { valid: true, errors: [] } });
    expect(flow.draft.nodes.map((n) => n.id)).toEqual(['welcome', 'lookup', 'main-menu', 'sales', 'support', 'goodbye']);

    expect((await t.http.get('/api/v1/ivr/flows').set(owner)).body).toEqual([expect.objectContaining({ id: flow.id, name: 'Sales and support', draftRevision: 1, latestVersion: null })]);

    const v1 = await t.http.post(`/api/v1/ivr/flows/${flow.id}/publish`).set(owner);
    expect(v1.status).toBe(201);
    expect(v1.body as FlowVersionView).toMatchObject({ flowId: flow.id, version: 1, draftRevision: 1, name: 'Sales and support' });

    // Edit the draft: the welcome prompt and the name change; version 1 keeps the old ones.
    const edited = menuFlow(WEBHOOK, { name: 'Sales and support (new)' });
    (edited.nodes[0] as { prompt: unknown }).prompt = { en: [{ kind: 'text', text: 'Welcome back to Acme.', locale: 'en' }] };
    const saved = await t.http.put(`/api/v1/ivr/flows/${flow.id}/draft`).set(owner).send({ document: edited, baseRevision: 1 });
    expect(saved.status).toBe(200);
    expect(saved.body as FlowView).toMatchObject({ draftRevision: 2, latestVersion: 1, name: 'Sales and support (new)' });

    // An edit based on a stale revision is refused.
    const stale = await t.http.put(`/api/v1/ivr/flows/${flow.id}/draft`).set(owner).send({ document: menuFlow(WEBHOOK), baseRevision: 1 });
    expect(stale.status).toBe(409);
    expect((stale.body as ApiErrorBody).fields).toEqual([{ path: 'baseRevision', message: 'is 1, the draft is at revision 2' }]);

    const validation = await t.http.post(`/api/v1/ivr/flows/${flow.id}/validate`).set(owner);
    expect(validation.status).toBe(200);
    expect(validation.body as FlowValidationView).toMatchObject({ valid: true, errors: [] });

    const v2 = await t.http.post(`/api/v1/ivr/flows/${flow.id}/publish`).set(owner).send({ baseRevision: 2 });
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ version: 2, draftRevision: 2, name: 'Sales and support (new)' });

    const versions = (await t.http.get(`/api/v1/ivr/flows/${flow.id}/versions`).set(owner).expect(200)).body as FlowVersionSummaryView[];
    expect(versions.map((v) => [v.version, v.name, v.draftRevision])).toEqual([
      [1, 'Sales and support', 1],
      [2, 'Sales and support (new)', 2],
    ]);
    const first = (await t.http.get(`/api/v1/ivr/flows/${flow.id}/versions/1`).set(owner).expect(200)).body as FlowVersionView;
    expect(first.document.nodes[0]).toMatchObject({ id: 'welcome', prompt: { en: [{ text: 'Welcome to Acme.' }] } });
    const second = (await t.http.get(`/api/v1/ivr/flows/${flow.id}/versions/2`).set(owner).expect(200)).body as FlowVersionView;
    expect(second.document.nodes[0]).toMatchObject({ prompt: { en: [{ text: 'Welcome back to Acme.' }] } });
    expect((await t.http.get(`/api/v1/ivr/flows/${flow.id}/versions/3`).set(owner)).status).toBe(404);
    expect((await t.http.get(`/api/v1/ivr/flows/${flow.id}`).set(owner)).body).toMatchObject({ latestVersion: 2, draftRevision: 2 });

    // Immutable in the database too: neither the service's role nor the schema owner may change a version.
    const uow = new UnitOfWork(t.dataSource);
    await expect(uow.inTenant(tenant.tenantId, (tx) => tx.manager.query(`UPDATE ivr.flow_versions SET draft_revision = 9 WHERE flow_id = $1`, [flow.id]))).rejects.toThrow(/permission denied/);
    await expect(uow.inTenant(tenant.tenantId, (tx) => tx.manager.query(`DELETE FROM ivr.flow_versions WHERE flow_id = $1`, [flow.id]))).rejects.toThrow(/permission denied/);
    const ownerClient = new Client({ connectionString: testEnvironment.pgOwnerUrl() });
    await ownerClient.connect();
    try {
      await ownerClient.query(`SELECT set_config('app.tenant_id', $1, false)`, [tenant.tenantId]);
      await expect(ownerClient.query(`UPDATE ivr.flow_versions SET draft_revision = 9 WHERE flow_id = $1`, [flow.id])).rejects.toThrow(/immutable/);
    } finally {
      await ownerClient.end();
    }
    expect(((await t.http.get(`/api/v1/ivr/flows/${flow.id}/versions/1`).set(owner)).body as FlowVersionView).draftRevision).toBe(1);
  });

  it('reports graph errors by node and refuses to publish them (422 naming the nodes)', async () => {
    const created = await t.http.post('/api/v1/ivr/flows').set(owner).send({ document: brokenFlow() });
    expect(created.status).toBe(201);
    const flow = created.body as FlowView;
    expect(flow.validation.valid).toBe(false);

    const validation = (await t.http.post(`/api/v1/ivr/flows/${flow.id}/validate`).set(owner).expect(200)).body as FlowValidationView;
    expect(validation.valid).toBe(false);
    expect(validation.errors.map((e) => [e.code, e.nodeId, e.field]).sort()).toEqual(
      [
        ['dangling-branch', 'menu', 'options.2'],
        ['missing-prompt', 'bye', 'prompt.zh-CN'],
        ['unreachable-node', 'orphan', 'id'],
      ].sort(),
    );
    expect(Object.keys(validation.byNode).sort()).toEqual(['bye', 'menu', 'orphan', 'queue']);
    // The enqueue node is valid, with a warning: nothing handles its queue's overflow.
    expect(validation.byNode.queue?.errors).toEqual([]);
    expect(validation.byNode.queue?.warnings.map((w) => [w.code, w.field])).toEqual([
      ['overflow-not-handled', 'onOverflow.voicemail'],
      ['overflow-not-handled', 'onOverflow.callback'],
    ]);
    expect(validation.byNode.menu?.errors[0]?.message).toContain('"nowhere"');

    const refused = await t.http.post(`/api/v1/ivr/flows/${flow.id}/publish`).set(owner);
    expect(refused.status).toBe(422);
    const body = refused.body as ApiErrorBody;
    expect(body.message).toMatch(/cannot be published: the flow has 3 errors/);
    expect(body.fields?.map((f) => f.path).sort()).toEqual(['nodes[bye].prompt.zh-CN', 'nodes[menu].options.2', 'nodes[orphan].id']);
    expect(body.fields?.find((f) => f.path === 'nodes[orphan].id')?.message).toContain('node "orphan" cannot be reached');
    expect((await t.http.get(`/api/v1/ivr/flows/${flow.id}/versions`).set(owner).expect(200)).body).toEqual([]);

    // Simulating the broken draft is refused the same way.
    const simulated = await t.http.post(`/api/v1/ivr/flows/${flow.id}/simulate`).set(owner).send({ script: { startAt: '2025-01-06T10:00:00Z' } });
    expect(simulated.status).toBe(422);
    expect((simulated.body as ApiErrorBody).fields?.map((f) => f.path)).toContain('nodes[menu].options.2');
  });

  it('simulates the draft or a published version with the scripted inputs', async () => {
    const flow = (await t.http.post('/api/v1/ivr/flows').set(owner).send({ document: menuFlow(WEBHOOK) }).expect(201)).body as FlowView;
    await t.http.post(`/api/v1/ivr/flows/${flow.id}/publish`).set(owner).expect(201);
    const script = {
      startAt: '2025-01-06T10:00:00Z',
      callerNumber: '+15555550123',
      digits: [{ digits: '2', delayMs: 500 }],
      webhooks: [{ nodeId: 'lookup', body: { customer: { tier: 'gold', name: 'Ada' } }, latencyMs: 50 }],
    };
    const draft = await t.http.post(`/api/v1/ivr/flows/${flow.id}/simulate`).set(owner).send({ script });
    expect(draft.status).toBe(200);
    const trace = draft.body as SimulationTrace;
    expect(trace.outcome).toBe('routed');
    expect(trace.routed).toMatchObject({ flowId: flow.id, flowVersion: 0, queue: 'support', priority: 5, attributes: { tier: 'gold', caller: '+15555550123' } });
    expect(trace.nodes.map((n) => `${n.nodeId}:${n.exit ?? ''}`)).toEqual(['welcome:next', 'lookup:next', 'main-menu:option:2', 'support:routed']);
    expect(trace.prompts.map((p) => (p.prompt.kind === 'text' ? p.prompt.text : p.prompt.uri))).toEqual([
      'Welcome to Acme.',
      'Hello Ada. For sales press 1, for support press 2.',
      'Please hold for support.',
    ]);

    const version = await t.http.post(`/api/v1/ivr/flows/${flow.id}/simulate`).set(await tenant.auth('supervisor')).send({ version: 1, script });
    expect(version.status).toBe(200);
    expect((version.body as SimulationTrace).completed).toMatchObject({ flowId: flow.id, flowVersion: 1, outcome: 'routed' });
    expect((await t.http.post(`/api/v1/ivr/flows/${flow.id}/simulate`).set(owner).send({ version: 7, script })).status).toBe(404);
  });

  it('binds a number from the tenant service to a pinned or the latest version, and drops the binding when the number is released', async () => {
    const flow = (await t.http.post('/api/v1/ivr/flows').set(owner).send({ document: menuFlow(WEBHOOK, { name: 'Bound' }) }).expect(201)).body as FlowView;
    const number = await assignNumber(t.bus, tenant);
    await numberKnown(t, tenant, number.numberId);

    // No published version yet: nothing to bind to.
    const early = await t.http.put(`/api/v1/ivr/numbers/${number.numberId}/binding`).set(owner).send({ flowId: flow.id, version: 'latest' });
    expect(early.status).toBe(422);
    expect((early.body as ApiErrorBody).fields).toEqual([{ path: 'version', message: 'the flow has no published version yet' }]);

    await t.http.post(`/api/v1/ivr/flows/${flow.id}/publish`).set(owner).expect(201);
    const latest = await t.http.put(`/api/v1/ivr/numbers/${number.numberId}/binding`).set(owner).send({ flowId: flow.id, version: 'latest' });
    expect(latest.status).toBe(200);
    expect(latest.body).toMatchObject({ numberId: number.numberId, flowId: flow.id, flowName: 'Bound', version: 'latest', resolvedVersion: 1 });

    await t.http.post(`/api/v1/ivr/flows/${flow.id}/publish`).set(owner).expect(201);
    const listed = (await t.http.get('/api/v1/ivr/numbers').set(await tenant.auth('supervisor')).expect(200)).body as IvrNumberView[];
    expect(listed.find((n) => n.numberId === number.numberId)).toMatchObject({ e164: number.e164, binding: { version: 'latest', resolvedVersion: 2 } });

    const pinned = await t.http.put(`/api/v1/ivr/numbers/${number.numberId}/binding`).set(owner).send({ flowId: flow.id, version: 1 });
    expect(pinned.body).toMatchObject({ version: 1, resolvedVersion: 1 });
    const missing = await t.http.put(`/api/v1/ivr/numbers/${number.numberId}/binding`).set(owner).send({ flowId: flow.id, version: 9 });
    expect(missing.status).toBe(422);
    expect((missing.body as ApiErrorBody).fields).toEqual([{ path: 'version', message: 'the flow has no version 9' }]);

    await t.http.delete(`/api/v1/ivr/numbers/${number.numberId}/binding`).set(owner).expect(204);
    expect((await t.http.delete(`/api/v1/ivr/numbers/${number.numberId}/binding`).set(owner)).status).toBe(404);
    await t.http.put(`/api/v1/ivr/numbers/${number.numberId}/binding`).set(owner).send({ flowId: flow.id, version: 'latest' }).expect(200);

    await releaseNumber(t.bus, tenant, number);
    await waitFor('the release to reach the projection', async () => (await t.http.get(`/api/v1/ivr/numbers/${number.numberId}`).set(owner)).status === 404, 60_000, 200);
    const uow = new UnitOfWork(t.dataSource);
    const bindings: unknown[] = await uow.inTenant(tenant.tenantId, (tx) => tx.manager.query('SELECT 1 FROM ivr.number_bindings WHERE number_id = $1', [number.numberId]));
    expect(bindings).toEqual([]);
    expect((await t.http.put(`/api/v1/ivr/numbers/${number.numberId}/binding`).set(owner).send({ flowId: flow.id, version: 'latest' })).status).toBe(404);
  });

  it('lets supervisors read, validate and simulate but not change flows or bindings; agents get nothing', async () => {
    const flow = (await t.http.post('/api/v1/ivr/flows').set(owner).send({ document: menuFlow(WEBHOOK) }).expect(201)).body as FlowView;
    const supervisor = await tenant.auth('supervisor');
    const admin = await tenant.auth('admin');
    const agent = await tenant.auth('agent');
    expect((await t.http.get(`/api/v1/ivr/flows/${flow.id}`).set(supervisor)).status).toBe(200);
    expect((await t.http.post(`/api/v1/ivr/flows/${flow.id}/validate`).set(supervisor)).status).toBe(200);
    expect((await t.http.get('/api/v1/ivr/numbers').set(supervisor)).status).toBe(200);
    expect((await t.http.post('/api/v1/ivr/flows').set(supervisor).send({ document: menuFlow(WEBHOOK) })).status).toBe(403);
    expect((await t.http.put(`/api/v1/ivr/flows/${flow.id}/draft`).set(supervisor).send({ document: menuFlow(WEBHOOK) })).status).toBe(403);
    expect((await t.http.post(`/api/v1/ivr/flows/${flow.id}/publish`).set(supervisor)).status).toBe(403);
    expect((await t.http.put(`/api/v1/ivr/numbers/${flow.id}/binding`).set(supervisor).send({ flowId: flow.id, version: 'latest' })).status).toBe(403);
    expect((await t.http.get(`/api/v1/ivr/flows/${flow.id}`).set(agent)).status).toBe(403);
    expect((await t.http.get('/api/v1/ivr/flows').set(agent)).status).toBe(403);
    expect((await t.http.post(`/api/v1/ivr/flows/${flow.id}/publish`).set(admin)).status).toBe(201);
    expect((await t.http.get('/api/v1/ivr/flows')).status).toBe(401);
  });

  it('sets up the demo flow on a demo number once, and leaves a tenant that has flows alone', async () => {
    const demo = newTenant();
    const auth = await demo.auth();
    const number = { tenantId: demo.tenantId, numberId: randomUUID(), e164: '+18005550100', assignedAt: new Date(), locale: 'en' as const };
    const service = t.app.get(DemoFlowService);
    const first = await service.ensureDemoFlow(number);
    expect(first.created).toBe(true);
    const numbers = (await t.http.get('/api/v1/ivr/numbers').set(auth).expect(200)).body as IvrNumberView[];
    expect(numbers).toEqual([expect.objectContaining({ numberId: number.numberId, e164: '+18005550100', binding: expect.objectContaining({ flowId: first.flowId, version: 'latest', resolvedVersion: 1, flowName: 'Demo: sales and support' }) })]);
    const version = (await t.http.get(`/api/v1/ivr/flows/${first.flowId}/versions/1`).set(auth).expect(200)).body as FlowVersionView;
    expect(version.document.nodes.map((n) => n.id)).toEqual(['welcome', 'business-hours', 'main-menu', 'sales', 'support', 'closed', 'busy', 'goodbye']);

    expect(await service.ensureDemoFlow(number)).toEqual({ created: false, flowId: first.flowId });
    await t.http.delete(`/api/v1/ivr/numbers/${number.numberId}/binding`).set(auth).expect(204);
    expect(await service.ensureDemoFlow(number)).toEqual({ created: false });
    expect(((await t.http.get('/api/v1/ivr/flows').set(auth)).body as FlowSummaryView[]).length).toBe(1);
  });

  it("fills the number projection from the tenant service's snapshot", async () => {
    const other = newTenant();
    const numberId = randomUUID();
    await t.app.get(NumbersSnapshotService).load([{ tenantId: other.tenantId, numberId, e164: '+16285550199', assignedAt: new Date().toISOString() }]);
    expect((await t.http.get(`/api/v1/ivr/numbers/${numberId}`).set(await other.auth())).body).toMatchObject({ numberId, e164: '+16285550199', binding: null });
  });

  it('documents the ivr API in OpenAPI', async () => {
    const document = (await t.http.get('/api/docs/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/ivr/flows',
        '/api/v1/ivr/flows/{id}',
        '/api/v1/ivr/flows/{id}/draft',
        '/api/v1/ivr/flows/{id}/validate',
        '/api/v1/ivr/flows/{id}/publish',
        '/api/v1/ivr/flows/{id}/versions',
        '/api/v1/ivr/flows/{id}/versions/{version}',
        '/api/v1/ivr/flows/{id}/simulate',
        '/api/v1/ivr/numbers',
        '/api/v1/ivr/numbers/{numberId}/binding',
      ]),
    );
    expect(JSON.stringify(document.paths['/api/v1/ivr/flows/{id}/simulate'])).toContain('startAt');
  });
});

describe('simulation limit per tenant', () => {
  let t: IvrTestApp;
  beforeAll(async () => {
    t = await startIvrApp({ overrides: { IVR_SIMULATIONS_PER_MINUTE: '2' } });
  }, 120_000);
  afterAll(() => t?.close());

  it('answers 429 once a tenant ran its simulations for the minute; other tenants are not affected', async () => {
    const [a, b] = [newTenant(), newTenant()];
    const run = async (tenant: TestTenant): Promise<number> => {
      const auth = await tenant.auth();
      const flow = (await t.http.post('/api/v1/ivr/flows').set(auth).send({ document: menuFlow(WEBHOOK) }).expect(201)).body as FlowView;
      return (await t.http.post(`/api/v1/ivr/flows/${flow.id}/simulate`).set(auth).send({ script: { startAt: '2025-01-06T10:00:00Z' } })).status;
    };
    expect([await run(a), await run(a), await run(a)]).toEqual([200, 200, 429]);
    expect(await run(b)).toBe(200);
  });
});
