import { ManualClock } from './clock';
import { baseQueue, engineKit } from './engine-test.kit';
import { MemoryAgentReservations } from './memory-agent-reservations.store';
import { replayDecision } from './routing-decision.ranking';
import { type RoutingEffect } from './routing.effects';
import { type AdoptAgentInput, type AgentView, RoutingEngine } from './routing.engine';
import { RoutingError } from './routing.errors';

/** What a host keeps of an agent to adopt it (its view without the configuration). */
const adoptable = (view: AgentView | null): AdoptAgentInput => {
  if (!view) throw new Error('no view of the agent');
  const { version: _version, queueIds: _queueIds, ...live } = view;
  return live;
};

const errorOf = async (work: Promise<unknown>): Promise<RoutingError> => {
  try {
    await work;
  } catch (error) {
    if (error instanceof RoutingError) return error;
    throw error;
  }
  throw new Error('expected a RoutingError');
};

describe('RoutingEngine: missed offers reported by the phone', () => {
  it('counts a miss like the offer timeout: the next agent gets the call, N misses send the agent on break', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue({ offerTimeoutSeconds: 20, maxMissedOffers: 2 }));
    await kit.availableAgents([
      { agentId: 'ann', version: 1, queues: ['sales'] },
      { agentId: 'bob', version: 1, queues: ['sales'] },
    ]);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    expect(kit.lastOffer().agentIds).toEqual(['ann']);
    await kit.engine.missOffer('c1', 'ann');
    expect(kit.ofType('offer-ended').map((e) => [e.agentIds, e.outcome])).toEqual([[['ann'], 'missed']]);
    expect(kit.lastOffer()).toMatchObject({ agentIds: ['bob'] });
    expect(kit.lastOffer().decision.outcome.ranked).toBeDefined();
    await kit.engine.acceptOffer('c1', 'bob');
    await kit.engine.endCall('c1');
    // ann misses a second call: two misses in a row.
    await kit.engine.enqueueCall({ callId: 'c2', queueId: 'sales' });
    const offeredTo = kit.lastOffer().agentIds;
    expect(offeredTo).toEqual(['ann']);
    await kit.engine.missOffer('c2', 'ann');
    expect(kit.engine.agentView('ann')).toMatchObject({ state: 'break', reason: 'missed-offers', missedOffers: 2, hold: null });
    expect(await errorOf(kit.engine.missOffer('c2', 'ann'))).toMatchObject({ code: 'offer-mismatch' });
  });
});

describe('RoutingEngine: a call keeps an earlier place', () => {
  it('ranks a call by the enqueuedAt it brings, and refuses one in the future', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue());
    await kit.engine.upsertAgent({ agentId: 'ann', version: 1, queues: ['sales'] });
    await kit.engine.enqueueCall({ callId: 'new', queueId: 'sales' });
    kit.clock.advance(5_000);
    await kit.engine.enqueueCall({ callId: 'old', queueId: 'sales', enqueuedAt: kit.clock.now() - 60_000, callback: true });
    expect(kit.ofType('call-queued').map((e) => [e.callId, kit.clock.now() - e.enqueuedAt])).toEqual([
      ['new', 5_000],
      ['old', 60_000],
    ]);
    await kit.engine.setAgentState('ann', 'available');
    expect(kit.lastOffer().callId).toBe('old');
    expect(kit.lastOffer().decision.outcome).toMatchObject({ decidedBy: 'waiting-time' });
    expect((await errorOf(kit.engine.enqueueCall({ callId: 'later', queueId: 'sales', enqueuedAt: kit.clock.now() + 1 }))).message).toMatch(/enqueuedAt: .* is in the future/);
  });

  it('lets a callback wait past the maximum wait and the queue length, and overflows a live call that brings an expired wait at once', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue({ maxWaitSeconds: 30, maxQueueLength: 1, overflow: { kind: 'voicemail' } }));
    await kit.engine.upsertQueue(baseQueue({ queueId: 'support', maxWaitSeconds: 30, overflow: { kind: 'voicemail' } }));
    await kit.engine.enqueueCall({ callId: 'waiting', queueId: 'sales' });
    await kit.engine.enqueueCall({ callId: 'full', queueId: 'sales' });
    await kit.engine.enqueueCall({ callId: 'callback', queueId: 'sales', callback: true });
    expect(kit.ofType('call-overflowed').map((e) => [e.callId, e.reason])).toEqual([['full', 'queue-full']]);
    await kit.advance(31_000);
    expect(kit.ofType('call-overflowed').map((e) => [e.callId, e.reason])).toEqual([
      ['full', 'queue-full'],
      ['waiting', 'max-wait'],
    ]);
    expect(kit.engine.snapshot().calls.map((c) => c.callId)).toEqual(['callback']);

    await kit.engine.enqueueCall({ callId: 'expired', queueId: 'support', enqueuedAt: kit.clock.now() - 40_000 });
    expect(kit.engine.nextTimerAt()).toBe(kit.clock.now());
    await kit.advance(0);
    expect(kit.ofType('call-overflowed').map((e) => e.callId)).toContain('expired');
  });
});

describe('RoutingEngine: taking over from an engine that died', () => {
  /** An engine `a` with offers in flight and a call connected, and a fresh engine `b` on the same store. */
  async function handover() {
    const clock = new ManualClock(1_700_000_000_000);
    const reservations = new MemoryAgentReservations(clock);
    const effects: RoutingEffect[] = [];
    const make = (instanceId: string): RoutingEngine =>
      new RoutingEngine({ tenantId: 't1', instanceId, clock, reservations, onEffect: (e) => effects.push(e) });
    const a = make('acd-a');
    const b = make('acd-b');
    for (const engine of [a, b]) {
      await engine.upsertQueue(baseQueue({ offerTimeoutSeconds: 20, afterCallWorkSeconds: 10 }));
      for (const agentId of ['ann', 'bob', 'cy']) await engine.upsertAgent({ agentId, version: 1, queues: ['sales'] });
    }
    for (const agentId of ['ann', 'bob']) {
      await a.setAgentState(agentId, 'available');
      clock.advance(1);
    }
    await a.enqueueCall({ callId: 'talking', queueId: 'sales' });
    await a.acceptOffer('talking', 'ann');
    clock.advance(5_000);
    await a.enqueueCall({ callId: 'ringing', queueId: 'sales', attributes: { tier: 'gold' } });
    clock.advance(1_000);
    await a.enqueueCall({ callId: 'waiting', queueId: 'sales' });
    clock.advance(3_000);
    return { clock, reservations, effects, a, b };
  }

  it('goes on from the adopted state: the ringing offer times out when it would have, the connected call wraps up, the waiting call is served', async () => {
    const { clock, reservations, effects, a, b } = await handover();
    const offer = effects.filter((e): e is Extract<RoutingEffect, { type: 'call-offered' }> => e.type === 'call-offered').find((e) => e.callId === 'ringing');
    if (!offer) throw new Error('no offer for the ringing call');
    const waitingSince = a.snapshot().calls.find((c) => c.callId === 'waiting')?.enqueuedAt ?? 0;
    // a dies here; b takes over what a kept in its durable state.
    for (const agentId of ['ann', 'bob', 'cy']) await b.adoptAgent(adoptable(a.agentView(agentId)));
    await b.adoptCall({ callId: 'talking', queueId: 'sales', enqueuedAt: clock.now() - 9_000, status: 'connected', agentId: 'ann', offerId: 'acd-a:1', connectedAt: clock.now() - 9_000 });
    await b.adoptCall({
      callId: 'ringing',
      queueId: 'sales',
      attributes: { tier: 'gold' },
      enqueuedAt: offer.at,
      status: 'offered',
      offer: { offerId: offer.offerId, agentIds: offer.agentIds, offeredAt: offer.at, decision: JSON.parse(JSON.stringify(offer.decision)) },
    });
    await b.enqueueCall({ callId: 'waiting', queueId: 'sales', enqueuedAt: waitingSince });
    expect(b.snapshot().calls.map((c) => [c.callId, c.status, c.agentId ?? c.offerAgentIds.join()])).toEqual([
      ['talking', 'connected', 'ann'],
      ['ringing', 'offered', 'bob'],
      ['waiting', 'waiting', ''],
    ]);
    effects.length = 0;
    // The offer to bob was made 4 s ago with a 20 s timeout.
    clock.advance(15_999);
    await b.fireDueTimers();
    expect(effects.filter((e) => e.type === 'offer-ended')).toEqual([]);
    clock.advance(1);
    await b.fireDueTimers();
    expect(effects.filter((e) => e.type === 'offer-ended')).toEqual([expect.objectContaining({ callId: 'ringing', outcome: 'missed', agentIds: ['bob'] })]);
    // bob is free again and the only ready agent: the call goes back to him (his miss ranks him last, but nobody else is free).
    expect(effects.filter((e) => e.type === 'call-offered').map((e) => (e.type === 'call-offered' ? [e.callId, e.agentIds, e.offerId.startsWith('acd-b:')] : []))).toEqual([['ringing', ['bob'], true]]);
    await b.endCall('talking');
    expect(b.agentView('ann')).toMatchObject({ state: 'after-call-work', hold: { offerId: 'acd-a:1', callId: 'talking' } });
    clock.advance(10_000);
    await b.fireDueTimers();
    expect(b.agentView('ann')).toMatchObject({ state: 'reserved', hold: { callId: 'waiting' } });
    expect((await reservations.holdOfAgent('t1', 'ann'))?.callId).toBe('waiting');
    const last = effects.filter((e): e is Extract<RoutingEffect, { type: 'call-offered' }> => e.type === 'call-offered').pop();
    expect(last && replayDecision(JSON.parse(JSON.stringify(last.decision.inputs)))).toEqual(last?.decision.outcome);
  });

  it('accepts the answer to an adopted offer, and refuses calls whose agents were not adopted for them', async () => {
    const { clock, effects, a, b } = await handover();
    const offer = effects.filter((e): e is Extract<RoutingEffect, { type: 'call-offered' }> => e.type === 'call-offered').find((e) => e.callId === 'ringing');
    if (!offer) throw new Error('no offer for the ringing call');
    const adoptRinging = () =>
      b.adoptCall({ callId: 'ringing', queueId: 'sales', enqueuedAt: offer.at, status: 'offered', offer: { offerId: offer.offerId, agentIds: ['bob'], offeredAt: offer.at, decision: offer.decision } });
    const refused = await errorOf(adoptRinging());
    expect(refused.code).toBe('offer-mismatch');
    expect(refused.message).toMatch(/offer\.agentIds\.0: agent bob was not adopted reserved/);
    const bob = adoptable(a.agentView('bob'));
    await b.adoptAgent(bob);
    await adoptRinging();
    clock.advance(2_000);
    await b.acceptOffer('ringing', 'bob');
    expect(b.agentView('bob')).toMatchObject({ state: 'on-call', missedOffers: 0 });
    expect(effects.filter((e) => e.type === 'call-answered').pop()).toMatchObject({ callId: 'ringing', agentId: 'bob' });
    expect((await errorOf(b.adoptAgent({ ...bob, state: 'on-call', hold: null }))).message).toMatch(/hold: is required for an agent who is on-call/);
  });
});
