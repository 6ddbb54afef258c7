import { randomUUID } from 'node:crypto';
import { UnitOfWork } from '@parley/persistence';
import { type AcdTestApp, newTenant, seatAgent, startAcdApp } from './acd-test-kit';

let t: AcdTestApp;

beforeAll(async () => {
  t = await startAcdApp();
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const fieldsOf = (body: unknown): string[] => ((body as { fields?: { path: string }[] }).fields ?? []).map((f) => f.path).sort();
const reason = (code: string, en = `${code} (en)`, zh = `${code}（中文）`) => ({ code, labels: { en, 'zh-CN': zh } });
const DEFAULT_CODES = ['lunch', 'short-break', 'training', 'meeting', 'coaching'];

describe('break reasons, a tenant setting of the acd', () => {
  it('a tenant that set none gets the default list, with English and Chinese labels, readable by agents and supervisors', async () => {
    const tenant = newTenant();
    for (const role of ['agent', 'supervisor', 'admin', 'owner'] as const) {
      const res = await t.http.get('/api/v1/acd/settings/break-reasons').set(await tenant.auth(role));
      expect([role, res.status]).toEqual([role, 200]);
      expect(res.body.isDefault).toBe(true);
      expect(res.body.breakReasons.map((r: { code: string }) => r.code)).toEqual(DEFAULT_CODES);
    }
    const defaults = (await t.http.get('/api/v1/acd/settings/break-reasons').set(await tenant.auth('agent'))).body.breakReasons;
    expect(defaults[0]).toEqual({ code: 'lunch', labels: { en: 'Lunch', 'zh-CN': '午餐' } });
    expect((await t.http.get('/api/v1/acd/settings').set(await tenant.auth('supervisor'))).body).toEqual({ timeZone: 'UTC', breakReasons: defaults });
    expect((await t.http.get('/api/v1/acd/settings/break-reasons')).status).toBe(401);
    // Agents read the reasons, not the other settings.
    expect((await t.http.get('/api/v1/acd/settings').set(await tenant.auth('agent'))).status).toBe(403);
  });

  it('owners and admins replace the list (order kept, labels trimmed); the time zone stays; supervisors and agents may not', async () => {
    const tenant = newTenant();
    const owner = await tenant.auth('owner');
    const list = [reason('wellbeing', '  Wellbeing ', '身心健康'), reason('lunch', 'Lunch', '午餐'), reason('team-huddle')];
    const saved = await t.http.put('/api/v1/acd/settings').set(owner).send({ breakReasons: list });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ timeZone: 'UTC', breakReasons: [reason('wellbeing', 'Wellbeing', '身心健康'), list[1], list[2]] });
    const read = await t.http.get('/api/v1/acd/settings/break-reasons').set(await tenant.auth('agent'));
    expect(read.body).toEqual({ isDefault: false, breakReasons: saved.body.breakReasons });

    // The time zone alone leaves the reasons as they are, and the other way round.
    expect((await t.http.put('/api/v1/acd/settings').set(await tenant.auth('admin')).send({ timeZone: 'Asia/Shanghai' })).body).toEqual({ timeZone: 'Asia/Shanghai', breakReasons: saved.body.breakReasons });
    const shorter = await t.http.put('/api/v1/acd/settings').set(await tenant.auth('admin')).send({ breakReasons: [reason('lunch', 'Lunch break', '午休')] });
    expect(shorter.body).toEqual({ timeZone: 'Asia/Shanghai', breakReasons: [reason('lunch', 'Lunch break', '午休')] });

    for (const role of ['supervisor', 'agent'] as const) {
      expect((await t.http.put('/api/v1/acd/settings').set(await tenant.auth(role)).send({ breakReasons: list })).status).toBe(403);
    }
    expect((await t.http.get('/api/v1/acd/settings/break-reasons').set(owner)).body.breakReasons).toEqual([reason('lunch', 'Lunch break', '午休')]);
  });

  it('refuses a bad list with 400 naming the entry and the field, and keeps the list it had', async () => {
    const tenant = newTenant();
    const owner = await tenant.auth('owner');
    const put = (body: unknown) => t.http.put('/api/v1/acd/settings').set(owner).send(body as object);
    const twice = await put({ breakReasons: [reason('lunch'), reason('meeting'), reason('lunch')] });
    expect(twice.status).toBe(400);
    expect(fieldsOf(twice.body)).toEqual(['breakReasons.2.code']);
    expect(twice.body.message).toContain('lunch is listed twice');
    const bad = await put({ breakReasons: [reason('ok'), { code: 'Not A Code', labels: { en: 'x', 'zh-CN': 'x' } }, { code: 'no-zh', labels: { en: 'x' } }, { code: 'blank', labels: { en: '   ', 'zh-CN': 'x' } }, reason('missed-offers')] });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['breakReasons.1.code', 'breakReasons.2.labels.zh-CN', 'breakReasons.3.labels.en', 'breakReasons.4.code']);
    expect(fieldsOf((await put({ breakReasons: [] })).body)).toEqual(['breakReasons']);
    expect(fieldsOf((await put({ breakReasons: Array.from({ length: 31 }, (_, i) => reason(`r${i}`)) })).body)).toEqual(['breakReasons']);
    // (libs/http names an unknown key by itself, without the entry's path.)
    const extra = await put({ breakReasons: [{ ...reason('extra'), colour: 'red' }] });
    expect([extra.status, fieldsOf(extra.body)]).toEqual([400, ['colour']]);
    expect((await put({})).status).toBe(400);
    expect((await put({ breakReasons: 'lunch' })).status).toBe(400);
    // Thirty is allowed.
    expect((await put({ breakReasons: Array.from({ length: 30 }, (_, i) => reason(`r${i}`)) })).status).toBe(200);
    expect((await put({ breakReasons: [reason('lunch'), reason('lunch')] })).status).toBe(400);
    expect((await t.http.get('/api/v1/acd/settings/break-reasons').set(owner)).body.breakReasons).toHaveLength(30);
  });

  it("keeps each tenant's list to itself: another tenant reads its own (the defaults), and no row is visible across tenants", async () => {
    const a = newTenant();
    const b = newTenant();
    expect((await t.http.put('/api/v1/acd/settings').set(await a.auth('owner')).send({ breakReasons: [reason('a-only')] })).status).toBe(200);
    const bView = await t.http.get('/api/v1/acd/settings/break-reasons').set(await b.auth('agent'));
    expect(bView.body.isDefault).toBe(true);
    expect(bView.body.breakReasons.map((r: { code: string }) => r.code)).toEqual(DEFAULT_CODES);
    expect(JSON.stringify((await t.http.get('/api/v1/acd/settings').set(await b.auth('owner'))).body)).not.toContain('a-only');

    const uow = new UnitOfWork(t.dataSource);
    const count = async (tenantId: string | null): Promise<number> => {
      const sql = 'SELECT count(*)::int AS n FROM acd.break_reasons';
      const rows = (tenantId === null ? await t.dataSource.query(sql) : await uow.inTenant(tenantId, (tx) => tx.manager.query(sql))) as { n: number }[];
      return rows[0]?.n ?? -1;
    };
    expect(await count(a.tenantId)).toBe(1);
    expect(await count(b.tenantId)).toBe(0);
    expect(await count(null)).toBe(0);
    // B can neither change nor remove A's rows, nor write one for A.
    const [, deleted] = (await uow.inTenant(b.tenantId, (tx) => tx.manager.query('DELETE FROM acd.break_reasons WHERE tenant_id = $1', [a.tenantId]))) as [unknown, number];
    expect(deleted).toBe(0);
    await expect(
      uow.inTenant(b.tenantId, (tx) => tx.manager.query(`INSERT INTO acd.break_reasons (tenant_id, code, position, label_en, label_zh_cn) VALUES ($1, 'planted', 1, 'x', 'x')`, [a.tenantId])),
    ).rejects.toThrow(/row-level security/);
    // B saving its own list leaves A's alone.
    await t.http.put('/api/v1/acd/settings').set(await b.auth('owner')).send({ breakReasons: [reason('b-only')] }).expect(200);
    expect((await t.http.get('/api/v1/acd/settings/break-reasons').set(await a.auth('agent'))).body.breakReasons.map((r: { code: string }) => r.code)).toEqual(['a-only']);
  });

  it("a break must name one of the tenant's reasons: 400 listing them otherwise, and the state does not change", async () => {
    const tenant = newTenant();
    const agentId = await seatAgent(t, tenant);
    const agent = await tenant.auth('agent', agentId);
    const supervisor = await tenant.auth('supervisor');
    const state = (auth: { authorization: string }, body: object) => t.http.put(`/api/v1/acd/agents/${agentId}/state`).set(auth).send(body);

    // With the defaults, lunch is a reason and "supervisor" is not.
    expect((await state(agent, { state: 'break', reason: 'lunch' })).body).toMatchObject({ state: 'break', reason: 'lunch' });
    const unknownDefault = await state(supervisor, { state: 'break', reason: 'supervisor' });
    expect(unknownDefault.status).toBe(400);
    expect(unknownDefault.body.message).toBe(`reason supervisor must be one of the break reasons of this company: ${DEFAULT_CODES.join(', ')}`);

    await t.http.put('/api/v1/acd/settings').set(await tenant.auth('admin')).send({ breakReasons: [reason('wellbeing'), reason('team-huddle')] }).expect(200);
    const gone = await state(agent, { state: 'break', reason: 'training' });
    expect(gone.status).toBe(400);
    expect(gone.body.fields).toEqual([{ path: 'reason', message: 'must be one of the break reasons of this company: wellbeing, team-huddle' }]);
    // The engine's own reason is never asked for.
    expect((await state(agent, { state: 'break', reason: 'missed-offers' })).status).toBe(400);
    expect((await t.http.get(`/api/v1/acd/agents/${agentId}/state`).set(agent)).body).toMatchObject({ state: 'break', reason: 'lunch' });

    expect((await state(agent, { state: 'break', reason: 'team-huddle' })).body).toMatchObject({ state: 'break', reason: 'team-huddle' });
    // A break still needs a reason, and leaving a break needs none.
    expect(fieldsOf((await state(agent, { state: 'break' })).body)).toEqual(['reason']);
    expect((await state(agent, { state: 'available' })).body).toMatchObject({ state: 'available', reason: null });
    // An unknown agent is still a 404 first, whatever the reason.
    expect((await t.http.put(`/api/v1/acd/agents/${randomUUID()}/state`).set(supervisor).send({ state: 'break', reason: 'nope' })).status).toBe(404);
  }, 90_000);
});
