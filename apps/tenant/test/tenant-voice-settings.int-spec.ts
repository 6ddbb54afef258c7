import { voiceSettingsUpdatedV1, type ApiErrorBody, type Envelope, type PayloadOf, type VoiceSettingsView } from '@parley/contracts';
import { type Subscription } from '@parley/messaging';
import { provisionDatabase, revertMigrations, runMigrations, UnitOfWork } from '@parley/persistence';
import { testEnvironment, uniqueName } from '@parley/testing';
import { Client } from 'pg';
import { DirectorySnapshotService, TENANT_SCHEMA, tenantMigrations } from '../src/index';
import { login, signUp, startTenantApp, TEST_PASSWORD, type SignedUpTenant, type TenantTestApp } from './tenant-test-app';

type VoiceSettingsEvent = PayloadOf<typeof voiceSettingsUpdatedV1>;

const PATH = '/api/v1/tenant/voice-settings';

async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A US number libphonenumber-js accepts, different on every call so parallel runs do not meet. */
function usNumber(): string {
  return `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`;
}

describe('voice emergency settings (real PostgreSQL, Redis, Kafka)', () => {
  let t: TenantTestApp;
  let uow: UnitOfWork;
  let subscription: Subscription;
  const published: Envelope[] = [];

  beforeAll(async () => {
    t = await startTenantApp();
    uow = new UnitOfWork(t.dataSource);
    // A consumer of the topic, as voice is: every event the relay publishes reaches it.
    subscription = await t.bus.subscribe({
      group: uniqueName('tenant-test.voice-settings'),
      topics: [voiceSettingsUpdatedV1],
      fromBeginning: true,
      handle: async ({ envelope }) => {
        published.push(envelope);
      },
    });
  }, 90_000);
  afterAll(async () => {
    await subscription?.close();
    await t?.close();
  }, 60_000);

  /** The tenant's voice-settings events in its outbox, oldest first. */
  async function outboxOf(tenantId: string): Promise<{ envelope: Envelope<VoiceSettingsEvent>; published_at: Date | null }[]> {
    return uow.inTenant(tenantId, (tx) => tx.manager.query(`SELECT envelope, published_at FROM tenant.outbox WHERE topic = $1 ORDER BY seq`, [voiceSettingsUpdatedV1.name]));
  }

  async function agentOf(co: SignedUpTenant): Promise<{ authorization: string }> {
    const email = `agent@${co.slug}.test`;
    await t.http.post('/api/v1/users').set(co.auth).send({ email, name: 'Agent', role: 'agent', password: TEST_PASSWORD }).expect(201);
    return { authorization: `Bearer ${(await login(t, co.slug, email, TEST_PASSWORD)).accessToken}` };
  }

  it('lets the owner set them: GET returns them, the change is in the outbox and published with the values, and the directory snapshot has them', async () => {
    const co = await signUp(t);
    const agent = await agentOf(co);
    const none = await t.http.get(PATH).set(co.auth).expect(200);
    expect(none.body).toEqual({ backupNumber: null, fallbackPrompt: null, updatedAt: null });

    const number = usNumber();
    const spaced = `${number.slice(0, 2)} (${number.slice(2, 5)}) ${number.slice(5, 8)}-${number.slice(8)}`;
    const put = await t.http
      .put(PATH)
      .set(co.auth)
      .send({ backupNumber: spaced, fallbackPrompt: { text: '  Sorry, our lines are down. We are putting you through.  ', locale: 'en' } });
    expect(put.status).toBe(200);
    const expected = { backupNumber: number, fallbackPrompt: { text: 'Sorry, our lines are down. We are putting you through.', locale: 'en' } };
    expect(put.body).toMatchObject(expected);
    expect(Date.parse((put.body as VoiceSettingsView).updatedAt!)).toBeGreaterThan(Date.now() - 60_000);

    // Owners, admins and supervisors read them; the backup number is not an agent's business.
    expect((await t.http.get(PATH).set(co.auth).expect(200)).body).toEqual(put.body);
    await t.http.get(PATH).set(agent).expect(403);

    const [row] = await outboxOf(co.tenant.id);
    expect(row!.envelope).toMatchObject({ type: voiceSettingsUpdatedV1.name, tenantId: co.tenant.id, key: co.tenant.id, payload: { tenantId: co.tenant.id, revision: 1, ...expected } });

    const first = await waitFor('the event on Kafka', () => published.find((e) => e.tenantId === co.tenant.id), 60_000);
    expect(first.payload).toEqual({ tenantId: co.tenant.id, revision: 1, ...expected, updatedAt: (put.body as VoiceSettingsView).updatedAt });
    // The relay marks the row published once Kafka acknowledged it, which may come after a consumer saw it.
    await waitFor('the outbox row marked published', async () => (await outboxOf(co.tenant.id))[0]!.published_at ?? undefined, 30_000);

    // Clearing the number: a second revision, published after the first.
    const cleared = await t.http.put(PATH).set(co.auth).send({ backupNumber: null, fallbackPrompt: { text: '我们暂时无法接听您的电话。', locale: 'zh-CN' } });
    expect(cleared.status).toBe(200);
    expect((await t.http.get(PATH).set(co.auth)).body).toMatchObject({ backupNumber: null, fallbackPrompt: { text: '我们暂时无法接听您的电话。', locale: 'zh-CN' } });
    const second = await waitFor('the second event on Kafka', () => published.find((e) => e.tenantId === co.tenant.id && (e.payload as VoiceSettingsEvent).revision === 2), 60_000);
    expect(second.payload).toMatchObject({ revision: 2, backupNumber: null, fallbackPrompt: { text: '我们暂时无法接听您的电话。', locale: 'zh-CN' } });
    expect(published.filter((e) => e.tenantId === co.tenant.id).map((e) => (e.payload as VoiceSettingsEvent).revision)).toEqual([1, 2]);

    // What voice loads when its event history is gone (all-in-one restarts).
    const snapshot = await t.app.get(DirectorySnapshotService).snapshot();
    expect(snapshot.voiceSettings.filter((v) => v.tenantId === co.tenant.id)).toEqual([
      { tenantId: co.tenant.id, revision: 2, backupNumber: null, fallbackPrompt: { text: '我们暂时无法接听您的电话。', locale: 'zh-CN' }, updatedAt: (cleared.body as VoiceSettingsView).updatedAt },
    ]);
  }, 120_000);

  it('refuses a change from an agent (403) or from nobody (401), and changes nothing', async () => {
    const co = await signUp(t);
    const agent = await agentOf(co);
    const body = { backupNumber: usNumber(), fallbackPrompt: null };
    const refused = await t.http.put(PATH).set(agent).send(body);
    expect(refused.status).toBe(403);
    expect((refused.body as ApiErrorBody).message).toMatch(/owner, admin/);
    expect((await t.http.put(PATH).send(body)).status).toBe(401);
    expect((await t.http.get(PATH)).status).toBe(401);

    expect((await t.http.get(PATH).set(co.auth)).body).toEqual({ backupNumber: null, fallbackPrompt: null, updatedAt: null });
    expect(await outboxOf(co.tenant.id)).toEqual([]);
  });

  it('answers bad numbers, locales and prompts with a 400 naming the field, and changes nothing', async () => {
    const co = await signUp(t);
    const own = usNumber();
    await t.http.post('/api/v1/phone-numbers').set(co.auth).send({ e164: own }).expect(201);
    const good = { backupNumber: usNumber(), fallbackPrompt: { text: 'Sorry.', locale: 'en' } };
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['a number without +country code', { ...good, backupNumber: '4155552671' }, 'backupNumber', /must start with \+/],
      ['a number too short for its country', { ...good, backupNumber: '+1415' }, 'backupNumber', /not a (valid )?phone number/],
      ['an unknown country code', { ...good, backupNumber: '+999123456789' }, 'backupNumber', /not a (valid )?phone number/],
      ['letters', { ...good, backupNumber: 'call me maybe' }, 'backupNumber', /.+/],
      // libs/http's fieldErrors words every wrong type as "is required" (zod 4 leaves the input out of its issues): only the field is asserted.
      ['a number that is not a string', { ...good, backupNumber: 14155552671 }, 'backupNumber', /.+/],
      ["one of the tenant's own numbers (a forwarding loop)", { ...good, backupNumber: own }, 'backupNumber', /own numbers/],
      ['a missing backupNumber', { fallbackPrompt: good.fallbackPrompt }, 'backupNumber', /is required/],
      ['an unknown locale', { ...good, fallbackPrompt: { text: 'Bonjour', locale: 'fr' } }, 'fallbackPrompt.locale', /en.*zh-CN/],
      ['a missing locale', { ...good, fallbackPrompt: { text: 'Sorry.' } }, 'fallbackPrompt.locale', /en.*zh-CN/],
      ['a prompt of 501 characters', { ...good, fallbackPrompt: { text: 'x'.repeat(501), locale: 'en' } }, 'fallbackPrompt.text', /at most 500 characters/],
      ['a blank prompt', { ...good, fallbackPrompt: { text: '   ', locale: 'en' } }, 'fallbackPrompt.text', /must not be empty/],
      ['a prompt with a NUL character', { ...good, fallbackPrompt: { text: 'Sorry\u0000', locale: 'en' } }, 'fallbackPrompt.text', /control characters/],
      ['a prompt that is a string', { ...good, fallbackPrompt: 'Sorry' }, 'fallbackPrompt', /.+/],
      ['an unknown field', { ...good, forwardTo: '+14155552671' }, 'forwardTo', /not a known field/],
    ];
    for (const [what, body, field, reason] of cases) {
      const res = await t.http.put(PATH).set(co.auth).send(body);
      const error = res.body as ApiErrorBody;
      expect({ what, status: res.status }).toEqual({ what, status: 400 });
      expect({ what, fields: error.fields }).toEqual({ what, fields: expect.arrayContaining([{ path: field, message: expect.stringMatching(reason) }]) });
      expect(error.message).toContain(field);
    }
    expect((await t.http.get(PATH).set(co.auth)).body).toEqual({ backupNumber: null, fallbackPrompt: null, updatedAt: null });
    expect(await outboxOf(co.tenant.id)).toEqual([]);

    // The limits themselves are fine: 500 characters, in either locale.
    const longest = await t.http.put(PATH).set(co.auth).send({ backupNumber: null, fallbackPrompt: { text: '抱'.repeat(500), locale: 'zh-CN' } });
    expect(longest.status).toBe(200);
    expect((longest.body as VoiceSettingsView).fallbackPrompt?.text).toHaveLength(500);
  });

  it("keeps each tenant's settings to itself (row-level security and the API)", async () => {
    const a = await signUp(t);
    const b = await signUp(t);
    const aSettings = { backupNumber: usNumber(), fallbackPrompt: { text: 'A is closed.', locale: 'en' } };
    await t.http.put(PATH).set(a.auth).send(aSettings).expect(200);

    expect((await t.http.get(PATH).set(b.auth)).body).toEqual({ backupNumber: null, fallbackPrompt: null, updatedAt: null });
    await t.http.put(PATH).set(b.auth).send({ backupNumber: null, fallbackPrompt: { text: 'B is closed.', locale: 'en' } }).expect(200);
    expect((await t.http.get(PATH).set(a.auth)).body).toMatchObject(aSettings);
    expect((await t.http.get(PATH).set(b.auth)).body).toMatchObject({ backupNumber: null, fallbackPrompt: { text: 'B is closed.', locale: 'en' } });

    const seenByB: unknown[] = await uow.inTenant(b.tenant.id, (tx) => tx.manager.query('SELECT * FROM tenant.voice_settings WHERE tenant_id = $1', [a.tenant.id]));
    expect(seenByB).toEqual([]);
    const changedByB = await uow.inTenant(b.tenant.id, (tx) => tx.manager.query(`UPDATE tenant.voice_settings SET backup_number = NULL WHERE tenant_id = $1`, [a.tenant.id]));
    expect(changedByB[1]).toBe(0);
    await expect(
      uow.inTenant(b.tenant.id, (tx) => tx.manager.query(`INSERT INTO tenant.voice_settings (tenant_id, revision) VALUES ($1, 9) ON CONFLICT (tenant_id) DO UPDATE SET revision = 9`, [a.tenant.id])),
    ).rejects.toThrow(/row-level security/);
    expect((await t.http.get(PATH).set(a.auth)).body).toMatchObject(aSettings);
  });

  // A database of its own: reverting in the shared one would pull the table from under the other suites.
  it('migrates down (the table and its policies go) and up again', async () => {
    const database = await provisionDatabase({ adminUrl: testEnvironment.pgAdminUrl(), database: 'parley_test_voice_settings', ownerPassword: 'parley-owner-test', appPassword: 'parley-app-test', recreate: true });
    const client = new Client({ connectionString: database.ownerUrl });
    await client.connect();
    try {
      const state = async (): Promise<{ table: string | null; policies: number }> => {
        const table = (await client.query<{ t: string | null }>(`SELECT to_regclass('tenant.voice_settings')::text AS t`)).rows[0]!.t;
        const policies = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_policies WHERE schemaname = 'tenant' AND tablename = 'voice_settings'`)).rows[0]!.n;
        return { table, policies };
      };
      await runMigrations({ ownerUrl: database.ownerUrl, schema: TENANT_SCHEMA, migrations: tenantMigrations });
      expect(await state()).toEqual({ table: 'tenant.voice_settings', policies: 2 });
      await revertMigrations({ ownerUrl: database.ownerUrl, schema: TENANT_SCHEMA, migrations: tenantMigrations, steps: 1 });
      expect(await state()).toEqual({ table: null, policies: 0 });
      expect(await runMigrations({ ownerUrl: database.ownerUrl, schema: TENANT_SCHEMA, migrations: tenantMigrations })).toEqual(['TenantVoiceSettings1764400000000']);
      expect(await state()).toEqual({ table: 'tenant.voice_settings', policies: 2 });
    } finally {
      await client.end();
      const admin = new Client({ connectionString: testEnvironment.pgAdminUrl() });
      await admin.connect();
      await admin.query('DROP DATABASE IF EXISTS parley_test_voice_settings WITH (FORCE)').finally(() => admin.end());
    }
  }, 60_000);
});
