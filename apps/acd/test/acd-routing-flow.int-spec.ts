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

describe('transfer and consultation with a queue (scripted voice at the bus boundary)', () => {
  it('the agent leaves (release, after-call work with its end), the caller waits in the target queue and the next agent there gets the call; refusals name why', async () => {
    const tenant = newTenant();
    voice.serve(tenant.tenantId);
    await configure(t, tenant, {
      queues: [baseQueue('sales', { name: 'Sales', afterCallWorkSeconds: 30 }), baseQueue('billing', { name: 'Billing', afterCallWorkSeconds: 0 })],
    });
    const ann = await seatAgent(t, tenant);
    const bob = await seatAgent(t, tenant);
    await prepareAgent(t, tenant, ann, { queueIds: ['sales'], state: 'available' });
    await prepareAgent(t, tenant, bob, { queueIds: ['billing'], state: 'available' });
    voice.agents.set(ann, { kind: 'answer', afterMs: 50 });
    voice.agents.set(bob, { kind: 'answer', afterMs: 50 });
    const annAuth = await tenant.auth('agent', ann);
    const bobAuth = await tenant.auth('agent', bob);

    const callId = await routeCall(t.bus, tenant, 'sales', { skills: [] });
    await waitFor('ann on the call', async () => (await agentState(t, tenant, ann)).state === 'on-call');

    // What ann may transfer to: the queues with their load, the agents' states.
    const targets = await t.http.get('/api/v1/acd/transfer-targets').set(annAuth);
    expect(targets.status).toBe(200);
    expect(targets.body).toEqual({
      queues: [
        { queueId: 'billing', name: 'Billing', waiting: 0, availableAgents: 1 },
        { queueId: 'sales', name: 'Sales', waiting: 0, availableAgents: 0 },
      ],
      agents: expect.arrayContaining([
        { agentId: ann, state: 'on-call' },
        { agentId: bob, state: 'available' },
      ]),
    });

    // Refusals: not your call, unknown queue, a bad body, an unknown call.
    const notHis = await t.http.post(`/api/v1/acd/calls/${callId}/transfer`).set(bobAuth).send({ queueId: 'billing' });
    expect(notHis.status).toBe(409);
    expect(notHis.body.message).toContain('connected to another agent');
    const unknownQueue = await t.http.post(`/api/v1/acd/calls/${callId}/transfer`).set(annAuth).send({ queueId: 'nope' });
    expect(unknownQueue.status).toBe(404);
    expect(unknownQueue.body.message).toContain('queue nope');
    const badBody = await t.http.post(`/api/v1/acd/calls/${callId}/transfer`).set(annAuth).send({ queueId: 'Not A Queue' });
    expect(badBody.status).toBe(400);
    expect(JSON.stringify(badBody.body)).toContain('queueId');
    const unknownCall = await t.http.post('/api/v1/acd/calls/00000000-0000-4000-8000-000000000001/transfer').set(annAuth).send({ queueId: 'billing' });
    expect(unknownCall.status).toBe(404);
    expect((await agentState(t, tenant, ann)).state).toBe('on-call');

    const transferred = await t.http.post(`/api/v1/acd/calls/${callId}/transfer`).set(annAuth).send({ queueId: 'billing' });
    expect(transferred.status).toBe(202);
    expect(transferred.body).toEqual({ callId, fromQueueId: 'sales', queueId: 'billing', fromAgentId: ann, status: 'waiting' });

    await waitFor('bob on the call', async () => (await agentState(t, tenant, bob)).state === 'on-call');
    // Voice was told to release ann before bob was rung.
    const commands = voice.of(callId).map((c) => c.command.type);
    expect(commands.indexOf('release')).toBeGreaterThan(commands.indexOf('bridge-agent'));
    expect(commands.lastIndexOf('bridge-agent')).toBeGreaterThan(commands.indexOf('release'));
    expect(voice.bridges(callId)).toEqual([ann, bob]);

    // Ann wraps up for her queue's 30 s, and her desktop knows when that ends.
    const annState = await t.http.get(`/api/v1/acd/agents/${ann}/state`).set(annAuth);
    expect(annState.body).toMatchObject({ state: 'after-call-work', callId });
    const acwMs = Date.parse(annState.body.acwEndsAt as string) - Date.parse(annState.body.since as string);
    expect(acwMs).toBe(30_000);
    await waitFor('the events of the transfer', async () => ofCall('acd.call.assigned.v1', callId).length === 2);
    expect(ofCall('acd.call.transferred.v1', callId).map((e) => e.payload)).toEqual([
      expect.objectContaining({ callId, voiceCallId: callId, fromQueueId: 'sales', queueId: 'billing', fromAgentId: ann, requestedBy: ann }),
    ]);
    expect(ofCall('acd.call.queued.v1', callId).map((e) => (e.payload as { queueId: string }).queueId)).toEqual(['sales', 'billing']);
    expect(ofCall('acd.call.assigned.v1', callId).map((e) => [(e.payload as { agentId: string }).agentId, (e.payload as { queueId: string }).queueId])).toEqual([
      [ann, 'sales'],
      [bob, 'billing'],
    ]);
    const annToAcw = events.find((e) => e.type === 'acd.agent.state-changed.v1' && (e.payload as { agentId: string; to: string }).agentId === ann && (e.payload as { to: string }).to === 'after-call-work');
    expect(Date.parse((annToAcw?.payload as { acwEndsAt: string }).acwEndsAt) - Date.parse((annToAcw?.payload as { at: string }).at)).toBe(30_000);

    // Ann cannot transfer the call again (she is not on it); a supervisor may move bob's call.
    const again = await t.http.post(`/api/v1/acd/calls/${callId}/transfer`).set(annAuth).send({ queueId: 'sales' });
    expect(again.status).toBe(409);
    const supervisor = await tenant.auth('supervisor');
    const bySupervisor = await t.http.post(`/api/v1/acd/calls/${callId}/transfer`).set(supervisor).send({ queueId: 'sales' });
    expect(bySupervisor.status).toBe(202);
    expect(bySupervisor.body).toMatchObject({ fromQueueId: 'billing', queueId: 'sales', fromAgentId: bob });
    // Billing has no after-call work: bob is free at once; nobody in sales is available (ann wraps up), so the caller waits.
    await waitFor('bob available', async () => (await agentState(t, tenant, bob)).state === 'available');
    const stats = await t.http.get('/api/v1/acd/queues/sales/stats').set(supervisor);
    expect(stats.body).toMatchObject({ queueId: 'sales', waiting: 1 });

    // The caller hangs up while waiting: abandoned in sales, and gone for good.
    await voice.end(tenant.tenantId, callId, 'caller-hangup');
    await waitFor('the abandon', async () => ofCall('acd.call.abandoned.v1', callId).length === 1);
    expect(ofCall('acd.call.abandoned.v1', callId)[0]?.payload).toMatchObject({ queueId: 'sales' });
    const afterEnd = await t.http.post(`/api/v1/acd/calls/${callId}/transfer`).set(supervisor).send({ queueId: 'billing' });
    expect(afterEnd.status).toBe(404);
  }, 90_000);

  it('a consultation with a queue: the queue picks its agent (the next one when the first does not answer), cancel frees them, completion hands the call over in that queue', async () => {
    const tenant = newTenant();
    voice.serve(tenant.tenantId);
    await configure(t, tenant, {
      queues: [baseQueue('sales', { name: 'Sales', afterCallWorkSeconds: 30 }), baseQueue('billing', { name: 'Billing', afterCallWorkSeconds: 0 })],
    });
    const ann = await seatAgent(t, tenant);
    const bob = await seatAgent(t, tenant);
    const cy = await seatAgent(t, tenant);
    await prepareAgent(t, tenant, ann, { queueIds: ['sales'], state: 'available' });
    await prepareAgent(t, tenant, bob, { queueIds: ['billing'] });
    await prepareAgent(t, tenant, cy, { queueIds: ['billing'] });
    voice.agents.set(ann, { kind: 'answer', afterMs: 50 });
    voice.agents.set(bob, { kind: 'ring-out', afterMs: 100 });
    voice.agents.set(cy, { kind: 'answer', afterMs: 50 });
    const annAuth = await tenant.auth('agent', ann);
    const consult = (auth: { authorization: string }, queueId: string) => t.http.post(`/api/v1/acd/calls/${callId}/consult`).set(auth).send({ queueId });

    const callId = await routeCall(t.bus, tenant, 'sales', { skills: [] });
    await waitFor('ann on the call', async () => (await agentState(t, tenant, ann)).state === 'on-call');

    // Nobody of billing is free: the consultation is refused (it does not wait in the queue).
    const nobody = await consult(annAuth, 'billing');
    expect(nobody.status).toBe(409);
    expect(nobody.body.message).toContain('no agent of queue billing is available');
    expect((await consult(await tenant.auth('agent', bob), 'billing')).status).toBe(409);

    // Bob (longest idle) is consulted first and rings out; the queue goes on to cy, who answers.
    await t.http.put(`/api/v1/acd/agents/${bob}/state`).set(await tenant.auth('admin')).send({ state: 'available' }).expect(200);
    await t.http.put(`/api/v1/acd/agents/${cy}/state`).set(await tenant.auth('admin')).send({ state: 'available' }).expect(200);
    const first = await consult(annAuth, 'billing');
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ callId, queueId: 'billing', agentId: bob, status: 'ringing', decisionId: expect.any(String) });
    expect((await consult(annAuth, 'billing')).status).toBe(409);
    await waitFor('cy consulted', async () => (await agentState(t, tenant, cy)).state === 'on-call');
    expect(await agentState(t, tenant, cy)).toMatchObject({ callId });
    expect(await agentState(t, tenant, bob)).toMatchObject({ state: 'available', missedOffers: 1 });
    expect(voice.of(callId).filter((c) => c.command.type === 'consult').map((c) => (c.command.type === 'consult' && c.command.target.kind === 'agent' ? c.command.target.agentId : null))).toEqual([bob, cy]);

    // Ann cancels: cy is free at once (no after-call work for a consultation), ann still has the call.
    await voice.cancelConsult(tenant.tenantId, callId, cy);
    await waitFor('cy free again', async () => (await agentState(t, tenant, cy)).state === 'available');
    expect((await agentState(t, tenant, ann)).state).toBe('on-call');

    // Again, and completed: cy has the call, in billing; ann wraps up for sales.
    voice.agents.set(bob, { kind: 'answer', afterMs: 50 });
    const second = await consult(annAuth, 'billing');
    expect(second.status).toBe(202);
    const consulted = second.body.agentId as string;
    await waitFor('the second consultation answered', async () => (await agentState(t, tenant, consulted)).state === 'on-call');
    await voice.completeConsult(tenant.tenantId, callId, consulted);
    await waitFor('ann wrapping up', async () => (await agentState(t, tenant, ann)).state === 'after-call-work');
    expect(await agentState(t, tenant, consulted)).toMatchObject({ state: 'on-call', callId });
    await waitFor('the call assigned to the consulted agent', async () => ofCall('acd.call.assigned.v1', callId).length === 2);
    expect(ofCall('acd.call.assigned.v1', callId).map((e) => [(e.payload as { agentId: string }).agentId, (e.payload as { queueId: string }).queueId])).toEqual([
      [ann, 'sales'],
      [consulted, 'billing'],
    ]);
    // Consultations are not calls of the queue: no queued or offered event, no call in billing's statistics before the handover.
    expect(ofCall('acd.call.queued.v1', callId).map((e) => (e.payload as { queueId: string }).queueId)).toEqual(['sales']);
    expect(events.filter((e) => e.type === 'acd.call.offered.v1' && (e.payload as { queueId: string }).queueId === 'billing' && e.tenantId === tenant.tenantId)).toEqual([]);

    // The caller hangs up: the consulted agent's call ends in billing (no after-call work there).
    await voice.end(tenant.tenantId, callId, 'caller-hangup');
    await waitFor('the consulted agent free', async () => (await agentState(t, tenant, consulted)).state === 'available');
    const stats = await t.http.get('/api/v1/acd/queues/billing/stats').set(await tenant.auth('supervisor'));
    expect(stats.body).toMatchObject({ queueId: 'billing', waiting: 0, today: { answered: 1 } });
    const agentStats = await t.http.get('/api/v1/acd/agents/stats').set(await tenant.auth('supervisor'));
    expect((agentStats.body as { agentId: string; today: { callsHandled: number } }[]).find((x) => x.agentId === consulted)?.today.callsHandled).toBe(1);
  }, 90_000);
});
