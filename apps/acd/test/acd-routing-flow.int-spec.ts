import { acdTopics, type Envelope } from '@parley/contracts';
import { type Subscription } from '@parley/messaging';
import { uniqueName } from '@parley/testing';
import { agentState, type AcdTestApp, baseQueue, configure, newTenant, prepareAgent, routeCall, seatAgent, startAcdApp, waitFor } from './acd-test-kit';
import { ScriptedVoice } from './scripted-voice';

let t: AcdTestApp;
let voice: ScriptedVoice;
let recorder: Subscription;
const events: Envelope[] = [];

beforeAll(async () => {
  t = await startAcdApp();
  voice = new ScriptedVoice(t.bus);
  await voice.start();
  recorder = await t.bus.subscribe({ group: uniqueName('acd-events'), topics: [...acdTopics], fromBeginning: false, handle: async ({ envelope }) => void events.push(envelope) });
}, 120_000);

afterAll(async () => {
  await recorder?.close();
  await voice?.stop();
  await t?.close();
});

const ofCall = (type: string, callId: string) => events.filter((e) => e.type === type && (e.payload as { callId?: string }).callId === callId);

describe('a routed call through the acd (scripted voice at the bus boundary)', () => {
  it('music on hold, the best agent rings out (487), the next one answers, wrap-up, available again; the decisions explain it and replay the same', async () => {
    const tenant = newTenant();
    voice.serve(tenant.tenantId);
    await configure(t, tenant, {
      skills: ['billing'],
      queues: [baseQueue('support', { strategy: 'best-skill-match', requiredSkills: [{ skillId: 'billing', minProficiency: 2 }], offerTimeoutSeconds: 10, afterCallWorkSeconds: 1, maxMissedOffers: 3 })],
    });
    const ann = await seatAgent(t, tenant);
    const bob = await seatAgent(t, tenant);
    const cy = await seatAgent(t, tenant);
    await prepareAgent(t, tenant, ann, { skills: [{ skillId: 'billing', proficiency: 5 }], queueIds: ['support'], state: 'available' });
    await prepareAgent(t, tenant, bob, { skills: [{ skillId: 'billing', proficiency: 3 }], queueIds: ['support'], state: 'available' });
    // cy lacks the proficiency the queue needs: never offered.
    await prepareAgent(t, tenant, cy, { skills: [{ skillId: 'billing', proficiency: 1 }], queueIds: ['support'], state: 'available' });
    voice.agents.set(ann, { kind: 'ring-out', afterMs: 100 });
    voice.agents.set(bob, { kind: 'answer', afterMs: 100 });

    const callId = await routeCall(t.bus, tenant, 'support', { attributes: { tier: 'gold' } });
    await waitFor('the bridge to bob', async () => voice.bridges(callId).includes(bob), 30_000);
    const commands = voice.of(callId).map((c) => c.command);
    expect(commands[0]).toEqual({ type: 'music-on-hold', on: true });
    expect(voice.bridges(callId)).toEqual([ann, bob]);
    const bridge = commands.find((c) => c.type === 'bridge-agent');
    // The voice ring timeout ends before the queue's 10 s offer timeout (the margin), so its 487 ends the offer.
    expect(bridge).toMatchObject({ type: 'bridge-agent', agentId: ann, afterHangup: 'end' });
    expect(bridge?.type === 'bridge-agent' && bridge.ringTimeoutMs).toBeGreaterThan(7_000);
    expect(bridge?.type === 'bridge-agent' && bridge.ringTimeoutMs).toBeLessThanOrEqual(8_500);
    expect(voice.of(callId).every((c) => c.issuedBy === 'acd')).toBe(true);

    await waitFor('bob on the call', async () => (await agentState(t, tenant, bob)).state === 'on-call');
    expect(await agentState(t, tenant, ann)).toMatchObject({ state: 'available', missedOffers: 1 });
    expect(await agentState(t, tenant, cy)).toMatchObject({ state: 'available' });

    await voice.end(tenant.tenantId, callId, 'caller-hangup');
    await waitFor('bob wrapping up', async () => (await agentState(t, tenant, bob)).state === 'after-call-work');
    expect(await agentState(t, tenant, bob)).toMatchObject({ callId });
    await waitFor('bob available after 1 s of wrap-up', async () => (await agentState(t, tenant, bob)).state === 'available', 10_000);

    const supervisor = await tenant.auth('supervisor');
    const explained = await t.http.get(`/api/v1/acd/decisions/${callId}`).set(supervisor);
    expect(explained.status).toBe(200);
    const decisions = explained.body.decisions as { agentIds: string[]; queueVersion: number; trigger: string; decidedBy: string; tiedOn: string[]; ranked: { agentId: string; factors: { skillScore: number; missedThisCall: boolean } }[]; summary: string }[];
    expect(decisions.map((d) => [d.agentIds, d.trigger, d.decidedBy, d.queueVersion])).toEqual([
      [[ann], 'call-enqueued', 'best-skill-match', 1],
      [[bob], 'offer-ended', 'missed-this-call', 1],
    ]);
    expect(decisions[0]?.ranked.map((r) => [r.agentId, r.factors.skillScore])).toEqual([
      [ann, 5],
      [bob, 3],
    ]);
    expect(decisions[1]?.ranked.map((r) => [r.agentId, r.factors.missedThisCall])).toEqual([
      [bob, false],
      [ann, true],
    ]);
    expect(decisions[0]?.summary).toContain('best-skill-match');
    const replay = await t.http.post(`/api/v1/acd/decisions/${callId}/replay`).set(supervisor);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ callId, matches: true, decisions: [{ matches: true, differences: [] }, { matches: true, differences: [] }] });

    // What the acd published about the call, in order.
    await waitFor('the events of the call', async () => ofCall('acd.call.assigned.v1', callId).length === 1);
    expect(ofCall('acd.call.queued.v1', callId).map((e) => e.payload)).toEqual([expect.objectContaining({ queueId: 'support', mode: 'live', overflowedFrom: null })]);
    expect(ofCall('acd.call.offered.v1', callId).map((e) => (e.payload as { agentIds: string[] }).agentIds)).toEqual([[ann], [bob]]);
    expect(ofCall('acd.call.offered.v1', callId)[0]?.payload).toMatchObject({ attributes: { tier: 'gold' }, voiceCallId: callId });
    expect(ofCall('acd.call.assigned.v1', callId)[0]?.payload).toMatchObject({ agentId: bob, queueId: 'support' });
    const bobStates = events.filter((e) => e.type === 'acd.agent.state-changed.v1' && (e.payload as { agentId: string }).agentId === bob).map((e) => (e.payload as { to: string }).to);
    expect(bobStates).toEqual(['available', 'reserved', 'on-call', 'after-call-work', 'available']);
    await waitFor('queue statistics with the answered call', async () =>
      events.some((e) => e.type === 'acd.queue.stats.v1' && e.tenantId === tenant.tenantId && (e.payload as { today: { answered: number } }).today.answered === 1),
    );

    const stats = await t.http.get('/api/v1/acd/queues/support/stats').set(supervisor);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ queueId: 'support', waiting: 0, agentsByState: { available: 3 }, today: { answered: 1, answeredWithinThreshold: 1, serviceLevel: 1 } });
    const agentStats = await t.http.get('/api/v1/acd/agents/stats').set(supervisor);
    expect(agentStats.status).toBe(200);
    expect((agentStats.body as { agentId: string; today: { callsHandled: number } }[]).find((s) => s.agentId === bob)).toMatchObject({ state: 'available', today: { callsHandled: 1 } });
  }, 90_000);

  it('a caller who hangs up while queued is abandoned; a missed offer N times sends the agent on a break', async () => {
    const tenant = newTenant();
    voice.serve(tenant.tenantId);
    await configure(t, tenant, { queues: [baseQueue('sales', { maxMissedOffers: 2, offerTimeoutSeconds: 5 })] });
    const dan = await seatAgent(t, tenant);
    await prepareAgent(t, tenant, dan, { queueIds: ['sales'] });
    voice.agents.set(dan, { kind: 'unregistered' });

    const waiting = await routeCall(t.bus, tenant, 'sales');
    await waitFor('music on hold', async () => voice.of(waiting).length === 1);
    await voice.end(tenant.tenantId, waiting);
    await waitFor('the abandoned event', async () => ofCall('acd.call.abandoned.v1', waiting).length === 1);
    expect(ofCall('acd.call.abandoned.v1', waiting)[0]?.payload).toMatchObject({ queueId: 'sales', reason: 'caller-hangup' });

    const ringing = await routeCall(t.bus, tenant, 'sales');
    await waitFor('music on hold', async () => voice.of(ringing).length === 1);
    const supervisor = await tenant.auth('supervisor');
    expect((await t.http.put(`/api/v1/acd/agents/${dan}/state`).set(supervisor).send({ state: 'available' })).status).toBe(200);
    await waitFor('dan on a break after two misses', async () => (await agentState(t, tenant, dan)).state === 'break', 20_000);
    expect(await agentState(t, tenant, dan)).toMatchObject({ state: 'break', reason: 'missed-offers', missedOffers: 2 });
    expect(voice.bridges(ringing)).toEqual([dan, dan]);
    const stats = await t.http.get('/api/v1/acd/queues/sales/stats').set(supervisor);
    expect(stats.body).toMatchObject({ waiting: 1, agentsByState: { break: 1 }, today: { abandoned: 1 } });
    await voice.end(tenant.tenantId, ringing);
  }, 60_000);
});
