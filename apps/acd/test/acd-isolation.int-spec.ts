import { randomUUID } from 'node:crypto';
import { UnitOfWork } from '@parley/persistence';
import { testEnvironment } from '@parley/testing';
import { Client } from 'pg';
import { agentState, type AcdTestApp, baseQueue, configure, newTenant, prepareAgent, routeCall, seatAgent, startAcdApp, waitFor } from './acd-test-kit';
import { ScriptedVoice } from './scripted-voice';

let t: AcdTestApp;
let voice: ScriptedVoice;

beforeAll(async () => {
  t = await startAcdApp();
  voice = new ScriptedVoice(t.bus);
  await voice.start();
}, 120_000);

afterAll(async () => {
  await voice?.stop();
  await t?.close();
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every route the app serves under /api/v1/acd, as `METHOD path` (from Express's router). */
function acdRoutes(): string[] {
  const express = t.app.getHttpAdapter().getInstance() as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
  const stack = (express.router ?? express._router)?.stack ?? [];
  const routes = new Set<string>();
  for (const layer of stack) {
    if (!layer.route || !layer.route.path.startsWith('/api/v1/acd')) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') routes.add(`${method.toUpperCase()} ${layer.route.path}`);
  }
  return [...routes].sort();
}

describe('tenant isolation in the acd', () => {
  it("another tenant gets 404 on every acd route that names one of tenant A's things, and sees nothing of A's in the lists", async () => {
    const a = newTenant();
    voice.serve(a.tenantId);
    await configure(t, a, { skills: ['billing'], queues: [baseQueue('support', { requiredSkills: [{ skillId: 'billing', minProficiency: 1 }] })] });
    const agent = await seatAgent(t, a);
    await prepareAgent(t, a, agent, { skills: [{ skillId: 'billing', proficiency: 3 }], queueIds: ['support'], state: 'available' });
    voice.agents.set(agent, { kind: 'answer' });
    const callId = await routeCall(t.bus, a, 'support');
    await waitFor('the call connected', async () => (await agentState(t, a, agent)).state === 'on-call');

    const b = newTenant();
    const bOwner = await b.auth('owner');
    const ids: Record<string, string> = { skillId: 'billing', queueId: 'support', agentId: agent, callId, version: '1' };
    const bodies: Record<string, unknown> = {
      'PUT /api/v1/acd/skills/:skillId': { name: 'Taken over' },
      'PUT /api/v1/acd/queues/:queueId': baseQueue('support'),
      'PUT /api/v1/acd/agents/:agentId/skills': { skills: [] },
      'PUT /api/v1/acd/agents/:agentId/queues': { queueIds: [] },
      'PUT /api/v1/acd/agents/:agentId/state': { state: 'offline' },
      'POST /api/v1/acd/calls/:callId/transfer': { queueId: 'support' },
      'POST /api/v1/acd/calls/:callId/consult': { queueId: 'support' },
    };
    const lists: Record<string, (body: unknown) => void> = {
      'GET /api/v1/acd/skills': (body) => expect(body).toEqual([]),
      'GET /api/v1/acd/queues': (body) => expect(body).toEqual([]),
      'GET /api/v1/acd/agents': (body) => expect(body).toEqual([]),
      'GET /api/v1/acd/agents/stats': (body) => expect(body).toEqual([]),
      'GET /api/v1/acd/settings': (body) => expect(body).toEqual({ timeZone: 'UTC', breakReasons: expect.arrayContaining([expect.objectContaining({ code: 'lunch' })]) }),
      'GET /api/v1/acd/settings/break-reasons': (body) => expect(body).toMatchObject({ isDefault: true }),
      'GET /api/v1/acd/transfer-targets': (body) => expect(body).toEqual({ queues: [], agents: [] }),
    };
    // Creating in B what A has is B's own business (B's skill "billing" is not A's).
    const creations = new Set(['POST /api/v1/acd/skills', 'POST /api/v1/acd/queues', 'PUT /api/v1/acd/settings']);
    const routes = acdRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(20);
    const walked: string[] = [];
    for (const route of routes) {
      const [method, path] = route.split(' ') as [string, string];
      if (creations.has(route)) continue;
      walked.push(route);
      const url = path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
        const id = ids[name];
        if (id === undefined) throw new Error(`the walk has no id for :${name} in ${route}`);
        return id;
      });
      const call = t.http[method.toLowerCase() as 'get' | 'put' | 'post'](url).set(bOwner);
      const res = route in bodies ? await call.send(bodies[route] as object) : await call;
      if (route in lists) {
        expect([route, res.status]).toEqual([route, 200]);
        lists[route]?.(res.body);
      } else {
        expect([route, res.status, res.body.message]).toEqual([route, 404, expect.any(String)]);
      }
    }
    expect(walked.length + creations.size).toBe(routes.length);
    // Nothing of A's changed: A's agent is still on its call, A's skill kept its name.
    expect((await agentState(t, a, agent)).state).toBe('on-call');
    expect((await t.http.get('/api/v1/acd/skills/billing').set(await a.auth('owner'))).body.name).toBe('billing');
    await voice.end(a.tenantId, callId);
  }, 90_000);

  it('every acd table has row-level security enabled and forced; as another tenant or with no tenant, no row of A is visible', async () => {
    const admin = new Client({ connectionString: testEnvironment.pgAdminUrl().replace(/\/[^/]*$/, `/${process.env.PARLEY_TEST_DATABASE ?? 'parley_test'}`) });
    await admin.connect();
    const tables: { relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }[] = (
      await admin.query(
        `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'acd' AND c.relkind = 'r' AND c.relname <> 'migrations' ORDER BY 1`,
      )
    ).rows;
    await admin.end();
    expect(tables.map((r) => r.relname)).toEqual(
      expect.arrayContaining(['agent_daily', 'agent_state_history', 'agents', 'calls', 'decisions', 'inbox', 'last_agents', 'outbox', 'queue_daily', 'queue_versions', 'queues', 'routing_inputs', 'settings', 'skills']),
    );
    for (const table of tables) expect([table.relname, table.relrowsecurity, table.relforcerowsecurity]).toEqual([table.relname, true, true]);

    const a = newTenant();
    voice.serve(a.tenantId);
    await configure(t, a, { queues: [baseQueue('sales')] });
    const agent = await seatAgent(t, a);
    await prepareAgent(t, a, agent, { queueIds: ['sales'], state: 'available' });
    voice.agents.set(agent, { kind: 'answer' });
    const callId = await routeCall(t.bus, a, 'sales');
    await waitFor('the call connected', async () => (await agentState(t, a, agent)).state === 'on-call');
    const uow = new UnitOfWork(t.dataSource);
    const count = async (tenantId: string | null, table: string): Promise<number> => {
      const sql = `SELECT count(*)::int AS n FROM acd.${table}`;
      const rows = (tenantId === null ? await t.dataSource.query(sql) : await uow.inTenant(tenantId, (tx) => tx.manager.query(sql))) as { n: number }[];
      return rows[0]?.n ?? -1;
    };
    for (const table of ['queues', 'queue_versions', 'agents', 'calls', 'decisions', 'agent_state_history', 'outbox']) {
      expect([table, await count(a.tenantId, table)]).toEqual([table, expect.any(Number)]);
      expect(await count(a.tenantId, table)).toBeGreaterThan(0);
      expect([table, await count(randomUUID(), table)]).toEqual([table, 0]);
      expect([table, await count(null, table)]).toEqual([table, 0]);
    }
    // Another tenant cannot write into A's rows either.
    const [, updated] = (await uow.inTenant(randomUUID(), (tx) => tx.manager.query(`UPDATE acd.calls SET status = 'done' WHERE call_id = $1`, [callId]))) as [unknown, number];
    expect(updated).toBe(0);
    await voice.end(a.tenantId, callId);
  }, 90_000);
});
