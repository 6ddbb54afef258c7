import fc from 'fast-check';
import { engineKit } from './engine-test.kit';
import { type QueueConfigInput, type RoutingStrategy, routingStrategies } from './routing-config.schema';
import { type AgentCandidateFacts, rankAgentsForCall, rankCallsForAgent, replayDecision, type RoutingDecision } from './routing-decision.ranking';
import { type RoutingEngineSnapshot } from './routing.engine';
import { IllegalAgentTransitionError } from './routing.errors';

/**
 * Random worlds and random event sequences against the engine, checking after every event that:
 * - every decision replays from its stored (JSON round-tripped) inputs to the same outcome;
 * - the agent chosen for a new call is the one a brute-force scan over ALL agents picks
 *   (so the per-queue ready sets and the early exit of sorted strategies lose nobody);
 * - no waiting call is left while a ready agent could take it;
 * - no agent holds two calls, and every local hold is a hold in the reservation store.
 */

const SKILLS = ['s0', 's1', 's2', 's3'];

interface World {
  /** How many candidates decisions record: small, so that the early exit of sorted ready sets matters. */
  recordedCandidates: number;
  queues: QueueConfigInput[];
  agents: Array<{ skills: Array<{ skillId: string; proficiency: number }>; queues: number[]; startAvailable: boolean; startAfterMs: number }>;
}

type Command =
  | { kind: 'enqueue'; queue: number; priority: number; extraSkill: number | null; vip: boolean; lastAgent: number | null }
  | { kind: 'agent'; agent: number; to: 'available' | 'break' | 'offline' }
  | { kind: 'accept'; pick: number }
  | { kind: 'decline'; pick: number }
  | { kind: 'end'; pick: number }
  | { kind: 'advance'; ms: number };

const requirementArb = fc.uniqueArray(
  fc.record({ skillId: fc.constantFrom(...SKILLS), minProficiency: fc.integer({ min: 1, max: 3 }) }),
  { maxLength: 2, selector: (r) => r.skillId },
);

const queueArb = (index: number): fc.Arbitrary<QueueConfigInput> =>
  fc.record({
    strategy: fc.constantFrom<RoutingStrategy>(...routingStrategies),
    requiredSkills: requirementArb,
    priority: fc.integer({ min: 0, max: 3 }),
    ringAllLimit: fc.integer({ min: 1, max: 3 }),
    offerTimeoutSeconds: fc.integer({ min: 5, max: 20 }),
    maxMissedOffers: fc.integer({ min: 1, max: 3 }),
    afterCallWorkSeconds: fc.constantFrom(0, 0, 3),
    stickyAgentSeconds: fc.constantFrom(0, 0, 10),
    steps: fc.boolean(),
    vip: fc.boolean(),
    maxWait: fc.constantFrom(undefined, undefined, 120),
  }).map((q) => ({
    queueId: `q${index}`,
    version: 1,
    name: `Queue ${index}`,
    strategy: q.strategy,
    requiredSkills: q.requiredSkills,
    priority: q.priority,
    ringAllLimit: q.ringAllLimit,
    serviceLevel: { percent: 80, thresholdSeconds: 20 },
    offerTimeoutSeconds: q.offerTimeoutSeconds,
    maxMissedOffers: q.maxMissedOffers,
    afterCallWorkSeconds: q.afterCallWorkSeconds,
    stickyAgentSeconds: q.stickyAgentSeconds,
    overflowSteps: q.steps ? [{ afterSeconds: 15, lowerMinProficiencyTo: 1 }, { afterSeconds: 40, dropSkills: [...SKILLS] }] : [],
    ...(q.vip ? { vip: { attribute: 'tier', values: ['gold'], priorityBoost: 5, preferHigherProficiency: true } } : {}),
    ...(q.maxWait ? { maxWaitSeconds: q.maxWait, overflow: { kind: 'voicemail' as const } } : {}),
  }));

const worldArb: fc.Arbitrary<World> = fc.integer({ min: 1, max: 3 }).chain((queueCount) =>
  fc.record({
    recordedCandidates: fc.integer({ min: 1, max: 3 }),
    queues: fc.tuple(...Array.from({ length: queueCount }, (_, i) => queueArb(i))),
    agents: fc.array(
      fc.record({
        skills: fc.uniqueArray(fc.record({ skillId: fc.constantFrom(...SKILLS), proficiency: fc.integer({ min: 1, max: 5 }) }), {
          minLength: 2,
          maxLength: 4,
          selector: (s) => s.skillId,
        }),
        queues: fc.uniqueArray(fc.integer({ min: 0, max: queueCount - 1 }), { minLength: 1, maxLength: queueCount }),
        startAvailable: fc.constantFrom(true, true, true, false),
        startAfterMs: fc.integer({ min: 0, max: 50 }),
      }),
      { minLength: 2, maxLength: 12 },
    ),
  }),
);

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('enqueue' as const), queue: fc.nat(), priority: fc.integer({ min: -1, max: 2 }), extraSkill: fc.option(fc.nat(), { nil: null }), vip: fc.boolean(), lastAgent: fc.option(fc.nat(), { nil: null }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('agent' as const), agent: fc.nat(), to: fc.constantFrom('available' as const, 'available' as const, 'available' as const, 'break' as const, 'offline' as const) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('accept' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('decline' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('end' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 25_000 }) }) },
);

type SnapshotAgent = RoutingEngineSnapshot['agents'][number];
const isReady = (agent: SnapshotAgent): boolean => agent.state === 'available' && agent.holdCallId === null && !agent.heldElsewhere;
const meets = (agent: SnapshotAgent, requirement: ReadonlyArray<{ skillId: string; minProficiency: number }>): boolean =>
  requirement.every((item) => (agent.skills[item.skillId] ?? 0) >= item.minProficiency);

async function runScenario(world: World, commands: Command[]): Promise<number> {
  let decisionsChecked = 0;
  const kit = await engineKit({
    skills: SKILLS,
    recordedCandidates: world.recordedCandidates,
    // At the moment an offer is reported the engine is still in the state it decided on.
    observe: (effect, engine) => {
      if (effect.type === 'call-offered') {
        expectBruteForceDecision(engine.snapshot(), effect.decision);
        decisionsChecked++;
      }
    },
  });
  const { engine, clock } = kit;
  for (const queue of world.queues) await engine.upsertQueue(queue);
  for (const [index, agent] of world.agents.entries()) {
    await engine.upsertAgent({ agentId: `a${index}`, version: 1, skills: agent.skills, queues: agent.queues.map((q) => `q${q}`) });
  }
  // Agents log in in random order, some at the same millisecond (so idle time and agent id disagree, and ties happen).
  const logins = [...world.agents.entries()].filter(([, agent]) => agent.startAvailable).sort(([, a], [, b]) => a.startAfterMs - b.startAfterMs);
  const loginAt = clock.now();
  for (const [index, agent] of logins) {
    clock.set(Math.max(clock.now(), loginAt + agent.startAfterMs));
    await engine.setAgentState(`a${index}`, 'available');
  }
  let callCount = 0;
  let checkedEnqueues = 0;
  let replayed = 0;

  const checkWorld = async (snapshot: RoutingEngineSnapshot): Promise<void> => {
    const now = clock.now();
    const agents = new Map(snapshot.agents.map((agent) => [agent.agentId, agent]));
    const holders = new Map<string, string>();
    for (const call of snapshot.calls) {
      const holding = call.status === 'connected' ? [call.agentId as string] : call.offerAgentIds;
      for (const agentId of holding) {
        expect(holders.get(agentId)).toBeUndefined();
        holders.set(agentId, call.callId);
      }
      if (call.status !== 'waiting') continue;
      const queue = snapshot.queues.find((q) => q.queueId === call.queueId);
      const stickyOpen = call.stickyAgentId !== null && now < call.stickyUntil;
      const able = snapshot.agents.filter(
        (agent) => isReady(agent) && queue?.members[agent.agentId] !== undefined && meets(agent, call.requirement) && (!stickyOpen || agent.agentId === call.stickyAgentId),
      );
      expect({ call: call.callId, readyEligibleAgents: able.map((a) => a.agentId) }).toEqual({ call: call.callId, readyEligibleAgents: [] });
    }
    for (const agent of snapshot.agents) {
      if (agent.holdCallId === null) continue;
      const hold = await kit.reservations.holdOfAgent('t1', agent.agentId);
      expect(hold?.callId).toBe(agent.holdCallId);
    }
    expect([...holders.keys()].every((agentId) => agents.get(agentId)?.holdCallId === holders.get(agentId))).toBe(true);
  };

  for (const command of commands) {
    const before = engine.snapshot();
    const effectsBefore = kit.effects.length;
    try {
      switch (command.kind) {
        case 'enqueue': {
          const queue = world.queues[command.queue % world.queues.length] as QueueConfigInput;
          const callId = `c${callCount++}`;
          const extra = command.extraSkill === null ? [] : [{ skillId: SKILLS[command.extraSkill % SKILLS.length] as string, minProficiency: 1 + (command.extraSkill % 3) }];
          const lastAgentId = command.lastAgent === null ? undefined : `a${command.lastAgent % world.agents.length}`;
          await engine.enqueueCall({
            callId,
            queueId: queue.queueId,
            priority: command.priority,
            skills: extra,
            attributes: { tier: command.vip ? 'gold' : 'basic' },
            ...(lastAgentId ? { lastAgentId } : {}),
          });
          checkedEnqueues += expectBruteForceChoice(before, queue, callId, command, extra, lastAgentId, clock.now(), kit.effects.slice(effectsBefore));
          break;
        }
        case 'agent':
          await engine.setAgentState(`a${command.agent % world.agents.length}`, command.to, command.to === 'break' ? 'lunch' : undefined);
          break;
        case 'accept':
        case 'decline': {
          const offered = before.calls.filter((call) => call.status === 'offered');
          const call = offered[command.pick % Math.max(offered.length, 1)];
          if (!call) break;
          const agentId = call.offerAgentIds[command.pick % call.offerAgentIds.length] as string;
          await (command.kind === 'accept' ? engine.acceptOffer(call.callId, agentId) : engine.declineOffer(call.callId, agentId));
          break;
        }
        case 'end': {
          const call = before.calls[command.pick % Math.max(before.calls.length, 1)];
          if (call) await engine.endCall(call.callId);
          break;
        }
        case 'advance':
          await kit.advance(command.ms);
          break;
      }
    } catch (error) {
      if (!(error instanceof IllegalAgentTransitionError)) throw error;
    }
    for (const effect of kit.effects.slice(effectsBefore)) {
      if (effect.type !== 'call-offered') continue;
      expect(replayDecision(JSON.parse(JSON.stringify(effect.decision.inputs)))).toEqual(effect.decision.outcome);
      expect(effect.decision.agentIds).toEqual(
        effect.decision.outcome.kind === 'agent-for-call' ? effect.decision.outcome.chosenAgentIds : [effect.decision.inputs.kind === 'call-for-agent' ? effect.decision.inputs.agentId : ''],
      );
      replayed++;
      const inputs = effect.decision.inputs;
      const key = inputs.kind === 'agent-for-call' ? `${inputs.queue.strategy}${inputs.call.vip ? '+vip' : ''}${inputs.call.stickyAgentId ? '+sticky' : ''}` : `call-for-agent${inputs.candidates.length > 1 ? '+choice' : ''}`;
      coverage[key] = (coverage[key] ?? 0) + 1;
    }
    await checkWorld(engine.snapshot());
  }
  return checkedEnqueues + replayed + decisionsChecked;
}

/**
 * Recomputes a decision from a brute-force scan over every agent (or every call) of the engine's
 * state at decision time, with the decision's own rules (requirement, priority, rotation pointer).
 */
function expectBruteForceDecision(snapshot: RoutingEngineSnapshot, decision: RoutingDecision): void {
  const inputs = decision.inputs;
  if (inputs.kind === 'agent-for-call') {
    const queue = snapshot.queues.find((q) => q.queueId === inputs.queue.queueId);
    const call = snapshot.calls.find((c) => c.callId === inputs.call.callId);
    if (!queue || !call) throw new Error('decision about an unknown queue or call');
    const sticky = inputs.call.stickyAgentId;
    const eligible = snapshot.agents.filter(
      (agent) => isReady(agent) && queue.members[agent.agentId] !== undefined && meets(agent, inputs.call.requirement) && (sticky === null || agent.agentId === sticky),
    );
    const expected = rankAgentsForCall({
      ...inputs,
      candidates: eligible.map((agent) => ({
        agentId: agent.agentId,
        proficiencies: Object.fromEntries(inputs.call.requirement.map((r) => [r.skillId, agent.skills[r.skillId] ?? 0])),
        idleSince: agent.idleSince,
        busyMs: agent.busyMs,
        availableMs: agent.availableMs,
        ordinal: queue.members[agent.agentId] as number,
        missedThisCall: call.missedBy.includes(agent.agentId),
      })),
    });
    expect({ callId: call.callId, trigger: inputs.trigger, agents: decision.agentIds }).toEqual({ callId: call.callId, trigger: inputs.trigger, agents: expected.chosenAgentIds });
    return;
  }
  const agent = snapshot.agents.find((a) => a.agentId === inputs.agentId);
  if (!agent) throw new Error('decision about an unknown agent');
  expect(isReady(agent)).toBe(true);
  const eligible = snapshot.calls.filter((call) => {
    if (call.status !== 'waiting' && call.callId !== decision.callId) return false;
    const queue = snapshot.queues.find((q) => q.queueId === call.queueId);
    const stickyOpen = call.stickyAgentId !== null && inputs.at < call.stickyUntil;
    return queue?.members[agent.agentId] !== undefined && meets(agent, call.requirement) && (!stickyOpen || call.stickyAgentId === agent.agentId);
  });
  const expected = rankCallsForAgent({
    ...inputs,
    candidates: eligible.map((call) => ({
      callId: call.callId,
      queueId: call.queueId,
      queueVersion: 1,
      priority: call.priority,
      enqueuedAt: call.enqueuedAt,
      seq: call.seq,
      stickyForAgent: call.stickyAgentId === agent.agentId && inputs.at < call.stickyUntil,
    })),
  });
  expect({ agentId: agent.agentId, call: decision.callId }).toEqual({ agentId: agent.agentId, call: expected.chosenCallId });
}
const coverage: Record<string, number> = {};

/** The agents a brute-force scan over every agent of the snapshot before the enqueue would choose; compared with the engine's offer. */
function expectBruteForceChoice(
  before: RoutingEngineSnapshot,
  queue: QueueConfigInput,
  callId: string,
  command: Extract<Command, { kind: 'enqueue' }>,
  extra: Array<{ skillId: string; minProficiency: number }>,
  lastAgentId: string | undefined,
  now: number,
  effects: ReadonlyArray<{ type: string }>,
): number {
  if (effects.some((effect) => effect.type === 'call-overflowed')) return 0;
  const queueSnapshot = before.queues.find((q) => q.queueId === queue.queueId);
  if (!queueSnapshot) throw new Error('queue missing from the snapshot');
  const requirement = new Map((queue.requiredSkills ?? []).map((r) => [r.skillId, r.minProficiency]));
  for (const item of extra) requirement.set(item.skillId, Math.max(requirement.get(item.skillId) ?? 0, item.minProficiency));
  const required = [...requirement].map(([skillId, minProficiency]) => ({ skillId, minProficiency }));
  const vip = queue.vip !== undefined && command.vip;
  const stickyAgent = lastAgentId ? before.agents.find((a) => a.agentId === lastAgentId) : undefined;
  const sticky = (queue.stickyAgentSeconds ?? 0) > 0 && stickyAgent && queueSnapshot.members[stickyAgent.agentId] !== undefined && meets(stickyAgent, required) ? stickyAgent : undefined;
  const eligible = before.agents.filter(
    (agent) => isReady(agent) && queueSnapshot.members[agent.agentId] !== undefined && meets(agent, required) && (!sticky || agent.agentId === sticky.agentId),
  );
  const offer = effects.find((effect): effect is { type: 'call-offered'; callId: string; agentIds: string[] } => effect.type === 'call-offered' && (effect as { callId?: string }).callId === callId);
  if (eligible.length === 0) {
    expect(offer).toBeUndefined();
    return 1;
  }
  const candidates: AgentCandidateFacts[] = eligible.map((agent) => ({
    agentId: agent.agentId,
    proficiencies: Object.fromEntries(required.map((r) => [r.skillId, agent.skills[r.skillId] ?? 0])),
    idleSince: agent.idleSince,
    busyMs: agent.busyMs,
    availableMs: agent.availableMs,
    ordinal: queueSnapshot.members[agent.agentId] as number,
    missedThisCall: false,
  }));
  const expected = rankAgentsForCall({
    kind: 'agent-for-call',
    at: now,
    trigger: 'call-enqueued',
    queue: { queueId: queue.queueId, version: 1, strategy: queue.strategy, ringAllLimit: queue.ringAllLimit ?? 10 },
    call: {
      callId,
      priority: (queue.priority ?? 0) + command.priority + (vip ? 5 : 0),
      enqueuedAt: now,
      vip,
      preferHigherProficiency: vip,
      requirement: required,
      stickyAgentId: sticky ? sticky.agentId : null,
    },
    rotation: { lastOrdinal: queueSnapshot.lastOrdinal, nextOrdinal: queueSnapshot.nextOrdinal },
    candidates,
  });
  expect({ callId, agentIds: offer?.agentIds }).toEqual({ callId, agentIds: expected.chosenAgentIds });
  if (eligible.length > 1) coverage[`${queue.strategy}+choice`] = (coverage[`${queue.strategy}+choice`] ?? 0) + 1;
  return 1;
}

describe('routing decisions over random scenarios', () => {
  it('replay exactly, match a brute-force choice, and leave no call waiting beside a ready agent', async () => {
    let checks = 0;
    await fc.assert(
      fc.asyncProperty(worldArb, fc.array(commandArb, { minLength: 30, maxLength: 120, size: 'max' }), async (world, commands) => {
        checks += await runScenario(world, commands);
      }),
      { numRuns: 150, seed: 20_240_404 },
    );
    // The property really exercised decisions of every kind (not vacuous).
    expect(checks).toBeGreaterThan(2_000);
    // Enqueues where a brute-force scan found several eligible agents, per strategy.
    for (const strategy of routingStrategies) expect({ strategy, choices: (coverage[`${strategy}+choice`] ?? 0) > 20 }).toEqual({ strategy, choices: true });
    expect(Object.keys(coverage).filter((key) => key.includes('+vip')).length).toBeGreaterThan(0);
    expect(Object.keys(coverage).filter((key) => key.includes('+sticky')).length).toBeGreaterThan(0);
    expect(coverage['call-for-agent+choice'] ?? 0).toBeGreaterThan(50);
  });
});
