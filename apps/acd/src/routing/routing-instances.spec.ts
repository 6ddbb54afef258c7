import { ManualClock } from './clock';
import { baseQueue } from './engine-test.kit';
import { MemoryAgentReservations } from './memory-agent-reservations.store';
import { type AgentStateChanged, type RoutingEffect } from './routing.effects';
import { RoutingEngine } from './routing.engine';

/** Two engine instances sharing one reservation store, with agent state changes relayed by hand (the bus). */
async function twoInstances(): Promise<{
  clock: ManualClock;
  reservations: MemoryAgentReservations;
  a: RoutingEngine;
  b: RoutingEngine;
  /** The agent state changes an instance made since the last call (what the bus would carry next). */
  takeChanges: (engine: RoutingEngine) => AgentStateChanged[];
  offersBy: (engine: RoutingEngine) => Extract<RoutingEffect, { type: 'call-offered' }>[];
}> {
  const clock = new ManualClock(1_700_000_000_000);
  const reservations = new MemoryAgentReservations(clock);
  const effects = new Map<string, RoutingEffect[]>();
  const taken = new Map<string, number>();
  const make = (instanceId: string): RoutingEngine => {
    effects.set(instanceId, []);
    return new RoutingEngine({ tenantId: 't1', instanceId, clock, reservations, onEffect: (effect) => effects.get(instanceId)?.push(effect) });
  };
  const a = make('acd-a');
  const b = make('acd-b');
  for (const engine of [a, b]) {
    await engine.upsertQueue(baseQueue({ offerTimeoutSeconds: 20 }));
    await engine.upsertAgent({ agentId: 'ann', version: 1, queues: ['sales'] });
  }
  return {
    clock,
    reservations,
    a,
    b,
    takeChanges: (engine) => {
      const all = effects.get(engine.instanceId) ?? [];
      const from = taken.get(engine.instanceId) ?? 0;
      taken.set(engine.instanceId, all.length);
      return all.slice(from).filter((e): e is AgentStateChanged => e.type === 'agent-state-changed');
    },
    offersBy: (engine) => (effects.get(engine.instanceId) ?? []).filter((e): e is Extract<RoutingEffect, { type: 'call-offered' }> => e.type === 'call-offered'),
  };
}

describe('routing engine instances sharing reservations', () => {
  it('give a contested agent to one instance; the other offers its call once the agent is free again', async () => {
    const { a, b, clock, takeChanges, offersBy } = await twoInstances();
    await a.enqueueCall({ callId: 'call-a', queueId: 'sales' });
    await b.enqueueCall({ callId: 'call-b', queueId: 'sales' });
    // ann logs in through a; b hears of it late, after a has already offered call-a.
    await a.setAgentState('ann', 'available');
    expect(offersBy(a).map((o) => o.callId)).toEqual(['call-a']);
    for (const change of takeChanges(a)) if (change.to === 'available') await b.observeAgentState(change);
    expect(offersBy(b)).toEqual([]);
    expect(b.snapshot().agents[0]).toMatchObject({ state: 'available', heldElsewhere: true, ready: false });
    // b now hears "reserved", then the call, then "available" again.
    await a.acceptOffer('call-a', 'ann');
    clock.advance(30_000);
    await a.endCall('call-a');
    for (const change of takeChanges(a)) await b.observeAgentState(change);
    expect(offersBy(b).map((o) => [o.callId, o.agentIds])).toEqual([['call-b', ['ann']]]);
    expect(b.snapshot().agents[0]).toMatchObject({ state: 'reserved', heldElsewhere: false });
  });

  it('ignore a late change about an older call while holding the agent, but apply the agent’s request about this call', async () => {
    const { a, b, takeChanges, offersBy } = await twoInstances();
    await a.setAgentState('ann', 'available');
    await a.enqueueCall({ callId: 'call-a', queueId: 'sales' });
    await a.declineOffer('call-a', 'ann'); // ann -> available, then offered call-a again
    await a.endCall('call-a'); // the caller gives up: ann -> available
    const aChanges = takeChanges(a);
    // b learns only the last "available" first, offers its own call and holds ann...
    await b.enqueueCall({ callId: 'call-b', queueId: 'sales' });
    await b.observeAgentState(aChanges[aChanges.length - 1] as AgentStateChanged);
    expect(offersBy(b).map((o) => o.callId)).toEqual(['call-b']);
    // ...then the older changes arrive late: b keeps its offer.
    for (const change of aChanges) await b.observeAgentState(change);
    expect(offersBy(b)).toHaveLength(1);
    const bChanges = takeChanges(b);
    expect(bChanges.map((change) => change.to)).toEqual(['reserved']);
    expect(b.snapshot().calls[0]).toMatchObject({ callId: 'call-b', status: 'offered', offerAgentIds: ['ann'] });

    // ann asks for a break through instance a, whose view is "reserved for call-b" (it heard b's change).
    for (const change of bChanges) await a.observeAgentState(change);
    await a.setAgentState('ann', 'break', 'lunch');
    const request = takeChanges(a);
    expect(request).toEqual([expect.objectContaining({ from: 'reserved', to: 'break', callId: 'call-b', by: 'acd-a' })]);
    await b.observeAgentState(request[0] as AgentStateChanged);
    expect(b.snapshot().agents[0]).toMatchObject({ state: 'break', reason: 'lunch', holdCallId: null });
    expect(b.snapshot().calls[0]).toMatchObject({ callId: 'call-b', status: 'waiting' });
  });

  it('take an agent over once the hold of an instance that died lapses', async () => {
    const { a, b, clock, reservations, takeChanges, offersBy } = await twoInstances();
    await a.setAgentState('ann', 'available');
    await a.enqueueCall({ callId: 'call-a', queueId: 'sales' });
    await a.acceptOffer('call-a', 'ann'); // a holds ann on a 4 h lease... and dies
    await b.enqueueCall({ callId: 'call-b', queueId: 'sales' });
    await b.observeAgentState(takeChanges(a)[0] as AgentStateChanged); // only "available" got through
    expect(b.snapshot().agents[0]).toMatchObject({ heldElsewhere: true });
    const hold = await reservations.holdOfAgent('t1', 'ann');
    clock.set((hold?.expiresAt ?? 0) + 1);
    await b.fireDueTimers();
    expect(offersBy(b).map((o) => [o.callId, o.decision.inputs.trigger])).toEqual([['call-b', 'reservation-retry']]);
  });
});
