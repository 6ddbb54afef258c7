import { SeededRandom } from '../simulation/seeded-random';
import { type AgentReservations, type ReservationRequest, type ReserveResult } from './agent-reservations.port';
import { type ManualClock } from './clock';
import { type RoutingEffect } from './routing.effects';
import { RoutingEngine } from './routing.engine';
import { IllegalAgentTransitionError, RoutingError } from './routing.errors';
import { TimerHeap } from './timer-heap';

/**
 * Several routing engines racing over one shared AgentReservations, as several acd instances do:
 * each engine owns the calls delivered to it (a few calls are delivered to two engines, as in a
 * Kafka rebalance), every engine sees every agent, agent state changes reach the other engines
 * late and in different orders, and the engines' reservation calls interleave at random. Agents
 * answer, decline or ignore offers, take breaks, and callers hang up.
 *
 * A monitor watches every effect as it happens and records a violation whenever an agent is
 * offered a call while it still holds another one, or a call is offered while it already has a
 * live offer or is connected. Used with the in-memory store here and with the Redis store by the
 * integration test.
 */
export interface EngineRaceOptions {
  /** The store under test, shared by every engine. */
  reservations: AgentReservations;
  /** The simulated clock the engines (and an in-memory store) run on. */
  clock: ManualClock;
  /** Stop once this many offers have been made. */
  offers: number;
  seed: number;
  tenantId?: string;
  engines?: number;
  agents?: number;
  /** Calls per simulated second (default: enough to keep every agent busy and calls waiting). */
  arrivalRate?: number;
  /** Lets the store's own time pass as the simulated clock moves (Redis runs on real time: leave unset and keep leases long). */
  onClockAdvance?: (ms: number) => Promise<void>;
}

export interface EngineRaceReport {
  offers: number;
  answered: number;
  offerOutcomes: Record<'accepted' | 'missed' | 'declined' | 'cancelled', number>;
  callsDeliveredTwice: number;
  /** Reservations refused because another offer held the agent or the call: the race really happened. */
  reservationConflicts: { agentHeld: number; callHeld: number };
  /** Offers that reached an agent who already held a call, or a call that already had a live offer or an agent. Must be empty. */
  violations: string[];
  refusedAgentRequests: number;
  simulatedSeconds: number;
}

type Step =
  | { kind: 'arrival' }
  | { kind: 'deliver'; engine: number; callId: string; queueId: string }
  | { kind: 'respond'; engine: number; callId: string; agentId: string; answer: 'accept' | 'decline' }
  | { kind: 'hang-up'; callId: string }
  | { kind: 'agent-request'; agentId: string; to: 'available' | 'break' };

const NEVER = Number.POSITIVE_INFINITY;
/** The race stops early once this many violations are recorded. */
const MAX_VIOLATIONS = 50;

const QUEUES = [
  { queueId: 'q-idle', strategy: 'longest-idle' as const },
  { queueId: 'q-ring', strategy: 'ring-all' as const },
  { queueId: 'q-rr', strategy: 'round-robin' as const },
  { queueId: 'q-occupied', strategy: 'least-occupied' as const },
];

/** Delegates to the store under test after a random number of microtask turns, so that concurrent engine operations interleave differently every time. */
class InterleavingReservations implements AgentReservations {
  agentHeld = 0;
  callHeld = 0;

  constructor(
    private readonly inner: AgentReservations,
    private readonly random: SeededRandom,
  ) {}

  private async jitter(): Promise<void> {
    for (let turns = this.random.int(4); turns > 0; turns--) await null;
  }

  async reserve(request: ReservationRequest): Promise<ReserveResult> {
    await this.jitter();
    const result = await this.inner.reserve(request);
    if (!result.ok && result.conflict === 'agent-held') this.agentHeld++;
    if (!result.ok && result.conflict === 'call-held') this.callHeld++;
    await this.jitter();
    return result;
  }

  async confirm(tenantId: string, offerId: string, agentId: string, leaseMs: number): Promise<boolean> {
    await this.jitter();
    return this.inner.confirm(tenantId, offerId, agentId, leaseMs);
  }

  async extend(tenantId: string, offerId: string, leaseMs: number): Promise<boolean> {
    await this.jitter();
    return this.inner.extend(tenantId, offerId, leaseMs);
  }

  async release(tenantId: string, offerId: string, agentIds?: readonly string[]): Promise<readonly string[]> {
    await this.jitter();
    return this.inner.release(tenantId, offerId, agentIds);
  }

  holdOfAgent(tenantId: string, agentId: string): ReturnType<AgentReservations['holdOfAgent']> {
    return this.inner.holdOfAgent(tenantId, agentId);
  }

  holdOfCall(tenantId: string, callId: string): ReturnType<AgentReservations['holdOfCall']> {
    return this.inner.holdOfCall(tenantId, callId);
  }
}

export async function runEngineRace(options: EngineRaceOptions): Promise<EngineRaceReport> {
  const random = new SeededRandom(options.seed);
  const tenantId = options.tenantId ?? `race-${options.seed}`;
  const engineCount = options.engines ?? 4;
  const agentCount = options.agents ?? 24;
  const arrivalRate = options.arrivalRate ?? agentCount / 9;
  const clock = options.clock;
  const startedAt = clock.now();
  const reservations = new InterleavingReservations(options.reservations, random);

  const report: EngineRaceReport = {
    offers: 0,
    answered: 0,
    offerOutcomes: { accepted: 0, missed: 0, declined: 0, cancelled: 0 },
    callsDeliveredTwice: 0,
    reservationConflicts: { agentHeld: 0, callHeld: 0 },
    violations: [],
    refusedAgentRequests: 0,
    simulatedSeconds: 0,
  };
  const steps = new TimerHeap<Step>();
  const at = (delayMs: number, step: Step): void => steps.push(clock.now() + delayMs, step);

  // The monitor: what holds what, from the effects, in the order they happen.
  const agentHolds = new Map<string, { engine: number; offerId: string; callId: string }>();
  const callHolds = new Map<string, { engine: number; offerId: string }>();
  const violation = (text: string): void => {
    if (report.violations.length < MAX_VIOLATIONS) report.violations.push(`${(clock.now() - startedAt) / 1000}s: ${text}`);
  };
  /** The engines holding each call (two for a call delivered twice, until one answers it). */
  const owners = new Map<string, Set<number>>();
  /** The engine that made an agent's latest state change: where the agent's requests go. */
  const steward = new Map<string, number>();
  const inboxes: RoutingEffect[][] = Array.from({ length: engineCount }, () => []);
  const forgets: string[][] = Array.from({ length: engineCount }, () => []);

  const onEffect = (engine: number, effect: RoutingEffect): void => {
    switch (effect.type) {
      case 'call-offered': {
        report.offers++;
        const callHold = callHolds.get(effect.callId);
        if (callHold) violation(`call ${effect.callId} offered by engine ${engine} (${effect.offerId}) while engine ${callHold.engine} holds it (${callHold.offerId})`);
        callHolds.set(effect.callId, { engine, offerId: effect.offerId });
        for (const agentId of effect.agentIds) {
          const held = agentHolds.get(agentId);
          if (held) violation(`agent ${agentId} offered call ${effect.callId} by engine ${engine} while holding call ${held.callId} (${held.offerId}, engine ${held.engine})`);
          agentHolds.set(agentId, { engine, offerId: effect.offerId, callId: effect.callId });
          const answer = random.next();
          if (answer < 0.8) at(200 + random.int(3_800), { kind: 'respond', engine, callId: effect.callId, agentId, answer: 'accept' });
          else if (answer < 0.9) at(200 + random.int(2_000), { kind: 'respond', engine, callId: effect.callId, agentId, answer: 'decline' });
          // else: no answer, the offer times out
        }
        return;
      }
      case 'offer-ended':
        report.offerOutcomes[effect.outcome]++;
        if (effect.outcome !== 'accepted' && callHolds.get(effect.callId)?.offerId === effect.offerId) callHolds.delete(effect.callId);
        return;
      case 'call-answered': {
        report.answered++;
        const others = [...(owners.get(effect.callId) ?? [])].filter((other) => other !== engine);
        for (const other of others) forgets[other]?.push(effect.callId);
        owners.set(effect.callId, new Set([engine]));
        at(1_000 + random.int(29_000), { kind: 'hang-up', callId: effect.callId });
        return;
      }
      case 'call-completed':
      case 'call-abandoned':
      case 'call-overflowed':
        if (callHolds.get(effect.callId)?.engine === engine) callHolds.delete(effect.callId);
        return;
      case 'agent-state-changed': {
        steward.set(effect.agentId, engine);
        if ((effect.to === 'available' || effect.to === 'break' || effect.to === 'offline') && agentHolds.get(effect.agentId)?.engine === engine) {
          agentHolds.delete(effect.agentId);
        }
        if (effect.to === 'available' && random.next() < 0.03) at(random.int(3_000), { kind: 'agent-request', agentId: effect.agentId, to: 'break' });
        if (effect.to === 'break') at(5_000 + random.int(25_000), { kind: 'agent-request', agentId: effect.agentId, to: 'available' });
        for (let other = 0; other < engineCount; other++) if (other !== engine) inboxes[other]?.push(effect);
        return;
      }
      default:
        return;
    }
  };

  const engines = Array.from(
    { length: engineCount },
    (_, index) =>
      new RoutingEngine({
        tenantId,
        instanceId: `race-${options.seed}-acd-${index}`,
        clock,
        reservations,
        onEffect: (effect) => onEffect(index, effect),
        parkRetryMs: 1_000,
      }),
  );
  for (const engine of engines) {
    for (const queue of QUEUES) {
      await engine.upsertQueue({
        queueId: queue.queueId,
        version: 1,
        name: queue.queueId,
        strategy: queue.strategy,
        ringAllLimit: 3,
        serviceLevel: { percent: 80, thresholdSeconds: 20 },
        offerTimeoutSeconds: 5,
        maxMissedOffers: 3,
        afterCallWorkSeconds: queue.strategy === 'round-robin' ? 2 : 0,
        maxWaitSeconds: 90,
        overflow: { kind: 'voicemail' },
      });
    }
  }
  for (let a = 0; a < agentCount; a++) {
    const queues = QUEUES.filter((_, q) => q === a % QUEUES.length || random.next() < 0.4).map((q) => q.queueId);
    for (const engine of engines) await engine.upsertAgent({ agentId: `agent-${a}`, version: 1, queues });
  }
  // Agents log in through engine 0; the others hear of it.
  for (let a = 0; a < agentCount; a++) await (engines[0] as RoutingEngine).setAgentState(`agent-${a}`, 'available');

  const tolerate = async (work: Promise<unknown>, codes: readonly string[]): Promise<void> => {
    try {
      await work;
    } catch (error) {
      if (error instanceof IllegalAgentTransitionError) {
        report.refusedAgentRequests++;
        return;
      }
      if (error instanceof RoutingError && codes.includes(error.code)) return;
      throw error;
    }
  };

  let callSeq = 0;
  at(random.exponential(1000 / arrivalRate), { kind: 'arrival' });
  const run = (step: Step): Promise<void> => {
    switch (step.kind) {
      case 'arrival': {
        if (report.offers < options.offers) at(random.exponential(1000 / arrivalRate), { kind: 'arrival' });
        const callId = `call-${callSeq++}`;
        const queueId = (QUEUES[random.int(QUEUES.length)] as { queueId: string }).queueId;
        const first = random.int(engineCount);
        const targets = [first];
        if (random.next() < 0.03) {
          targets.push((first + 1 + random.int(engineCount - 1)) % engineCount);
          report.callsDeliveredTwice++;
        }
        for (const [i, engine] of targets.entries()) at(i * random.int(300), { kind: 'deliver', engine, callId, queueId });
        owners.set(callId, new Set(targets));
        if (random.next() < 0.1) at(1_000 + random.int(40_000), { kind: 'hang-up', callId });
        return Promise.resolve();
      }
      case 'deliver':
        // A late duplicate of a call already answered or ended elsewhere is not delivered.
        if (!owners.get(step.callId)?.has(step.engine)) return Promise.resolve();
        return tolerate((engines[step.engine] as RoutingEngine).enqueueCall({ callId: step.callId, queueId: step.queueId }), []);
      case 'respond': {
        const engine = engines[step.engine] as RoutingEngine;
        // The offer may be over by now (timed out, taken by another ring-all agent, caller gone).
        return tolerate(step.answer === 'accept' ? engine.acceptOffer(step.callId, step.agentId) : engine.declineOffer(step.callId, step.agentId), ['offer-mismatch', 'unknown-call']);
      }
      case 'hang-up': {
        const holders = [...(owners.get(step.callId) ?? [])];
        owners.delete(step.callId);
        return Promise.all(holders.map((engine) => tolerate((engines[engine] as RoutingEngine).endCall(step.callId), ['unknown-call']))).then(() => undefined);
      }
      case 'agent-request': {
        const engine = engines[steward.get(step.agentId) ?? 0] as RoutingEngine;
        return tolerate(engine.setAgentState(step.agentId, step.to, step.to === 'break' ? 'coffee' : undefined), []).then(() => {
          const refusedReturn = step.to === 'available' && engine.snapshot().agents.find((agent) => agent.agentId === step.agentId)?.state === 'break';
          if (refusedReturn) at(2_000, step);
        });
      }
    }
  };

  while (report.offers < options.offers && report.violations.length < MAX_VIOLATIONS) {
    let next = steps.peekAt() ?? NEVER;
    for (const engine of engines) {
      const timer = engine.nextTimerAt();
      if (timer !== null && timer < next) next = timer;
    }
    if (next === NEVER) throw new Error(`the race stalled after ${report.offers} offers`);
    if (next > clock.now()) {
      const step = next - clock.now();
      clock.set(next);
      await options.onClockAdvance?.(step);
    }
    // Everything due now, started together so the engines' operations interleave.
    for (let rounds = 0; ; rounds++) {
      if (report.violations.length >= MAX_VIOLATIONS) break;
      if (rounds > 10_000) {
        throw new Error(`the race livelocked at ${(clock.now() - startedAt) / 1000}s after ${report.offers} offers; violations: ${report.violations.slice(0, 3).join(' | ')}`);
      }
      const work: Promise<unknown>[] = [];
      for (let step = steps.popDue(clock.now()); step; step = steps.popDue(clock.now())) work.push(run(step.task));
      for (const [index, engine] of engines.entries()) {
        const inbox = inboxes[index] as RoutingEffect[];
        const forget = forgets[index] as string[];
        const start = random.int(2);
        const due = (engine.nextTimerAt() ?? NEVER) <= clock.now();
        if (start === 0 && due) work.push(engine.fireDueTimers());
        for (const callId of forget.splice(0)) work.push(engine.forgetCall(callId));
        for (const change of inbox.splice(0)) {
          if (change.type === 'agent-state-changed') work.push(engine.observeAgentState(change));
        }
        if (start === 1 && due) work.push(engine.fireDueTimers());
      }
      if (work.length === 0) break;
      await Promise.all(work);
    }
  }
  report.reservationConflicts = { agentHeld: reservations.agentHeld, callHeld: reservations.callHeld };
  report.simulatedSeconds = Math.round((clock.now() - startedAt) / 1000);
  return report;
}
