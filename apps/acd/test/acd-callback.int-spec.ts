import { acdCallAbandonedV1, acdCallAssignedV1, type Envelope } from '@parley/contracts';
import { type Subscription } from '@parley/messaging';
import { uniqueName } from '@parley/testing';
import { agentState, type AcdTestApp, baseQueue, configure, newTenant, prepareAgent, routeCall, seatAgent, startAcdApp, waitFor } from './acd-test-kit';
import { ScriptedVoice } from './scripted-voice';

let t: AcdTestApp;
let voice: ScriptedVoice;
let recorder: Subscription;
const events: Envelope[] = [];

beforeAll(async () => {
  t = await startAcdApp({ overrides: { ACD_CALLBACK_MAX_ATTEMPTS: '2', ACD_CALLBACK_RETRY_SECONDS: '5' } });
  voice = new ScriptedVoice(t.bus);
  await voice.start();
  recorder = await t.bus.subscribe({ group: uniqueName('acd-callback-events'), topics: [acdCallAssignedV1, acdCallAbandonedV1], fromBeginning: false, handle: async ({ envelope }) => void events.push(envelope) });
}, 120_000);

afterAll(async () => {
  await recorder?.close();
  await voice?.stop();
  await t?.close();
});

describe('queue callback', () => {
  it('keeps the caller’s place; when it comes up the agent is reserved, the customer is called back (originate) and bridged; an unreachable customer is retried, then given up', async () => {
    const tenant = newTenant();
    voice.serve(tenant.tenantId);
    await configure(t, tenant, { queues: [baseQueue('sales', { offerTimeoutSeconds: 20, maxWaitSeconds: 600, overflow: { kind: 'voicemail' } })] });
    const ann = await seatAgent(t, tenant);
    await prepareAgent(t, tenant, ann, { queueIds: ['sales'] });
    voice.agents.set(ann, { kind: 'answer', afterMs: 50 });
    voice.customers.set('+14155550199', { kind: 'answer', afterMs: 100 });

    const live = await routeCall(t.bus, tenant, 'sales');
    await waitFor('the live caller on hold', async () => voice.of(live).length === 1);
    // The callback was asked for a minute ago (its place is older than the live call's).
    const callback = await routeCall(t.bus, tenant, 'sales', { mode: 'callback', callbackNumber: '+14155550199', afterAgent: 'end', routedAt: new Date(Date.now() - 60_000).toISOString() });
    const supervisor = await tenant.auth('supervisor');
    await waitFor('two calls waiting', async () => (await t.http.get('/api/v1/acd/queues/sales/stats').set(supervisor)).body.waiting === 2);
    expect((await t.http.get('/api/v1/acd/queues/sales/stats').set(supervisor)).body.longestWaitMs).toBeGreaterThanOrEqual(60_000);
    // Nobody is on the line for a callback: no command goes to the original call.
    expect(voice.of(callback)).toEqual([]);

    expect((await t.http.put(`/api/v1/acd/agents/${ann}/state`).set(supervisor).send({ state: 'available' })).status).toBe(200);
    const originate = await waitFor('the call to the customer', async () => voice.commands.find((c) => c.command.type === 'originate'));
    expect(originate.command).toMatchObject({ type: 'originate', to: '+14155550199', callerId: '+18005550100' });
    expect(originate.voiceCallId).not.toBe(callback);
    const outbound = originate.voiceCallId;
    await waitFor('ann bridged to the customer', async () => voice.bridges(outbound).includes(ann));
    expect(voice.of(outbound).map((c) => c.command.type)).toEqual(['originate', 'music-on-hold', 'bridge-agent']);
    await waitFor('the callback assigned', async () => events.some((e) => e.type === acdCallAssignedV1.name && (e.payload as { callId: string }).callId === callback));
    expect(events.find((e) => (e.payload as { callId: string }).callId === callback)?.payload).toMatchObject({ agentId: ann, voiceCallId: outbound, queueId: 'sales' });
    expect(await agentState(t, tenant, ann)).toMatchObject({ state: 'on-call', callId: callback });
    // The live caller still waits; when the callback call ends, ann takes it.
    expect(voice.bridges(live)).toEqual([]);
    await voice.end(tenant.tenantId, outbound, 'remote-hangup');
    await waitFor('ann bridged to the live caller', async () => voice.bridges(live).includes(ann));
    await waitFor('ann on the live call', async () => (await agentState(t, tenant, ann)).callId === live && (await agentState(t, tenant, ann)).state === 'on-call');
    await voice.end(tenant.tenantId, live);
    await waitFor('ann available', async () => (await agentState(t, tenant, ann)).state === 'available');

    // A customer who does not answer: the agent is freed at once, the callback is tried again later, then given up.
    voice.customers.set('+14155550111', { kind: 'no-answer' });
    const unreachable = await routeCall(t.bus, tenant, 'sales', { mode: 'callback', callbackNumber: '+14155550111', afterAgent: 'end' });
    const attempts = () => voice.commands.filter((c) => c.command.type === 'originate' && c.command.to === '+14155550111');
    await waitFor('the first attempt', async () => attempts().length === 1);
    await waitFor('ann free again after the failed attempt', async () => (await agentState(t, tenant, ann)).state === 'available');
    expect(await agentState(t, tenant, ann)).toMatchObject({ missedOffers: 0 });
    await waitFor('the second attempt, about 5 s later', async () => attempts().length === 2, 20_000);
    expect((attempts()[1]?.receivedAt ?? 0) - (attempts()[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(4_500);
    await waitFor('the callback given up', async () => events.some((e) => e.type === acdCallAbandonedV1.name && (e.payload as { callId: string }).callId === unreachable), 20_000);
    expect(events.find((e) => e.type === acdCallAbandonedV1.name && (e.payload as { callId: string }).callId === unreachable)?.payload).toMatchObject({ reason: 'callback-unreachable' });
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(attempts()).toHaveLength(2);
    const stats = await t.http.get('/api/v1/acd/queues/sales/stats').set(supervisor);
    expect(stats.body).toMatchObject({ waiting: 0, today: { answered: 2, abandoned: 1 } });
  }, 120_000);
});
