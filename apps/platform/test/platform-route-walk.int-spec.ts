// Every route of the API, walked as `npm start` serves it (the routes come from its own OpenAPI
// document, so a new route is walked without anyone adding it here):
// - without a token, only the public routes answer; every other one is 401;
// - an agent's token reaches only the routes an agent works with (the list below): every other
//   route answers 403 before it looks at anything — a route that forgets its roles fails here;
// - another tenant's data is never returned: tenant "acme" marks everything it creates, and the demo
//   tenant's owner calls every route with acme's ids in the path; no answer carries acme's marks or
//   ids, no write succeeds, and acme's data is unchanged afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freeSipPort, json, startPlatform, stopWithCtrlC, type Running } from './platform-test-kit';

const PASSWORD = 'Sunflower-Harbor-4711';
const MARK = 'ACMESECRET';

interface Route {
  method: string;
  path: string;
}

/** Routes that answer without a token. */
const PUBLIC = new Set(['POST /api/v1/signup', 'POST /api/v1/auth/login', 'POST /api/v1/auth/refresh', 'POST /api/v1/auth/logout', 'GET /health', 'GET /ready', 'GET /metrics']);

/** What an agent may call (its own session, softphone credentials and routing state); everything else is for supervisors, admins and owners. */
const AGENT_ROUTES = new Set([
  'GET /api/v1/tenant',
  'GET /api/v1/me',
  'POST /api/v1/agents/me/sip-credentials',
  'GET /api/v1/tenant/colleagues',
  'GET /api/v1/acd/settings/break-reasons',
  'GET /api/v1/acd/agents/{agentId}',
  'GET /api/v1/acd/agents/{agentId}/state',
  'PUT /api/v1/acd/agents/{agentId}/state',
  // Transfer of the agent's own call to a queue, and what it may transfer to.
  'GET /api/v1/acd/transfer-targets',
  'POST /api/v1/acd/calls/{callId}/transfer',
  'POST /api/v1/acd/calls/{callId}/consult',
  // The desktop: its live feed, the calls it takes (pop, control, wrap-up), contacts and tickets it works on.
  'POST /api/v1/cti/ws-tickets',
  'GET /api/v1/cti/calls/{callId}',
  'GET /api/v1/cti/calls/{callId}/pop',
  'POST /api/v1/cti/calls/{callId}/wrap-up',
  'POST /api/v1/cti/calls/{callId}/hold',
  'POST /api/v1/cti/calls/{callId}/transfer',
  'POST /api/v1/cti/calls/{callId}/consult',
  'POST /api/v1/cti/calls/{callId}/consult/complete',
  'POST /api/v1/cti/calls/{callId}/consult/cancel',
  'POST /api/v1/cti/calls/{callId}/conference',
  'POST /api/v1/cti/calls/{callId}/hangup',
  'GET /api/v1/cti/dispositions',
  'GET /api/v1/cti/contacts',
  'POST /api/v1/cti/contacts',
  'GET /api/v1/cti/contacts/{contactId}',
  'PATCH /api/v1/cti/contacts/{contactId}',
  'POST /api/v1/cti/contacts/{contactId}/phones',
  'DELETE /api/v1/cti/contacts/{contactId}/phones/{phoneId}',
  'GET /api/v1/cti/contacts/{contactId}/calls',
  'GET /api/v1/cti/contacts/{contactId}/tickets',
  'GET /api/v1/cti/tickets',
  'POST /api/v1/cti/tickets',
  'GET /api/v1/cti/tickets/{ticketId}',
  'PATCH /api/v1/cti/tickets/{ticketId}',
]);

const key = (r: Route): string => `${r.method} ${r.path}`;

async function call(base: string, route: Route, params: Record<string, string>, token?: string, body: unknown = {}): Promise<{ status: number; text: string }> {
  const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? randomUUID()));
  const response = await fetch(`${base}${path}`, {
    method: route.method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: route.method === 'GET' || route.method === 'DELETE' ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

describe('every route of npm start: authentication, roles and tenant isolation', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-route-walk-'));
  let platform: Running | undefined;
  let base: string;
  let routes: Route[];

  beforeAll(async () => {
    const [http, pg, s3, sip] = [await freePort(), await freePort(), await freePort(), await freeSipPort()];
    base = `http://127.0.0.1:${http}`;
    const rtp = 45000 + 2 * Math.floor(Math.random() * 500);
    platform = await startPlatform({
      PARLEY_DATA_DIR: dataDir,
      HTTP_PORT: String(http),
      PARLEY_PG_PORT: String(pg),
      PARLEY_S3_PORT: String(s3),
      SIP_PORT: String(sip),
      RTP_PORT_MIN: String(rtp),
      RTP_PORT_MAX: String(rtp + 99),
      PARLEY_DEMO_PASSWORD: PASSWORD,
    });
    const document = (await json(`${base}/api/docs/openapi.json`)).body as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })));
    routes.push({ method: 'GET', path: '/api/v1/internal/v1/voice-directory' });
  }, 150_000);

  afterAll(async () => {
    if (platform) await stopWithCtrlC(platform).catch(() => platform?.child.kill('SIGKILL'));
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const login = async (tenant: string, email: string, password: string): Promise<string> => {
    const answer = await json(`${base}/api/v1/auth/login`, { method: 'POST', body: { tenant, email, password } });
    expect(answer.status).toBe(200);
    return (answer.body as { accessToken: string }).accessToken;
  };

  it('walks a real route list', () => {
    // The services' routes are all there (a broken OpenAPI document would make the walk empty).
    for (const prefix of ['/api/v1/users', '/api/v1/ivr/flows', '/api/v1/acd/queues', '/api/v1/acd/decisions', '/api/v1/cti/contacts', '/api/v1/cti/calls']) expect(routes.some((r) => r.path.startsWith(prefix))).toBe(true);
    expect(routes.length).toBeGreaterThan(50);
    // Every route named as an agent's is served (a stale name would make its check vacuous).
    expect([...AGENT_ROUTES].filter((r) => !routes.some((route) => key(route) === r))).toEqual([]);
  });

  it('answers 401 without a token on every route but the public ones (and the internal snapshot is 404 without its key)', async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const { status } = await call(base, route, {});
      const expected = route.path.startsWith('/api/v1/internal/') ? 404 : PUBLIC.has(key(route)) ? undefined : 401;
      if (expected === undefined ? status === 401 || status === 403 : status !== expected) wrong.push(`${key(route)} → ${status}`);
    }
    expect(wrong).toEqual([]);
  });

  it("keeps an agent's token out of every supervisor and admin route, and out of other agents' state", async () => {
    const token = await login('demo', 'agent1@demo.parley.local', PASSWORD);
    const me = (await json(`${base}/api/v1/me`, { token })).body as { id: string };
    const other = await login('demo', 'agent2@demo.parley.local', PASSWORD);
    const otherId = ((await json(`${base}/api/v1/me`, { token: other })).body as { id: string }).id;
    const wrong: string[] = [];
    for (const route of routes) {
      if (PUBLIC.has(key(route))) continue;
      const { status } = await call(base, route, { agentId: me.id, id: me.id }, token);
      if (route.path.startsWith('/api/v1/internal/')) {
        if (status !== 404) wrong.push(`${key(route)} → ${status}`);
      } else if (AGENT_ROUTES.has(key(route))) {
        if (status === 401 || status === 403) wrong.push(`${key(route)} → ${status} (an agent route)`);
      } else if (status !== 403) {
        wrong.push(`${key(route)} → ${status}`);
      }
    }
    expect(wrong).toEqual([]);
    // The agent routes about an agent: only its own (with a valid body, so the answer is about whose state it is).
    for (const route of routes.filter((r) => AGENT_ROUTES.has(key(r)) && r.path.includes('{agentId}'))) {
      expect(`${key(route)} → ${(await call(base, route, { agentId: otherId }, token, { state: 'available' })).status}`).toBe(`${key(route)} → 403`);
    }
  });

  it("never answers the demo tenant's owner with another tenant's data, nor lets it change any", async () => {
    // Tenant acme, everything it creates marked.
    const signup = await json(`${base}/api/v1/signup`, {
      method: 'POST',
      body: { companyName: `Acme ${MARK}`, slug: 'acme', adminName: `Ada ${MARK}`, adminEmail: 'ada@acme.test', password: 'correct horse battery' },
    });
    expect(signup.status).toBe(201);
    const acme = await login('acme', 'ada@acme.test', 'correct horse battery');
    const ada = ((await json(`${base}/api/v1/me`, { token: acme })).body as { id: string }).id;
    const created = async (path: string, body: unknown, method = 'POST'): Promise<Record<string, unknown>> => {
      const answer = await json(`${base}${path}`, { method, token: acme, body });
      expect(`${path} → ${answer.status} ${answer.status >= 300 ? JSON.stringify(answer.body) : ''}`).toMatch(/→ 20[01] $/);
      return answer.body as Record<string, unknown>;
    };
    const user = await created('/api/v1/users', { name: `Bob ${MARK}`, email: 'bob@acme.test', role: 'agent', password: 'correct horse battery 2' });
    // Bob holds a seat, so he is one of acme's colleagues; acme has break reasons of its own.
    await created(`/api/v1/users/${String(user.id)}/seat`, {}, 'PUT');
    await created('/api/v1/acd/settings', { breakReasons: [{ code: 'nap', labels: { en: `Nap ${MARK}`, 'zh-CN': `Nap ${MARK}` } }] }, 'PUT');
    const number = await created('/api/v1/phone-numbers', { e164: '+14155550199' });
    await created('/api/v1/acd/skills', { skillId: 'billing', name: `Billing ${MARK}` });
    // The same queue id as the demo tenant's: an id is only unique within its tenant.
    await created('/api/v1/acd/queues', { queueId: 'sales', name: `Sales ${MARK}`, strategy: 'longest-idle', serviceLevel: { percent: 80, thresholdSeconds: 20 } });
    const flow = await created('/api/v1/ivr/flows', {
      document: {
        schemaVersion: 1,
        name: `Flow ${MARK}`,
        locales: ['en'],
        defaultLocale: 'en',
        startNodeId: 'bye',
        nodes: [{ id: 'bye', type: 'hangup', prompt: { en: [{ kind: 'text', text: `Bye ${MARK}`, locale: 'en' }] } }],
      },
    });
    const contact = await created('/api/v1/cti/contacts', { name: `Carol ${MARK}`, company: `Acme ${MARK}`, notes: MARK, phones: [{ number: '+14155550142' }] });
    const phones = contact.phones as { phoneId: string }[];
    const ticket = await created('/api/v1/cti/tickets', { subject: `Refund ${MARK}`, contactId: String(contact.contactId) });
    await created('/api/v1/cti/dispositions', { code: 'acme-secret', label: `Sold ${MARK}` });
    const acmeIds: Record<string, string> = {
      contactId: String(contact.contactId),
      phoneId: String(phones[0]?.phoneId),
      ticketId: String(ticket.ticketId),
      code: 'acme-secret',
      id: String(user.id),
      agentId: String(user.id),
      numberId: String(number.id),
      skillId: 'billing',
      queueId: 'sales',
      callId: randomUUID(),
      version: '1',
    };
    const flowId = String(flow.id);
    const secrets = [MARK, ada, String(user.id), String(number.id), flowId, '+14155550199', '+14155550142', acmeIds.contactId!, acmeIds.ticketId!];

    const demo = await login('demo', 'owner@demo.parley.local', PASSWORD);
    const leaks: string[] = [];
    for (const route of routes) {
      if (PUBLIC.has(key(route)) || route.path === '/api/v1/auth/logout') continue;
      const params = { ...acmeIds, id: route.path.startsWith('/api/v1/ivr/flows') ? flowId : route.path.startsWith('/api/v1/phone-numbers') ? String(number.id) : acmeIds.id! };
      const { status, text } = await call(base, route, params, demo);
      // A "not found" may name the id it was asked for: only what the caller did not send is a leak.
      const asked = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => params[m[1] as keyof typeof params]);
      const answered = asked.reduce((t, value) => (value ? t.split(value).join('') : t), text);
      const seen = secrets.filter((s) => answered.includes(s));
      if (seen.length > 0) leaks.push(`${key(route)} → ${status} shows ${seen.join(', ')}`);
      if (route.method !== 'GET' && status >= 200 && status < 300 && route.path.includes('{')) leaks.push(`${key(route)} → ${status}: a write with acme's ids succeeded`);
    }
    expect(leaks).toEqual([]);

    // Acme's data is as it was.
    expect((await json(`${base}/api/v1/users/${String(user.id)}`, { token: acme })).body).toEqual(expect.objectContaining({ name: `Bob ${MARK}`, role: 'agent' }));
    expect(JSON.stringify((await json(`${base}/api/v1/acd/queues/sales`, { token: acme })).body)).toContain(`Sales ${MARK}`);
    expect((await json(`${base}/api/v1/ivr/flows/${flowId}`, { token: acme })).status).toBe(200);
    expect(((await json(`${base}/api/v1/phone-numbers`, { token: acme })).body as { e164: string }[]).map((n) => n.e164)).toEqual(['+14155550199']);
    expect((await json(`${base}/api/v1/cti/contacts/${acmeIds.contactId}`, { token: acme })).body).toEqual(expect.objectContaining({ name: `Carol ${MARK}` }));
    expect((await json(`${base}/api/v1/cti/tickets/${acmeIds.ticketId}`, { token: acme })).body).toEqual(expect.objectContaining({ subject: `Refund ${MARK}` }));
  }, 120_000);
});
