import { ManualClock } from './clock';
import { MemoryAgentReservations } from './memory-agent-reservations.store';
import { type AgentConfigInput, type QueueConfigInput } from './routing-config.schema';
import { type RoutingEffect } from './routing.effects';
import { RoutingEngine } from './routing.engine';

/** An engine on a manual clock with in-memory reservations, recording every effect. For unit tests. */
export interface EngineKit {
  engine: RoutingEngine;
  clock: ManualClock;
  reservations: MemoryAgentReservations;
  effects: RoutingEffect[];
  /** Moves the clock and fires the timers that fall due on the way, in order. */
  advance(ms: number): Promise<void>;
  offers(): Extract<RoutingEffect, { type: 'call-offered' }>[];
  lastOffer(): Extract<RoutingEffect, { type: 'call-offered' }>;
  ofType<T extends RoutingEffect['type']>(type: T): Extract<RoutingEffect, { type: T }>[];
  /** Agents created available, in order, 1 ms apart (so the first is the longest idle). */
  availableAgents(agents: AgentConfigInput[]): Promise<void>;
}

export const baseQueue = (over: Partial<QueueConfigInput> = {}): QueueConfigInput => ({
  queueId: 'sales',
  version: 1,
  name: 'Sales',
  strategy: 'longest-idle',
  serviceLevel: { percent: 80, thresholdSeconds: 20 },
  ...over,
});

export interface EngineKitOptions {
  skills?: string[];
  start?: number;
  instanceId?: string;
  recordedCandidates?: number;
  /** Sees every effect as it happens, with the engine (whose state is then the state the effect was decided on). */
  observe?: (effect: RoutingEffect, engine: RoutingEngine) => void;
}

export async function engineKit(options: EngineKitOptions = {}): Promise<EngineKit> {
  const clock = new ManualClock(options.start ?? 1_700_000_000_000);
  const reservations = new MemoryAgentReservations(clock);
  const effects: RoutingEffect[] = [];
  const engine: RoutingEngine = new RoutingEngine({
    tenantId: 't1',
    instanceId: options.instanceId ?? 'acd-1',
    clock,
    reservations,
    onEffect: (effect) => {
      effects.push(effect);
      options.observe?.(effect, engine);
    },
    ...(options.recordedCandidates === undefined ? {} : { recordedCandidates: options.recordedCandidates }),
  });
  for (const skillId of options.skills ?? []) engine.defineSkill({ skillId, name: skillId });
  const ofType = <T extends RoutingEffect['type']>(type: T): Extract<RoutingEffect, { type: T }>[] =>
    effects.filter((effect): effect is Extract<RoutingEffect, { type: T }> => effect.type === type);
  return {
    engine,
    clock,
    reservations,
    effects,
    ofType,
    offers: () => ofType('call-offered'),
    lastOffer: () => {
      const offers = ofType('call-offered');
      const last = offers[offers.length - 1];
      if (!last) throw new Error('no offer was made');
      return last;
    },
    async advance(ms: number): Promise<void> {
      const target = clock.now() + ms;
      for (;;) {
        const next = engine.nextTimerAt();
        if (next === null || next > target) break;
        clock.set(Math.max(next, clock.now()));
        await engine.fireDueTimers();
      }
      clock.set(target);
    },
    async availableAgents(agents: AgentConfigInput[]): Promise<void> {
      for (const agent of agents) {
        await engine.upsertAgent(agent);
        await engine.setAgentState(agent.agentId, 'available');
        clock.advance(1);
      }
    },
  };
}
