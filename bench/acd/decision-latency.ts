// Routing decision latency of the ACD engine for one tenant with 10,000 agents, 1,000 queues and
// 50 skills (seeded random, realistic assignments: a few big queues and many small ones, agents in
// 1–5 queues holding their queues' skills, 35 % of agents ready). Measures, per operation, from the
// call to the engine until its offer is decided, reserved (in memory) and reported:
//   enqueue: a call arrives and is offered to the best ready agent of its queue (agent for call);
//   agent_available: with every agent away and calls waiting everywhere, an agent comes back and
//   takes the best waiting call of its queues (call for agent).
// Used by bench:acd-decision (alone) and bench:acd (with the enqueue-to-offer latency of the service).
import { ManualClock, MemoryAgentReservations, routingStrategies, type RoutingStrategy, RoutingEngine, SeededRandom } from '@parley/acd';

const AGENTS = 10_000;
const QUEUES = 1_000;
const SKILLS = 50;
const READY_SHARE = 0.35;

interface BenchQueue {
  queueId: string;
  required: Array<{ skillId: string; minProficiency: number }>;
  members: string[];
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface DecisionLatencyResult {
  agents: number;
  queues: number;
  skills: number;
  memberships_per_agent: number;
  largest_queue_members: number | undefined;
  median_queue_members: number | undefined;
  ready_agents: number;
  iterations: number;
  enqueue_us: LatencySummary;
  enqueue_not_offered: number;
  waiting_calls: number;
  agent_available_us: LatencySummary;
  agent_available_no_call: number;
  offers: number;
  setup_ms: number;
  seed: number;
}

export async function measureDecisionLatency(options: { iterations: number; seed: number }): Promise<DecisionLatencyResult> {
  const { iterations, seed } = options;
  const random = new SeededRandom(seed);
  const clock = new ManualClock(Date.UTC(2025, 0, 6, 9, 0, 0));
  let offers = 0;
  const engine = new RoutingEngine({
    tenantId: 'bench',
    instanceId: 'bench-1',
    clock,
    reservations: new MemoryAgentReservations(clock),
    onEffect: (effect) => {
      if (effect.type === 'call-offered') offers++;
    },
  });

  const skillIds = Array.from({ length: SKILLS }, (_, i) => `skill-${i}`);
  for (const skillId of skillIds) engine.defineSkill({ skillId, name: skillId });

  const strategyWeights: Array<[RoutingStrategy, number]> = [
    ['longest-idle', 0.5],
    ['least-occupied', 0.15],
    ['best-skill-match', 0.15],
    ['round-robin', 0.1],
    ['ring-all', 0.1],
  ];
  if (strategyWeights.length !== routingStrategies.length) throw new Error('a strategy is missing from the bench');
  const pickStrategy = (): RoutingStrategy => {
    let x = random.next();
    for (const [strategy, weight] of strategyWeights) {
      if ((x -= weight) < 0) return strategy;
    }
    return 'longest-idle';
  };

  const setupStarted = performance.now();
  const queues: BenchQueue[] = [];
  for (let q = 0; q < QUEUES; q++) {
    const required = new Map<string, number>();
    const count = 1 + random.int(3);
    while (required.size < count) required.set(random.pick(skillIds), 1 + random.int(3));
    const queue: BenchQueue = { queueId: `queue-${q}`, required: [...required].map(([skillId, minProficiency]) => ({ skillId, minProficiency })), members: [] };
    queues.push(queue);
    const strategy = pickStrategy();
    await engine.upsertQueue({
      queueId: queue.queueId,
      version: 1,
      name: `Queue ${q}`,
      strategy,
      ringAllLimit: 3,
      requiredSkills: queue.required,
      priority: random.int(4),
      serviceLevel: { percent: 80, thresholdSeconds: 20 },
      offerTimeoutSeconds: 20,
      afterCallWorkSeconds: 30,
      ...(random.next() < 0.3 ? { overflowSteps: [{ afterSeconds: 30, lowerMinProficiencyTo: 1 }] } : {}),
      ...(random.next() < 0.2 ? { vip: { attribute: 'tier', values: ['gold'], priorityBoost: 5, preferHigherProficiency: true } } : {}),
    });
  }
  // Queue popularity follows Zipf's law: a few big queues, many small ones.
  const weights = queues.map((_, rank) => 1 / (rank + 1));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  weights.reduce((sum, weight, index) => (cumulative[index] = sum + weight / totalWeight), 0);
  const pickQueue = (): BenchQueue => {
    const x = random.next();
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] as number) < x) low = middle + 1;
      else high = middle;
    }
    return queues[low] as BenchQueue;
  };

  const agentQueues: string[][] = [];
  for (let a = 0; a < AGENTS; a++) {
    const agentId = `agent-${a}`;
    const mine = new Set<BenchQueue>();
    const count = 1 + random.int(5);
    while (mine.size < count) mine.add(pickQueue());
    const skills = new Map<string, number>();
    for (const queue of mine) {
      for (const item of queue.required) {
        // 90 % of the time the agent qualifies for the queue's skill.
        const level = random.next() < 0.9 ? item.minProficiency + random.int(6 - item.minProficiency) : Math.max(1, item.minProficiency - 1);
        skills.set(item.skillId, Math.max(skills.get(item.skillId) ?? 0, level));
      }
    }
    for (let extra = random.int(4); extra > 0; extra--) skills.set(random.pick(skillIds), 1 + random.int(5));
    for (const queue of mine) queue.members.push(agentId);
    agentQueues.push([...mine].map((queue) => queue.queueId));
    await engine.upsertAgent({ agentId, version: 1, skills: [...skills].map(([skillId, proficiency]) => ({ skillId, proficiency })), queues: agentQueues[a] as string[] });
  }
  const ready: string[] = [];
  for (let a = 0; a < AGENTS; a++) {
    const agentId = `agent-${a}`;
    if (random.next() < READY_SHARE) {
      await engine.setAgentState(agentId, 'available');
      ready.push(agentId);
    } else {
      await engine.setAgentState(agentId, 'break', 'busy-elsewhere');
    }
    clock.advance(random.int(50));
  }
  const setupMs = performance.now() - setupStarted;

  // --- agent for call: a call arrives and is offered to the best ready agent of its queue ------------
  let callSeq = 0;
  let notOffered = 0;
  const enqueueUs: number[] = [];
  const warm = Math.min(2_000, iterations);
  for (let i = 0; i < warm + iterations; i++) {
    clock.advance(random.int(20));
    const queue = pickQueue();
    const callId = `call-${callSeq++}`;
    const request = { callId, queueId: queue.queueId, priority: random.int(3), attributes: { tier: random.next() < 0.1 ? 'gold' : 'basic' } };
    const started = process.hrtime.bigint();
    const effects = await engine.enqueueCall(request);
    const elapsed = Number(process.hrtime.bigint() - started) / 1000;
    if (i >= warm) enqueueUs.push(elapsed);
    if (!effects.some((effect) => effect.type === 'call-offered')) notOffered++;
    // Back to the same state: the caller hangs up (the agent, if any, is free again).
    await engine.endCall(callId);
  }

  // --- call for agent: every agent is away, calls wait in every queue; an agent comes back ------------
  for (const agentId of ready) await engine.setAgentState(agentId, 'break', 'bench');
  const waitingCalls = 5_000;
  for (let i = 0; i < waitingCalls; i++) {
    clock.advance(random.int(5));
    await engine.enqueueCall({ callId: `call-${callSeq++}`, queueId: pickQueue().queueId, priority: random.int(3) });
  }
  const availableUs: number[] = [];
  let idle = 0;
  for (let i = 0; i < warm + iterations; i++) {
    clock.advance(random.int(20));
    const agentId = `agent-${random.int(AGENTS)}`;
    const started = process.hrtime.bigint();
    const effects = await engine.setAgentState(agentId, 'available');
    const elapsed = Number(process.hrtime.bigint() - started) / 1000;
    if (i >= warm) availableUs.push(elapsed);
    if (!effects.some((effect) => effect.type === 'call-offered')) idle++;
    // The agent leaves again; a call it was offered goes back to its place in the queue.
    await engine.setAgentState(agentId, 'break', 'bench');
  }

  const snapshot = engine.snapshot();
  const sizes = snapshot.queues.map((queue) => Object.keys(queue.members).length).sort((a, b) => b - a);
  const percentile = (values: number[], p: number): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number) * 10) / 10;
  };
  const summary = (values: number[]): LatencySummary => ({
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: percentile(values, 100),
  });
  return {
    agents: AGENTS,
    queues: QUEUES,
    skills: SKILLS,
    memberships_per_agent: Math.round((sizes.reduce((a, b) => a + b, 0) / AGENTS) * 100) / 100,
    largest_queue_members: sizes[0],
    median_queue_members: sizes[Math.floor(sizes.length / 2)],
    ready_agents: ready.length,
    iterations,
    enqueue_us: summary(enqueueUs),
    enqueue_not_offered: notOffered,
    waiting_calls: waitingCalls,
    agent_available_us: summary(availableUs),
    agent_available_no_call: idle,
    offers,
    setup_ms: Math.round(setupMs),
    seed,
  };
}
