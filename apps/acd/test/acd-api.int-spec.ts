import { randomUUID } from 'node:crypto';
import { DemoQueuesService } from '../src/index';
import { type AcdTestApp, baseQueue, newTenant, seatAgent, startAcdApp, unseatAgent, waitFor } from './acd-test-kit';

let t: AcdTestApp;

beforeAll(async () => {
  t = await startAcdApp();
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const fieldsOf = (body: unknown): string[] => ((body as { fields?: { path: string }[] }).fields ?? []).map((f) => f.path).sort();

describe('acd HTTP API', () => {
  it('skills: create, list, read, rename; duplicates, bad bodies and unknown ids are refused naming the field', async () => {
    const tenant = newTenant();
    const owner = await tenant.auth('owner');
    const created = await t.http.post('/api/v1/acd/skills').set(owner).send({ skillId: 'billing', name: 'Billing' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ skillId: 'billing', name: 'Billing' });
    const twice = await t.http.post('/api/v1/acd/skills').set(owner).send({ skillId: 'billing', name: 'Again' });
    expect(twice.status).toBe(409);
    expect(fieldsOf(twice.body)).toEqual(['skillId']);
    const bad = await t.http.post('/api/v1/acd/skills').set(owner).send({ skillId: 'Not A Slug', extra: 1 });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['extra', 'name', 'skillId']);
    expect((await t.http.post('/api/v1/acd/skills').set(owner).send('[1]').type('json')).status).toBe(400);
    expect((await t.http.put('/api/v1/acd/skills/billing').set(owner).send({ name: 'Billing and payments' })).body).toMatchObject({ name: 'Billing and payments' });
    expect((await t.http.get('/api/v1/acd/skills').set(await tenant.auth('supervisor'))).body.map((s: { skillId: string }) => s.skillId)).toEqual(['billing']);
    expect((await t.http.get('/api/v1/acd/skills/billing').set(owner)).status).toBe(200);
    expect((await t.http.get('/api/v1/acd/skills/nope').set(owner)).status).toBe(404);
    expect((await t.http.get('/api/v1/acd/skills/NOPE!').set(owner)).status).toBe(400);
    // Roles: supervisors read, only owners and admins write; agents do neither.
    expect((await t.http.post('/api/v1/acd/skills').set(await tenant.auth('supervisor')).send({ skillId: 'x', name: 'x' })).status).toBe(403);
    expect((await t.http.get('/api/v1/acd/skills').set(await tenant.auth('agent'))).status).toBe(403);
    expect((await t.http.get('/api/v1/acd/skills')).status).toBe(401);
  });

  it('queues: every change is a new version; stale bases, bad configurations and unknown references are refused naming the field', async () => {
    const tenant = newTenant();
    const owner = await tenant.auth('owner');
    await t.http.post('/api/v1/acd/skills').set(owner).send({ skillId: 'spanish', name: 'Spanish' });
    const created = await t.http.post('/api/v1/acd/queues').set(owner).send(baseQueue('support', { requiredSkills: [{ skillId: 'spanish', minProficiency: 3 }], afterCallWorkSeconds: 15 }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ queueId: 'support', version: 1, config: { strategy: 'longest-idle', afterCallWorkSeconds: 15, offerTimeoutSeconds: 10, maxMissedOffers: 3 } });
    expect((await t.http.post('/api/v1/acd/queues').set(owner).send(baseQueue('support'))).status).toBe(409);
    await t.http.post('/api/v1/acd/queues').set(owner).send(baseQueue('overflow'));

    const changed = await t.http.put('/api/v1/acd/queues/support').set(owner).send({ ...baseQueue('support', { strategy: 'round-robin', maxWaitSeconds: 60, overflow: { kind: 'queue', queueId: 'overflow' } }), baseVersion: 1 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ version: 2, config: { strategy: 'round-robin', overflow: { kind: 'queue', queueId: 'overflow' } } });
    const stale = await t.http.put('/api/v1/acd/queues/support').set(owner).send({ ...baseQueue('support'), baseVersion: 1 });
    expect(stale.status).toBe(409);
    expect(fieldsOf(stale.body)).toEqual(['baseVersion']);
    expect((await t.http.get('/api/v1/acd/queues/support/versions').set(owner)).body.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect((await t.http.get('/api/v1/acd/queues/support/versions/1').set(owner)).body.config).toMatchObject({ strategy: 'longest-idle', version: 1 });
    expect((await t.http.get('/api/v1/acd/queues/support/versions/3').set(owner)).status).toBe(404);
    expect((await t.http.get('/api/v1/acd/queues/support/versions/zero').set(owner)).status).toBe(400);
    expect((await t.http.get('/api/v1/acd/queues/support').set(owner)).body.version).toBe(2);
    expect((await t.http.get('/api/v1/acd/queues').set(await tenant.auth('supervisor'))).body.map((q: { queueId: string }) => q.queueId)).toEqual(['overflow', 'support']);

    const bad = await t.http.post('/api/v1/acd/queues').set(owner).send({ queueId: 'x', name: '', strategy: 'fastest', version: 4, maxWaitSeconds: -1 });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(expect.arrayContaining(['name', 'strategy', 'serviceLevel', 'version', 'maxWaitSeconds']));
    const noOverflow = await t.http.post('/api/v1/acd/queues').set(owner).send(baseQueue('full', { maxQueueLength: 5 }));
    expect(noOverflow.status).toBe(400);
    expect(fieldsOf(noOverflow.body)).toEqual(['overflow']);
    expect(fieldsOf((await t.http.put('/api/v1/acd/queues/support').set(owner).send(baseQueue('other'))).body)).toEqual(['queueId']);
    const unknown = await t.http.post('/api/v1/acd/queues').set(owner).send(baseQueue('billing', { requiredSkills: [{ skillId: 'german', minProficiency: 1 }], overflow: { kind: 'queue', queueId: 'nowhere' }, maxWaitSeconds: 30 }));
    expect(unknown.status).toBe(422);
    expect(fieldsOf(unknown.body)).toEqual(['overflow.queueId', 'requiredSkills.0.skillId']);
    const loop = await t.http.put('/api/v1/acd/queues/overflow').set(owner).send(baseQueue('overflow', { maxWaitSeconds: 30, overflow: { kind: 'queue', queueId: 'support' } }));
    expect(loop.status).toBe(422);
    expect(loop.body.message).toContain('overflow -> support -> overflow');
    expect((await t.http.put('/api/v1/acd/queues/nope').set(owner).send(baseQueue('nope'))).status).toBe(404);
    expect((await t.http.put('/api/v1/acd/queues/support').set(await tenant.auth('supervisor')).send(baseQueue('support'))).status).toBe(403);
  });

  it('agents: a seat makes an agent; skills and queues are validated; states change by the rules (409 naming from and to), by the agent or a supervisor', async () => {
    const tenant = newTenant();
    const owner = await tenant.auth('owner');
    await t.http.post('/api/v1/acd/skills').set(owner).send({ skillId: 'french', name: 'French' });
    await t.http.post('/api/v1/acd/queues').set(owner).send(baseQueue('sales'));
    const ann = await seatAgent(t, tenant);
    expect((await t.http.get(`/api/v1/acd/agents/${randomUUID()}`).set(owner)).status).toBe(404);
    expect((await t.http.get('/api/v1/acd/agents/not-a-uuid').set(owner)).status).toBe(400);

    const unknownSkill = await t.http.put(`/api/v1/acd/agents/${ann}/skills`).set(owner).send({ skills: [{ skillId: 'german', proficiency: 3 }] });
    expect(unknownSkill.status).toBe(422);
    expect(fieldsOf(unknownSkill.body)).toEqual(['skills.0.skillId']);
    const badSkills = await t.http.put(`/api/v1/acd/agents/${ann}/skills`).set(owner).send({ skills: [{ skillId: 'french', proficiency: 9 }, { skillId: 'french', proficiency: 2 }] });
    expect(badSkills.status).toBe(400);
    expect(fieldsOf(badSkills.body)).toEqual(['skills.0.proficiency', 'skills.1.skillId']);
    expect((await t.http.put(`/api/v1/acd/agents/${ann}/skills`).set(owner).send({ skills: [{ skillId: 'french', proficiency: 4 }] })).body).toMatchObject({ version: 2, skills: [{ skillId: 'french', proficiency: 4 }] });
    expect(fieldsOf((await t.http.put(`/api/v1/acd/agents/${ann}/queues`).set(owner).send({ queueIds: ['sales', 'gone'] })).body)).toEqual(['queueIds.1']);
    expect((await t.http.put(`/api/v1/acd/agents/${ann}/queues`).set(owner).send({ queueIds: ['sales'] })).body).toMatchObject({ version: 3, queueIds: ['sales'], hasSeat: true });

    const supervisor = await tenant.auth('supervisor');
    expect((await t.http.get(`/api/v1/acd/agents/${ann}/state`).set(supervisor)).body).toMatchObject({ state: 'offline' });
    const annAuth = await tenant.auth('agent', ann);
    const available = await t.http.put(`/api/v1/acd/agents/${ann}/state`).set(annAuth).send({ state: 'available' });
    expect(available.status).toBe(200);
    expect(available.body).toMatchObject({ agentId: ann, state: 'available', reason: null });
    const again = await t.http.put(`/api/v1/acd/agents/${ann}/state`).set(annAuth).send({ state: 'available' });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('cannot go from available to available');
    expect(again.body.fields).toEqual([{ path: 'state', message: expect.stringContaining('cannot go from available to available') }]);
    const noReason = await t.http.put(`/api/v1/acd/agents/${ann}/state`).set(annAuth).send({ state: 'break' });
    expect(noReason.status).toBe(400);
    expect(fieldsOf(noReason.body)).toEqual(['reason']);
    expect(fieldsOf((await t.http.put(`/api/v1/acd/agents/${ann}/state`).set(annAuth).send({ state: 'on-call' })).body)).toEqual(['state']);
    expect((await t.http.put(`/api/v1/acd/agents/${ann}/state`).set(supervisor).send({ state: 'break', reason: 'lunch' })).body).toMatchObject({ state: 'break', reason: 'lunch' });
    expect((await t.http.get(`/api/v1/acd/agents/${ann}`).set(annAuth)).body.live).toMatchObject({ state: 'break', reason: 'lunch' });

    // Another agent may neither read nor change ann's state.
    const other = await tenant.auth('agent', randomUUID());
    expect((await t.http.put(`/api/v1/acd/agents/${ann}/state`).set(other).send({ state: 'available' })).status).toBe(403);
    expect((await t.http.get(`/api/v1/acd/agents/${ann}/state`).set(other)).status).toBe(403);
    expect((await t.http.put(`/api/v1/acd/agents/${ann}/skills`).set(supervisor).send({ skills: [] })).status).toBe(403);

    // Without a seat an agent can only go offline.
    await unseatAgent(t, tenant, ann);
    await waitFor('ann offline after losing the seat', async () => (await t.http.get(`/api/v1/acd/agents/${ann}/state`).set(supervisor)).body.state === 'offline');
    expect((await t.http.get(`/api/v1/acd/agents/${ann}`).set(supervisor)).body).toMatchObject({ hasSeat: false });
    const seatless = await t.http.put(`/api/v1/acd/agents/${ann}/state`).set(annAuth).send({ state: 'available' });
    expect(seatless.status).toBe(409);
    expect(seatless.body.message).toContain('holds no seat');
    expect((await t.http.get('/api/v1/acd/agents').set(supervisor)).body.map((a: { agentId: string }) => a.agentId)).toEqual([ann]);
  });

  it('demo: the demo tenant gets the queues its IVR flow routes to, with its agents in them, once', async () => {
    const tenant = newTenant();
    const agents = [await seatAgent(t, tenant), await seatAgent(t, tenant)];
    const demo = t.app.get(DemoQueuesService);
    expect(await demo.ensureDemoQueues(tenant.tenantId, agents)).toBe('created');
    expect(await demo.ensureDemoQueues(tenant.tenantId, agents)).toBe('exists');
    const owner = await tenant.auth('owner');
    expect((await t.http.get('/api/v1/acd/queues').set(owner)).body.map((q: { queueId: string }) => q.queueId)).toEqual(['sales', 'support']);
    const listed = (await t.http.get('/api/v1/acd/agents').set(owner)).body as { agentId: string; queueIds: string[] }[];
    expect(listed.map((a) => a.queueIds)).toEqual([
      ['sales', 'support'],
      ['sales', 'support'],
    ]);
    expect((await t.http.put(`/api/v1/acd/agents/${agents[0]}/state`).set(owner).send({ state: 'available' })).body).toMatchObject({ state: 'available' });
  });

  it('settings, decisions and statistics: validated, 404 for what does not exist', async () => {
    const tenant = newTenant();
    const owner = await tenant.auth('owner');
    expect((await t.http.get('/api/v1/acd/settings').set(owner)).body).toMatchObject({ timeZone: 'UTC' });
    const bad = await t.http.put('/api/v1/acd/settings').set(owner).send({ timeZone: 'Mars/Olympus' });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['timeZone']);
    expect((await t.http.put('/api/v1/acd/settings').set(owner).send({ timeZone: 'Europe/Paris' })).body).toMatchObject({ timeZone: 'Europe/Paris' });
    expect((await t.http.get('/api/v1/acd/settings').set(owner)).body).toMatchObject({ timeZone: 'Europe/Paris' });
    expect((await t.http.get(`/api/v1/acd/decisions/${randomUUID()}`).set(owner)).status).toBe(404);
    expect((await t.http.post(`/api/v1/acd/decisions/${randomUUID()}/replay`).set(owner)).status).toBe(404);
    expect((await t.http.get('/api/v1/acd/decisions/nope').set(owner)).status).toBe(400);
    expect((await t.http.get('/api/v1/acd/decisions/' + randomUUID()).set(await tenant.auth('agent'))).status).toBe(403);
    expect((await t.http.get('/api/v1/acd/queues/none/stats').set(owner)).status).toBe(404);
    await t.http.post('/api/v1/acd/queues').set(owner).send(baseQueue('sales'));
    const stats = await t.http.get('/api/v1/acd/queues/sales/stats').set(owner);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ queueId: 'sales', waiting: 0, longestWaitMs: 0, today: { answered: 0, serviceLevel: null } });
    // "Today" is the tenant's day in its time zone.
    expect(stats.body.today.day).toBe(new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date()));
    expect((await t.http.get('/api/v1/acd/agents/stats').set(owner)).body).toEqual([]);
  });
});
