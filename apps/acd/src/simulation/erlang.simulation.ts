import { ManualClock } from '../routing/clock';
import { MemoryAgentReservations } from '../routing/memory-agent-reservations.store';
import { RoutingEngine } from '../routing/routing.engine';
import { type RoutingEffect } from '../routing/routing.effects';
import { TimerHeap } from '../routing/timer-heap';
import { erlangC } from './erlang-c';
import { SeededRandom } from './seeded-random';

export interface ErlangSimulationInput {
  agents: number;
  /** Calls per second. */
  arrivalRate: number;
  ahtSeconds: number;
  slThresholdSeconds: number;
  /** Calls measured (after the warm-up calls). */
  calls: number;
  seed: number;
  /** Calls simulated first and left out of the figures (the queue starts empty). Default calls / 50. */
  warmupCalls?: number;
}

export interface ErlangSimulationResult {
  agents: number;
  arrival_rate: number;
  aht_s: number;
  sl_threshold_s: number;
  calls: number;
  warmup_calls: number;
  seed: number;
  occupancy: number;
  p_wait: number;
  asa_s: number;
  service_level: number;
  erlang_p_wait: number;
  erlang_asa_s: number;
  erlang_service_level: number;
  /** Offers the routing engine made (one per call: agents answer at once). */
  offers: number;
  simulated_hours: number;
  wall_ms: number;
}

const round = (x: number, digits = 6): number => Number(x.toFixed(digits));

/**
 * Drives the real routing engine on a simulated clock: one queue (longest-idle, no after-call
 * work), Poisson arrivals, exponential handling times, agents who answer every offer at once and
 * callers who never hang up — the Erlang C assumptions — and measures the waiting times the engine
 * produced. Every call goes through enqueue, decision, reservation, offer, answer and completion.
 */
export async function runErlangSimulation(input: ErlangSimulationInput): Promise<ErlangSimulationResult> {
  const problems: string[] = [];
  if (!Number.isInteger(input.calls) || input.calls < 1) problems.push(`calls must be a whole number >= 1, got ${input.calls}`);
  const warmup = input.warmupCalls ?? Math.floor(input.calls / 50);
  if (!Number.isInteger(warmup) || warmup < 0) problems.push(`warm-up calls must be a whole number >= 0, got ${warmup}`);
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  // Validates agents, rate, aht, threshold and stability.
  const predicted = erlangC(input);
  const started = performance.now();

  const random = new SeededRandom(input.seed);
  const clock = new ManualClock(0);
  const offers: Array<{ callId: string; agentId: string }> = [];
  const answeredWaits: number[] = new Array<number>(warmup + input.calls);
  let answered = 0;
  let offerCount = 0;
  const onEffect = (effect: RoutingEffect): void => {
    if (effect.type === 'call-offered') {
      offerCount++;
      offers.push({ callId: effect.callId, agentId: effect.agentIds[0] as string });
    } else if (effect.type === 'call-answered') {
      answeredWaits[Number(effect.callId.slice(1))] = effect.waitedMs;
      answered++;
    }
  };
  const engine = new RoutingEngine({
    tenantId: 'erlang-sim',
    instanceId: 'sim',
    clock,
    reservations: new MemoryAgentReservations(clock),
    onEffect,
  });
  await engine.upsertQueue({
    queueId: 'q',
    version: 1,
    name: 'Erlang C queue',
    strategy: 'longest-idle',
    serviceLevel: { percent: 80, thresholdSeconds: Math.max(input.slThresholdSeconds, 0.001) },
    afterCallWorkSeconds: 0,
    offerTimeoutSeconds: 600,
  });
  for (let i = 0; i < input.agents; i++) {
    await engine.upsertAgent({ agentId: `a${i}`, version: 1, queues: ['q'] });
    await engine.setAgentState(`a${i}`, 'available');
  }

  const total = warmup + input.calls;
  const meanArrivalMs = 1000 / input.arrivalRate;
  const ahtMs = input.ahtSeconds * 1000;
  const ends = new TimerHeap<string>();
  let arrived = 0;
  let nextArrival = random.exponential(meanArrivalMs);

  const answerOffers = async (): Promise<void> => {
    while (offers.length > 0) {
      const offer = offers.shift() as { callId: string; agentId: string };
      await engine.acceptOffer(offer.callId, offer.agentId);
      ends.push(clock.now() + random.exponential(ahtMs), offer.callId);
    }
  };

  while (answered < total) {
    const arrivalAt = arrived < total ? nextArrival : Infinity;
    const endAt = ends.peekAt() ?? Infinity;
    const timerAt = engine.nextTimerAt() ?? Infinity;
    const at = Math.min(arrivalAt, endAt, timerAt);
    if (at === Infinity) throw new Error(`simulation stalled with ${total - answered} calls unanswered`);
    clock.set(at);
    if (timerAt === at) {
      await engine.fireDueTimers();
    } else if (endAt === at) {
      await engine.endCall((ends.popDue(at) as { task: string }).task);
    } else {
      await engine.enqueueCall({ callId: `c${arrived}`, queueId: 'q' });
      arrived++;
      nextArrival += random.exponential(meanArrivalMs);
    }
    await answerOffers();
  }

  const thresholdMs = input.slThresholdSeconds * 1000;
  let waited = 0;
  let withinThreshold = 0;
  let totalWaitMs = 0;
  for (let i = warmup; i < total; i++) {
    const wait = answeredWaits[i] as number;
    if (wait > 0) waited++;
    if (wait <= thresholdMs) withinThreshold++;
    totalWaitMs += wait;
  }
  const measured = input.calls;
  return {
    agents: input.agents,
    arrival_rate: input.arrivalRate,
    aht_s: input.ahtSeconds,
    sl_threshold_s: input.slThresholdSeconds,
    calls: measured,
    warmup_calls: warmup,
    seed: input.seed,
    occupancy: round(predicted.occupancy),
    p_wait: round(waited / measured),
    asa_s: round(totalWaitMs / measured / 1000),
    service_level: round(withinThreshold / measured),
    erlang_p_wait: round(predicted.pWait),
    erlang_asa_s: round(predicted.asaSeconds),
    erlang_service_level: round(predicted.serviceLevel),
    offers: offerCount,
    simulated_hours: round(clock.now() / 3_600_000, 3),
    wall_ms: Math.round(performance.now() - started),
  };
}
