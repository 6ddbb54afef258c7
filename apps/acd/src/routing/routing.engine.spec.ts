import { baseQueue, engineKit } from './engine-test.kit';
import { replayDecision } from './routing-decision.ranking';
import { IllegalAgentTransitionError, RoutingError } from './routing.errors';

const codeOf = async (work: Promise<unknown>): Promise<string> => {
  try {
    await work;
  } catch (error) {
    if (error instanceof RoutingError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a RoutingError');
};

describe('RoutingEngine', () => {
  it('offers a new call to the longest-idle agent, records why, and wraps up after the call', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue({ afterCallWorkSeconds: 30 }));
    await kit.availableAgents([
      { agentId: 'ann', version: 1, queues: ['sales'] },
      { agentId: 'bob', version: 1, queues: ['sales'] },
    ]);
    kit.clock.advance(10_000);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    const offer = kit.lastOffer();
    expect(offer.agentIds).toEqual(['ann']);
    expect(offer.decision.queueVersion).toBe(1);
    expect(offer.decision.outcome).toMatchObject({ kind: 'agent-for-call', chosenAgentIds: ['ann'], decidedBy: 'longest-idle', tiedOn: ['missed-this-call'] });
    expect(offer.decision.inputs).toMatchObject({ trigger: 'call-enqueued', queue: { queueId: 'sales', version: 1, strategy: 'longest-idle' } });
    expect(replayDecision(JSON.parse(JSON.stringify(offer.decision.inputs)))).toEqual(offer.decision.outcome);

    await kit.engine.acceptOffer('c1', 'ann');
    expect(kit.ofType('call-answered')).toEqual([expect.objectContaining({ callId: 'c1', agentId: 'ann', waitedMs: 0 })]);
    kit.clock.advance(60_000);
    await kit.engine.endCall('c1');
    expect(kit.ofType('call-completed')).toEqual([expect.objectContaining({ callId: 'c1', talkMs: 60_000 })]);
    const ann = () => kit.engine.snapshot().agents.find((agent) => agent.agentId === 'ann');
    expect(ann()?.state).toBe('after-call-work');
    await kit.advance(29_999);
    expect(ann()?.state).toBe('after-call-work');
    await kit.advance(1);
    expect(ann()?.state).toBe('available');
    expect(await kit.reservations.holdOfAgent('t1', 'ann')).toBeNull();
  });

  it('serves the highest priority first, then the longest waiting call', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue());
    await kit.engine.upsertQueue(baseQueue({ queueId: 'support', name: 'Support', priority: 5 }));
    await kit.engine.upsertAgent({ agentId: 'ann', version: 1, queues: ['sales', 'support'] });
    await kit.engine.enqueueCall({ callId: 'old-low', queueId: 'sales' });
    kit.clock.advance(1000);
    await kit.engine.enqueueCall({ callId: 'new-high', queueId: 'support' });
    kit.clock.advance(1000);
    await kit.engine.enqueueCall({ callId: 'newer-high', queueId: 'support' });
    kit.clock.advance(1000);
    await kit.engine.enqueueCall({ callId: 'urgent', queueId: 'sales', priority: 10 });
    await kit.engine.setAgentState('ann', 'available');
    expect(kit.lastOffer().callId).toBe('urgent');
    expect(kit.lastOffer().decision.outcome).toMatchObject({ kind: 'call-for-agent', decidedBy: 'priority' });
    const served: string[] = ['urgent'];
    for (let i = 0; i < 3; i++) {
      await kit.engine.acceptOffer(served[served.length - 1] as string, 'ann');
      await kit.engine.endCall(served[served.length - 1] as string);
      served.push(kit.lastOffer().callId);
    }
    expect(served).toEqual(['urgent', 'new-high', 'newer-high', 'old-low']);
    expect(kit.offers()[1]?.decision.outcome).toMatchObject({ decidedBy: 'waiting-time', tiedOn: ['sticky-agent', 'priority'] });
  });

  it('offers only to agents with the skills at the minimum proficiency, and widens the requirement as the wait grows', async () => {
    const kit = await engineKit({ skills: ['spanish', 'billing'] });
    await kit.engine.upsertQueue(
      baseQueue({
        requiredSkills: [
          { skillId: 'spanish', minProficiency: 4 },
          { skillId: 'billing', minProficiency: 3 },
        ],
        overflowSteps: [
          { afterSeconds: 30, lowerMinProficiencyTo: 2 },
          { afterSeconds: 60, dropSkills: ['billing'] },
        ],
      }),
    );
    await kit.availableAgents([
      { agentId: 'no-billing', version: 1, queues: ['sales'], skills: [{ skillId: 'spanish', proficiency: 5 }] },
      { agentId: 'weak', version: 1, queues: ['sales'], skills: [{ skillId: 'spanish', proficiency: 2 }, { skillId: 'billing', proficiency: 2 }] },
    ]);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    await kit.engine.enqueueCall({ callId: 'c2', queueId: 'sales' });
    expect(kit.offers()).toEqual([]);
    await kit.advance(29_999);
    expect(kit.offers()).toEqual([]);
    await kit.advance(1);
    expect(kit.offers().map((offer) => [offer.callId, offer.agentIds])).toEqual([['c1', ['weak']]]);
    expect(kit.lastOffer().decision.inputs).toMatchObject({
      trigger: 'overflow-step',
      call: { requirement: [{ skillId: 'spanish', minProficiency: 2 }, { skillId: 'billing', minProficiency: 2 }] },
    });
    await kit.engine.acceptOffer('c1', 'weak');
    await kit.advance(30_000);
    expect(kit.offers().map((offer) => [offer.callId, offer.agentIds])).toEqual([
      ['c1', ['weak']],
      ['c2', ['no-billing']],
    ]);
    expect(kit.lastOffer().decision.inputs).toMatchObject({ call: { requirement: [{ skillId: 'spanish', minProficiency: 2 }] } });
  });

  it('adds the skills the IVR asked for to the queue requirement', async () => {
    const kit = await engineKit({ skills: ['french'] });
    await kit.engine.upsertQueue(baseQueue());
    await kit.availableAgents([
      { agentId: 'ann', version: 1, queues: ['sales'] },
      { agentId: 'bea', version: 1, queues: ['sales'], skills: [{ skillId: 'french', proficiency: 3 }] },
    ]);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales', skills: [{ skillId: 'french', minProficiency: 3 }] });
    expect(kit.lastOffer().agentIds).toEqual(['bea']);
  });

  it('least-occupied prefers the agent who spent the smallest share of time busy', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue({ strategy: 'least-occupied' }));
    await kit.availableAgents([
      { agentId: 'busy', version: 1, queues: ['sales'] },
      { agentId: 'idle', version: 1, queues: ['sales'] },
    ]);
    // "busy" takes a long call first, so it is the least idle and the most occupied.
    await kit.engine.enqueueCall({ callId: 'c0', queueId: 'sales' });
    expect(kit.lastOffer().agentIds).toEqual(['busy']);
    await kit.engine.acceptOffer('c0', 'busy');
    kit.clock.advance(600_000);
    await kit.engine.endCall('c0');
    kit.clock.advance(1_000);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    const offer = kit.lastOffer();
    expect(offer.agentIds).toEqual(['idle']);
    expect(offer.decision.outcome).toMatchObject({ decidedBy: 'least-occupied' });
    const ranked = offer.decision.outcome.kind === 'agent-for-call' ? offer.decision.outcome.ranked : [];
    expect(ranked.map((r) => [r.agentId, Number(r.factors.occupancy.toFixed(3))])).toEqual([
      ['idle', 0],
      ['busy', 0.998],
    ]);
  });

  it('best-skill-match prefers the highest proficiency, longest idle among equals', async () => {
    const kit = await engineKit({ skills: ['tech'] });
    await kit.engine.upsertQueue(baseQueue({ strategy: 'best-skill-match', requiredSkills: [{ skillId: 'tech', minProficiency: 1 }] }));
    await kit.availableAgents([
      { agentId: 'a-novice', version: 1, queues: ['sales'], skills: [{ skillId: 'tech', proficiency: 2 }] },
      { agentId: 'b-expert', version: 1, queues: ['sales'], skills: [{ skillId: 'tech', proficiency: 5 }] },
      { agentId: 'c-expert', version: 1, queues: ['sales'], skills: [{ skillId: 'tech', proficiency: 5 }] },
    ]);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    expect(kit.lastOffer().agentIds).toEqual(['b-expert']);
    expect(kit.lastOffer().decision.outcome).toMatchObject({ decidedBy: 'longest-idle', tiedOn: ['missed-this-call', 'best-skill-match'] });
  });

  it('round-robin takes members in turn, whatever their idle time', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue({ strategy: 'round-robin' }));
    await kit.engine.upsertAgent({ agentId: 'r1', version: 1, queues: ['sales'] });
    await kit.engine.upsertAgent({ agentId: 'r2', version: 1, queues: ['sales'] });
    await kit.engine.upsertAgent({ agentId: 'r3', version: 1, queues: ['sales'] });
    // r3 becomes available first (longest idle), yet the turn starts at r1.
    for (const id of ['r3', 'r2', 'r1']) {
      await kit.engine.setAgentState(id, 'available');
      kit.clock.advance(1);
    }
    const chosen: string[] = [];
    for (let i = 0; i < 5; i++) {
      await kit.engine.enqueueCall({ callId: `c${i}`, queueId: 'sales' });
      const agentId = kit.lastOffer().agentIds[0] as string;
      chosen.push(agentId);
      await kit.engine.acceptOffer(`c${i}`, agentId);
      await kit.engine.endCall(`c${i}`);
    }
    expect(chosen).toEqual(['r1', 'r2', 'r3', 'r1', 'r2']);
  });

  it('ring-all rings several agents; the first to answer gets the call, the others are free again', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue({ strategy: 'ring-all', ringAllLimit: 3 }));
    await kit.availableAgents(['a', 'b', 'c', 'd'].map((agentId) => ({ agentId, version: 1, queues: ['sales'] })));
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    expect(kit.lastOffer().agentIds).toEqual(['a', 'b', 'c']);
    expect((await kit.reservations.holdOfCall('t1', 'c1'))?.agentIds).toEqual(['a', 'b', 'c']);
    await kit.engine.declineOffer('c1', 'a');
    await kit.engine.acceptOffer('c1', 'c');
    expect(await codeOf(kit.engine.acceptOffer('c1', 'b'))).toMatch(/^offer-mismatch: cannot accept: call c1 is not being offered to agent b/);
    const states = Object.fromEntries(kit.engine.snapshot().agents.map((agent) => [agent.agentId, agent.state]));
    expect(states).toEqual({ a: 'available', b: 'available', c: 'on-call', d: 'available' });
    expect((await kit.reservations.holdOfAgent('t1', 'c'))?.callId).toBe('c1');
    expect(await kit.reservations.holdOfAgent('t1', 'b')).toBeNull();
  });

  it('after an offer timeout the next agent gets the call; after N missed offers the agent goes on break', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue({ offerTimeoutSeconds: 15, maxMissedOffers: 2 }));
    await kit.availableAgents([
      { agentId: 'sleepy', version: 1, queues: ['sales'] },
      { agentId: 'ann', version: 1, queues: ['sales'] },
    ]);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    expect(kit.lastOffer().agentIds).toEqual(['sleepy']);
    await kit.advance(15_000);
    expect(kit.ofType('offer-ended').map((e) => [e.callId, e.agentIds, e.outcome])).toEqual([['c1', ['sleepy'], 'missed']]);
    // sleepy is still the longest idle, but has missed this call: ann is next.
    expect(kit.lastOffer().agentIds).toEqual(['ann']);
    expect(kit.lastOffer().decision.outcome).toMatchObject({ decidedBy: 'missed-this-call' });
    expect(kit.lastOffer().decision.inputs).toMatchObject({ trigger: 'offer-ended' });
    await kit.engine.acceptOffer('c1', 'ann');
    await kit.engine.enqueueCall({ callId: 'c2', queueId: 'sales' });
    expect(kit.lastOffer().agentIds).toEqual(['sleepy']);
    await kit.advance(15_000);
    const sleepy = kit.engine.snapshot().agents.find((agent) => agent.agentId === 'sleepy');
    expect(sleepy).toMatchObject({ state: 'break', reason: 'missed-offers' });
    expect(kit.ofType('agent-state-changed').filter((e) => e.agentId === 'sleepy').slice(-1)).toEqual([
      expect.objectContaining({ from: 'reserved', to: 'break', reason: 'missed-offers', by: 'acd-1' }),
    ]);
    expect(kit.engine.snapshot().calls.find((call) => call.callId === 'c2')?.status).toBe('waiting');
  });

  it('overflows to another queue after the maximum wait, and when the queue is full', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue({ queueId: 'backup', name: 'Backup' }));
    await kit.engine.upsertQueue(baseQueue({ maxWaitSeconds: 90, maxQueueLength: 2, overflow: { kind: 'queue', queueId: 'backup' } }));
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    await kit.engine.enqueueCall({ callId: 'c2', queueId: 'sales' });
    await kit.engine.enqueueCall({ callId: 'c3', queueId: 'sales' });
    expect(kit.ofType('call-overflowed').map((e) => [e.callId, e.reason, e.target])).toEqual([['c3', 'queue-full', { kind: 'queue', queueId: 'backup' }]]);
    await kit.advance(90_000);
    expect(kit.ofType('call-overflowed').map((e) => [e.callId, e.reason, e.waitedMs])).toEqual([
      ['c3', 'queue-full', 0],
      ['c1', 'max-wait', 90_000],
      ['c2', 'max-wait', 90_000],
    ]);
    expect(kit.ofType('call-queued').filter((e) => e.queueId === 'backup').map((e) => [e.callId, e.overflowedFrom])).toEqual([
      ['c3', 'sales'],
      ['c1', 'sales'],
      ['c2', 'sales'],
    ]);
    await kit.engine.upsertAgent({ agentId: 'ann', version: 1, queues: ['backup'] });
    await kit.engine.setAgentState('ann', 'available');
    expect(kit.lastOffer()).toMatchObject({ callId: 'c3', queueId: 'backup' });
  });

  it('lets a ringing offer finish when the maximum wait passes, then overflows at once', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue({ queueId: 'backup', name: 'Backup' }));
    await kit.engine.upsertQueue(baseQueue({ maxWaitSeconds: 30, offerTimeoutSeconds: 20, overflow: { kind: 'queue', queueId: 'backup' } }));
    await kit.engine.upsertAgent({ agentId: 'late', version: 1, queues: ['sales'] });
    await kit.engine.upsertAgent({ agentId: 'spare', version: 1, queues: ['backup'] });
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    await kit.advance(25_000);
    await kit.engine.setAgentState('late', 'available');
    expect(kit.lastOffer()).toMatchObject({ callId: 'c1', agentIds: ['late'] });
    await kit.engine.setAgentState('spare', 'available');
    await kit.advance(5_000); // maximum wait reached while ringing: no overflow yet
    expect(kit.ofType('call-overflowed')).toEqual([]);
    await kit.advance(15_000); // the offer times out at 45 s
    expect(kit.ofType('call-overflowed')).toEqual([expect.objectContaining({ callId: 'c1', reason: 'max-wait', waitedMs: 45_000 })]);
    expect(kit.lastOffer()).toMatchObject({ callId: 'c1', queueId: 'backup', agentIds: ['spare'], at: kit.clock.now() });
  });

  it('sends a call to voicemail after the maximum wait', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue({ maxWaitSeconds: 45, overflow: { kind: 'voicemail' } }));
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    await kit.advance(45_000);
    expect(kit.ofType('call-overflowed')).toEqual([expect.objectContaining({ callId: 'c1', target: { kind: 'voicemail' }, reason: 'max-wait' })]);
    expect(kit.engine.snapshot().calls).toEqual([]);
  });

  it('holds a call for the caller’s last agent during the sticky window, then offers it to anyone', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue({ stickyAgentSeconds: 20 }));
    await kit.engine.upsertAgent({ agentId: 'last', version: 1, queues: ['sales'] });
    await kit.availableAgents([{ agentId: 'other', version: 1, queues: ['sales'] }]);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales', lastAgentId: 'last' });
    expect(kit.offers()).toEqual([]);
    await kit.advance(10_000);
    await kit.engine.setAgentState('last', 'available');
    expect(kit.lastOffer()).toMatchObject({ callId: 'c1', agentIds: ['last'] });
    expect(kit.lastOffer().decision.outcome).toMatchObject({ kind: 'call-for-agent', decidedBy: null });
    expect(kit.lastOffer().decision.inputs).toMatchObject({ candidates: [{ callId: 'c1', stickyForAgent: true }] });
    await kit.engine.acceptOffer('c1', 'last');

    await kit.engine.enqueueCall({ callId: 'c2', queueId: 'sales', lastAgentId: 'last' });
    expect(kit.offers()).toHaveLength(1);
    await kit.advance(20_000);
    expect(kit.lastOffer()).toMatchObject({ callId: 'c2', agentIds: ['other'] });
    expect(kit.lastOffer().decision.inputs).toMatchObject({ trigger: 'sticky-window-ended', call: { stickyAgentId: null } });
  });

  it('offers a sticky call at once when the last agent is ready', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue({ stickyAgentSeconds: 20 }));
    await kit.availableAgents([
      { agentId: 'other', version: 1, queues: ['sales'] },
      { agentId: 'last', version: 1, queues: ['sales'] },
    ]);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales', lastAgentId: 'last' });
    expect(kit.lastOffer().agentIds).toEqual(['last']);
    expect(kit.lastOffer().decision.outcome).toMatchObject({ ranked: [{ agentId: 'last', factors: { stickyAgent: true } }] });
  });

  it('boosts VIP callers and gives them the most proficient agent first', async () => {
    const kit = await engineKit({ skills: ['sales'] });
    await kit.engine.upsertQueue(
      baseQueue({
        requiredSkills: [{ skillId: 'sales', minProficiency: 1 }],
        vip: { attribute: 'tier', values: ['gold'], priorityBoost: 10, preferHigherProficiency: true },
      }),
    );
    await kit.engine.upsertAgent({ agentId: 'junior', version: 1, queues: ['sales'], skills: [{ skillId: 'sales', proficiency: 2 }] });
    await kit.engine.upsertAgent({ agentId: 'senior', version: 1, queues: ['sales'], skills: [{ skillId: 'sales', proficiency: 5 }] });
    await kit.engine.enqueueCall({ callId: 'normal', queueId: 'sales', attributes: { tier: 'silver' } });
    kit.clock.advance(5_000);
    await kit.engine.enqueueCall({ callId: 'vip', queueId: 'sales', attributes: { tier: 'gold' } });
    await kit.engine.setAgentState('junior', 'available');
    expect(kit.lastOffer()).toMatchObject({ callId: 'vip', agentIds: ['junior'] });
    await kit.engine.setAgentState('junior', 'break', 'lunch');
    // The VIP call is offered again; junior is away, senior comes: then both are ready for a new VIP.
    await kit.engine.setAgentState('senior', 'available');
    expect(kit.lastOffer()).toMatchObject({ callId: 'vip', agentIds: ['senior'] });
    await kit.engine.acceptOffer('vip', 'senior');
    await kit.engine.setAgentState('junior', 'available');
    expect(kit.lastOffer()).toMatchObject({ callId: 'normal', agentIds: ['junior'] });
    await kit.engine.endCall('normal');
    kit.clock.advance(1_000);
    await kit.engine.endCall('vip');
    kit.clock.advance(1_000);
    // junior has been idle longest, but a VIP goes to the more proficient senior.
    await kit.engine.enqueueCall({ callId: 'vip2', queueId: 'sales', attributes: { tier: 'gold' } });
    expect(kit.lastOffer()).toMatchObject({ callId: 'vip2', agentIds: ['senior'] });
    expect(kit.lastOffer().decision.outcome).toMatchObject({ decidedBy: 'vip-proficiency' });
    expect(kit.lastOffer().decision.inputs).toMatchObject({ call: { vip: true, priority: 10 } });
  });

  it('re-offers the call when the ringing agent takes a break, and frees the agent when the caller hangs up', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue());
    await kit.availableAgents([
      { agentId: 'ann', version: 1, queues: ['sales'] },
      { agentId: 'bob', version: 1, queues: ['sales'] },
    ]);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    await kit.engine.setAgentState('ann', 'break', 'coffee');
    expect(kit.ofType('offer-ended')).toEqual([expect.objectContaining({ agentIds: ['ann'], outcome: 'cancelled' })]);
    expect(kit.lastOffer().agentIds).toEqual(['bob']);
    await kit.engine.endCall('c1');
    expect(kit.ofType('call-abandoned')).toEqual([expect.objectContaining({ callId: 'c1' })]);
    const bob = kit.engine.snapshot().agents.find((agent) => agent.agentId === 'bob');
    expect(bob?.state).toBe('available');
    expect(await kit.reservations.holdOfAgent('t1', 'bob')).toBeNull();
    expect(kit.engine.snapshot().calls).toEqual([]);
  });

  it('refuses illegal agent transitions with a typed error', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue());
    await kit.availableAgents([{ agentId: 'ann', version: 1, queues: ['sales'] }]);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    await kit.engine.acceptOffer('c1', 'ann');
    const error = await kit.engine.setAgentState('ann', 'break', 'lunch').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IllegalAgentTransitionError);
    expect(error).toMatchObject({ code: 'illegal-transition', from: 'on-call', to: 'break', agentId: 'ann' });
    expect(await codeOf(kit.engine.setAgentState('ann', 'offline'))).toBe(
      'illegal-transition: agent ann cannot go from on-call to offline (agent); allowed from on-call: nothing',
    );
    expect(await codeOf(kit.engine.setAgentState('ann', 'break'))).toBe('invalid-input: invalid agent state: reason: is required for a break');
    expect(await codeOf(kit.engine.setAgentState('zed', 'available'))).toBe('unknown-agent: agent zed is not known');
  });

  it('validates configuration and calls, naming the field and the reason', async () => {
    const kit = await engineKit({ skills: ['tech'] });
    expect(await codeOf(kit.engine.upsertQueue(baseQueue({ strategy: 'random' as never, priority: -1 })))).toBe(
      'invalid-input: invalid queue configuration: priority: Too small: expected number to be >=0; strategy: Invalid option: expected one of "longest-idle"|"least-occupied"|"best-skill-match"|"round-robin"|"ring-all"',
    );
    expect(await codeOf(kit.engine.upsertQueue(baseQueue({ maxWaitSeconds: 30, overflowSteps: [{ afterSeconds: 20, dropSkills: ['tech'] }, { afterSeconds: 10, lowerMinProficiencyTo: 2 }] })))).toBe(
      'invalid-input: invalid queue configuration: overflow: is required when maxWaitSeconds or maxQueueLength is set; overflowSteps.1.afterSeconds: must be later than the previous step',
    );
    expect(await codeOf(kit.engine.upsertQueue(baseQueue({ requiredSkills: [{ skillId: 'tech', minProficiency: 6 }] })))).toBe(
      'invalid-input: invalid queue configuration: requiredSkills.0.minProficiency: must be 1 to 5',
    );
    expect(await codeOf(kit.engine.upsertQueue(baseQueue({ requiredSkills: [{ skillId: 'cooking', minProficiency: 2 }] })))).toBe(
      'unknown-skill: queue sales: requiredSkills.0: unknown skill cooking',
    );
    await kit.engine.upsertQueue(baseQueue());
    expect(await codeOf(kit.engine.upsertQueue(baseQueue()))).toBe('stale-config: queue sales: version 1 is not newer than the current version 1');
    await kit.engine.upsertQueue(baseQueue({ queueId: 'b', name: 'B', maxWaitSeconds: 10, overflow: { kind: 'queue', queueId: 'sales' } }));
    expect(await codeOf(kit.engine.upsertQueue(baseQueue({ version: 2, maxWaitSeconds: 10, overflow: { kind: 'queue', queueId: 'b' } })))).toBe(
      'overflow-cycle: queue sales: overflow.queueId: overflowing into b loops back: sales -> b -> sales',
    );
    expect(await codeOf(kit.engine.upsertAgent({ agentId: 'ann', version: 1, queues: ['nope'] }))).toBe('unknown-queue: agent ann: queues.0: unknown queue nope');
    expect(await codeOf(kit.engine.enqueueCall({ callId: '', queueId: 'sales' }))).toBe('invalid-input: invalid call: callId: must not be empty');
    expect(await codeOf(kit.engine.enqueueCall({ callId: 'c1', queueId: 'nowhere' }))).toBe('unknown-queue: call c1: queueId: unknown queue nowhere');
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    expect(await codeOf(kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' }))).toBe('call-exists: call c1 is already in this engine');
  });

  it('re-evaluates waiting calls under a new queue version, and decisions record that version', async () => {
    const kit = await engineKit({ skills: ['tech'] });
    await kit.engine.upsertQueue(baseQueue({ requiredSkills: [{ skillId: 'tech', minProficiency: 4 }] }));
    await kit.availableAgents([{ agentId: 'ann', version: 1, queues: ['sales'], skills: [{ skillId: 'tech', proficiency: 3 }] }]);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    expect(kit.offers()).toEqual([]);
    await kit.engine.upsertQueue(baseQueue({ version: 2, requiredSkills: [{ skillId: 'tech', minProficiency: 3 }] }));
    expect(kit.lastOffer()).toMatchObject({ callId: 'c1', decision: { queueVersion: 2, inputs: { trigger: 'config-changed' } } });
  });

  it('runs operations one at a time in call order', async () => {
    const kit = await engineKit();
    await kit.engine.upsertQueue(baseQueue());
    await kit.engine.upsertAgent({ agentId: 'ann', version: 1, queues: ['sales'] });
    const results = await Promise.all([
      kit.engine.setAgentState('ann', 'available'),
      kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' }),
      kit.engine.enqueueCall({ callId: 'c2', queueId: 'sales' }),
      kit.engine.acceptOffer('c1', 'ann'),
    ]);
    expect(results.map((effects) => effects.map((effect) => effect.type))).toEqual([
      ['agent-state-changed'],
      ['call-queued', 'call-offered', 'agent-state-changed'],
      ['call-queued'],
      ['offer-ended', 'call-answered', 'agent-state-changed'],
    ]);
  });
});
