import { randomUUID } from 'node:crypto';
import { acdAgentStateChangedV1, acdAgentStatsV1, acdCallTransferredV1, acdQueueStatsV1, ctiWsCloseCodes, voiceCallEndedV1 } from '@parley/contracts';
import { uniqueName } from '@parley/testing';
import { redisCtiRealtime } from '../src/index';
import { assignCall, type CtiTestApp, newTenant, offerCall, publish, routeCall, seatAgent, startCtiApp, TestDesktop, ticketFor, unseatAgent, waitFor } from './cti-test-kit';

jest.setTimeout(90_000);

let one: CtiTestApp;
let two: CtiTestApp;
const desktops: TestDesktop[] = [];

beforeAll(async () => {
  // Two instances of one deployment: they share the consumer groups (each event is handled once) and Redis.
  const consumerGroupPrefix = uniqueName('cti-test').replace(/-/g, '_');
  one = await startCtiApp({ consumerGroupPrefix });
  two = await startCtiApp({ consumerGroupPrefix, overrides: { CTI_WS_HEARTBEAT_MS: '1000' } });
}, 180_000);

afterAll(async () => {
  for (const d of desktops) d.close();
  await one?.close();
  await two?.close();
});

async function open(t: CtiTestApp, auth: { authorization: string }, mode?: 'agent' | 'supervisor'): Promise<TestDesktop> {
  const desktop = await TestDesktop.open(t, await ticketFor(t, auth, mode));
  desktops.push(desktop);
  return desktop;
}

const queueStats = (queueId: string, waiting: number) => ({
  queueId,
  waiting,
  longestWaitMs: 1000,
  agentsByState: { offline: 0, available: 1, reserved: 0, 'on-call': 0, 'after-call-work': 0, break: 0 },
  today: { day: '2026-01-01', answered: 1, answeredWithinThreshold: 1, abandoned: 0, abandonedWithinThreshold: 0, overflowed: 0, serviceLevel: 1, averageSpeedOfAnswerMs: 1000 },
  asOf: new Date().toISOString(),
});

describe('desktop WebSocket', () => {
  it('admits only with a valid one-time ticket: none, unknown, reused and expired tickets are refused with 401', async () => {
    const tenant = newTenant();
    expect(await TestDesktop.refused(one, null)).toEqual({ status: 401, message: expect.stringContaining('a ticket is required') });
    expect(await TestDesktop.refused(one, 'made-up')).toEqual({ status: 401, message: 'the ticket is unknown, expired or already used' });

    const ticket = await ticketFor(one, await tenant.auth('supervisor'));
    const first = await TestDesktop.open(one, ticket);
    desktops.push(first);
    expect(first.messages[0]).toMatchObject({ type: 'welcome', mode: 'supervisor', tenantId: tenant.tenantId });
    expect((await TestDesktop.refused(one, ticket)).status).toBe(401);

    // A ticket issued for 1 s (the same Redis the app uses) is gone after it.
    const realtime = redisCtiRealtime(one.redis);
    const expiring = await realtime.tickets.issue({ tenantId: tenant.tenantId, userId: randomUUID(), role: 'supervisor', mode: 'supervisor' }, 1);
    await new Promise((r) => setTimeout(r, 1_300));
    expect((await TestDesktop.refused(one, expiring)).status).toBe(401);

    await one.http.post('/api/v1/cti/ws-tickets').send({}).expect(401);
    const agentAsSupervisor = await one.http.post('/api/v1/cti/ws-tickets').set(await tenant.auth('agent')).send({ mode: 'supervisor' });
    expect(agentAsSupervisor.status).toBe(403);
    const badMode = await one.http.post('/api/v1/cti/ws-tickets').set(await tenant.auth('agent')).send({ mode: 'boss' });
    expect(badMode.body.fields).toEqual([{ path: 'mode', message: 'must be agent or supervisor' }]);
  });

  it('needs a seat to work as an agent: no ticket without one, and a desktop whose seat is released is refused and closed', async () => {
    const tenant = newTenant();
    const unseated = await one.http.post('/api/v1/cti/ws-tickets').set(await tenant.auth('agent')).send({});
    expect(unseated.status).toBe(403);
    expect(unseated.body.message).toMatch(/has no agent seat/);

    const agentId = await seatAgent(one, tenant);
    const auth = await tenant.auth('agent', agentId);
    const live = await open(one, auth);
    const spare = await ticketFor(one, auth);
    await unseatAgent(one, tenant, agentId);
    await waitFor('the desktop closed', async () => live.closeCode === ctiWsCloseCodes.unseated, 60_000);
    expect(await TestDesktop.refused(one, spare)).toEqual({ status: 403, message: `user ${agentId} has no agent seat: working as an agent needs one` });
  });

  it("pushes an offer and its pop to the offered agent only, then the call's states", async () => {
    const tenant = newTenant();
    const [a, b] = [await seatAgent(one, tenant), await seatAgent(one, tenant)];
    const deskA = await open(one, await tenant.auth('agent', a));
    const deskB = await open(two, await tenant.auth('agent', b));
    const supervisor = await open(two, await tenant.auth('supervisor'));

    const callId = await routeCall(one.bus, tenant, { callerNumber: '+14155552671', variables: { order: '5521' } });
    await offerCall(one.bus, tenant, callId, [a]);
    // The offer may overtake the routed call (another topic): it is sent again once the caller is known.
    const offer = await deskA.next('offer', (m) => m.callId === callId && m.callerMasked !== null);
    expect(offer).toMatchObject({ callId, queueId: 'support', callerMasked: '+1 415 ***-2671', ringTimeoutMs: 20_000 });
    const pop = await deskA.next('pop', (m) => m.pop.callId === callId && m.pop.caller.maskedNumber !== null);
    expect(pop.pop.ivr.variables).toEqual({ order: '5521' });
    await supervisor.next('call.state', (m) => m.callId === callId && m.state === 'ringing');

    await publish(one.bus, voiceCallEndedV1, tenant.tenantId, { callId, reason: 'caller-hangup', endedAt: new Date().toISOString(), totalMs: 5000, talkMs: 0, holdMs: 0 });
    await deskA.next('call.state', (m) => m.callId === callId && m.state === 'ended');
    expect(deskB.messages.filter((m) => JSON.stringify(m).includes(callId))).toEqual([]);
    expect(JSON.stringify(deskA.messages)).not.toContain('4155552671');
  });

  it('a call transferred to a queue: the first agent is told (queued) and wraps up its part; the next agent is offered it with the pop and wraps up its own, whichever event comes first', async () => {
    const tenant = newTenant();
    const [a, b] = [await seatAgent(one, tenant), await seatAgent(one, tenant)];
    const authA = await tenant.auth('agent', a);
    const authB = await tenant.auth('agent', b);
    const deskA = await open(one, authA);
    const deskB = await open(two, authB);
    const supervisor = await tenant.auth('supervisor');
    await one.http.post('/api/v1/cti/dispositions').set(await tenant.auth('owner')).send({ code: 'resolved', label: 'Resolved' }).expect(201);
    const stateOf = async (callId: string) => (await one.http.get(`/api/v1/cti/calls/${callId}`).set(supervisor)).body as { state: string; agentId: string | null; queueId: string };
    const transferred = (callId: string) =>
      publish(one.bus, acdCallTransferredV1, tenant.tenantId, { callId, voiceCallId: callId, fromQueueId: 'support', queueId: 'billing', fromAgentId: a, requestedBy: a, transferredAt: new Date().toISOString() });

    // The transfer arrives first: the call waits again, nobody's.
    const first = await routeCall(one.bus, tenant, { callerNumber: '+14155552671' });
    await offerCall(one.bus, tenant, first, [a]);
    await assignCall(one.bus, tenant, first, a);
    await waitFor('a on the call', async () => (await stateOf(first)).agentId === a);
    await transferred(first);
    expect(await deskA.next('call.state', (m) => m.callId === first && m.state === 'queued')).toMatchObject({ agentId: null, reason: 'transferred to queue billing' });
    expect(await waitFor('the call waiting in billing', async () => ((await stateOf(first)).state === 'routed' ? stateOf(first) : undefined))).toMatchObject({ agentId: null, queueId: 'billing' });
    // The next offer is made after the connection (the projection compares the two instants, to the millisecond).
    await new Promise((resolve) => setTimeout(resolve, 5));
    await offerCall(one.bus, tenant, first, [b], 'billing');
    await deskB.next('offer', (m) => m.callId === first && m.callerMasked === '+1 415 ***-2671');
    await deskB.next('pop', (m) => m.pop.callId === first);
    await assignCall(one.bus, tenant, first, b, 'billing');
    await deskB.next('call.state', (m) => m.callId === first && m.state === 'connected' && m.agentId === b);
    expect(await stateOf(first)).toMatchObject({ agentId: b, queueId: 'billing' });
    await one.http.post(`/api/v1/cti/calls/${first}/wrap-up`).set(authA).send({ disposition: 'resolved', notes: 'sent to billing' }).expect(200);
    await one.http.post(`/api/v1/cti/calls/${first}/wrap-up`).set(authA).send({ disposition: 'resolved' }).expect(409);
    await one.http.post(`/api/v1/cti/calls/${first}/wrap-up`).set(authB).send({ disposition: 'resolved' }).expect(200);
    await one.http.post(`/api/v1/cti/calls/${first}/wrap-up`).set(await tenant.auth('agent')).send({ disposition: 'resolved' }).expect(403);

    // The next offer overtakes the transfer (another topic): it wins, and the first agent is still told.
    const second = await routeCall(one.bus, tenant, { callerNumber: '+14155552671' });
    await offerCall(one.bus, tenant, second, [a]);
    await assignCall(one.bus, tenant, second, a);
    await waitFor('a on the second call', async () => (await stateOf(second)).agentId === a);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await offerCall(one.bus, tenant, second, [b], 'billing');
    await deskB.next('offer', (m) => m.callId === second);
    await transferred(second);
    await deskA.next('call.state', (m) => m.callId === second && m.state === 'queued');
    expect(await stateOf(second)).toMatchObject({ state: 'offered', agentId: null, queueId: 'billing' });
    await one.http.post(`/api/v1/cti/calls/${second}/wrap-up`).set(authA).send({ disposition: 'resolved' }).expect(200);

    // The agent's after-call work comes with its end, for the desktop's countdown.
    const at = new Date().toISOString();
    const acwEndsAt = new Date(Date.parse(at) + 30_000).toISOString();
    await publish(one.bus, acdAgentStateChangedV1, tenant.tenantId, { agentId: a, from: 'on-call', to: 'after-call-work', reason: null, callId: second, by: 'acd-test', at, acwEndsAt });
    expect(await deskA.next('agent.state', (m) => m.to === 'after-call-work')).toMatchObject({ agentId: a, callId: second, acwEndsAt });
  });

  it('keeps one live desktop per agent: a second one, on another instance, takes over and the first is told and closed', async () => {
    const tenant = newTenant();
    const agentId = await seatAgent(one, tenant);
    const auth = await tenant.auth('agent', agentId);
    const first = await open(one, auth);
    const second = await open(two, auth);
    await first.next('session.replaced');
    await waitFor('the first desktop closed', async () => first.closeCode === ctiWsCloseCodes.replaced);
    second.send({ type: 'ping', nonce: 'still-here' });
    await second.next('pong', (m) => m.nonce === 'still-here');
    expect(second.closeCode).toBeUndefined();
    expect(second.of('session.replaced')).toEqual([]);

    // After a reconnect the agent's calls in progress come again (resync).
    const callId = await routeCall(one.bus, tenant);
    await offerCall(one.bus, tenant, callId, [agentId]);
    await second.next('offer', (m) => m.callId === callId);
    const third = await open(one, auth);
    third.send({ type: 'resync' });
    await third.next('offer', (m) => m.callId === callId);
    await second.next('session.replaced');
  });

  it("sends statistics to the tenant's supervisors and the agents concerned, never to another tenant", async () => {
    const a = newTenant();
    const b = newTenant();
    const agentA = await seatAgent(one, a);
    const agentOutside = await seatAgent(one, a);
    const agentB = await seatAgent(one, b);
    const supA = await open(one, await a.auth('supervisor'));
    const supB = await open(two, await b.auth('admin'));
    const deskA = await open(two, await a.auth('agent', agentA));
    const deskOutside = await open(one, await a.auth('agent', agentOutside));
    const deskB = await open(one, await b.auth('agent', agentB));
    // agentA took an offer from the queue "billing": it sees that queue's statistics.
    const callId = await routeCall(one.bus, a, { queue: 'billing' });
    await offerCall(one.bus, a, callId, [agentA], 'billing');
    await deskA.next('offer', (m) => m.callId === callId);

    await publish(one.bus, acdQueueStatsV1, a.tenantId, queueStats('billing', 7));
    await publish(one.bus, acdAgentStatsV1, a.tenantId, {
      agentId: agentA,
      state: 'available',
      reason: null,
      inStateMs: 1000,
      today: { day: '2026-01-01', callsHandled: 3, talkMs: 1000, wrapUpMs: 100, handleMs: 1100, averageHandleMs: 366 },
      asOf: new Date().toISOString(),
    });
    await supA.next('queue.stats', (m) => m.stats.queueId === 'billing' && m.stats.waiting === 7);
    await supA.next('agent.stats', (m) => m.stats.agentId === agentA);
    await deskA.next('queue.stats', (m) => m.stats.queueId === 'billing');
    await deskA.next('agent.stats', (m) => m.stats.agentId === agentA);

    // A later push to tenant B proves B's desktops were listening all along.
    await publish(one.bus, acdQueueStatsV1, b.tenantId, queueStats('billing', 1));
    await supB.next('queue.stats', (m) => m.stats.waiting === 1);
    expect(supB.of('queue.stats').map((m) => m.stats.waiting)).toEqual([1]);
    expect(supB.of('agent.stats')).toEqual([]);
    expect(deskB.of('queue.stats')).toEqual([]);
    expect(deskOutside.of('queue.stats')).toEqual([]);
    expect(deskOutside.of('agent.stats')).toEqual([]);
  });

  it('answers bad client messages with an error naming what was wrong, and keeps the connection', async () => {
    const tenant = newTenant();
    const desk = await open(one, await tenant.auth('supervisor'));
    desk.send('not json');
    desk.send({ type: 'dance' });
    desk.send({ type: 'ping', nonce: 7 });
    desk.send({ type: 'resync', extra: true });
    const errors = await waitFor('four errors', async () => (desk.of('error').length >= 4 ? desk.of('error') : undefined));
    expect(errors.map((e) => e.fields)).toEqual([
      [{ path: '(message)', message: 'is not valid JSON' }],
      [{ path: 'type', message: 'type must be ping or resync' }],
      [{ path: 'nonce', message: expect.stringContaining('string') }],
      [{ path: 'extra', message: 'is not a known field' }],
    ]);
    desk.send({ type: 'ping', nonce: 'ok' });
    await desk.next('pong', (m) => m.nonce === 'ok');
    // Too large for CTI_WS_MAX_MESSAGE_BYTES: the server closes that connection (1009), the service lives on.
    desk.send({ type: 'ping', nonce: 'x'.repeat(10_000) });
    await waitFor('the oversized message closed the socket', async () => desk.closeCode === 1009);
    const again = await open(one, await tenant.auth('supervisor'));
    again.send({ type: 'ping' });
    await again.next('pong');
  });

  it('drains on shutdown: every desktop is told and closed with 1001 (to reconnect elsewhere)', async () => {
    const t = await startCtiApp();
    const tenant = newTenant();
    const desk = await open(t, await tenant.auth('supervisor'));
    await t.close();
    expect(desk.of('server.draining')).toHaveLength(1);
    expect(desk.closeCode).toBe(1001);
  });
});
