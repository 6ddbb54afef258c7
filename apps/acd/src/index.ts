export { type Clock, ManualClock, systemClock } from './routing/clock';
export { RoutingError, IllegalAgentTransitionError, type RoutingErrorCode } from './routing/routing.errors';
export {
  agentStates,
  agentRequestableStates,
  allowedTransitions,
  assertAgentTransition,
  canTransition,
  type AgentRequestableState,
  type AgentState,
  type TransitionActor,
} from './routing/agent-state.machine';
export {
  agentConfigSchema,
  enqueueCallSchema,
  overflowStepSchema,
  overflowTargetSchema,
  parseRoutingInput,
  queueConfigSchema,
  routingStrategies,
  skillRequirementSchema,
  skillSchema,
  vipRuleSchema,
  type AgentConfig,
  type AgentConfigInput,
  type EnqueueCall,
  type EnqueueCallInput,
  type OverflowStep,
  type OverflowTarget,
  type QueueConfig,
  type QueueConfigInput,
  type RoutingStrategy,
  type Skill,
  type SkillRequirement,
  type VipRule,
} from './routing/routing-config.schema';
export {
  rankAgentsForCall,
  rankCallsForAgent,
  replayDecision,
  type AgentCandidateFacts,
  type AgentForCallInputs,
  type AgentForCallOutcome,
  type CallCandidateFacts,
  type CallForAgentInputs,
  type CallForAgentOutcome,
  type DecisionInputs,
  type DecisionOutcome,
  type DecisionTrigger,
  type RoutingDecision,
} from './routing/routing-decision.ranking';
export {
  assertReservationLease,
  assertReservationRequest,
  MAX_RESERVATION_LEASE_MS,
  type AgentReservations,
  type ReservationHold,
  type ReservationRequest,
  type ReserveResult,
} from './routing/agent-reservations.port';
export { MemoryAgentReservations } from './routing/memory-agent-reservations.store';
export { agentStateChangedSchema, type AgentStateChanged, type RoutingEffect } from './routing/routing.effects';
export { RoutingEngine, type AdoptAgentInput, type AdoptCallInput, type AgentView, type RoutingEngineOptions, type RoutingEngineSnapshot } from './routing/routing.engine';
export { erlangB, erlangC, type ErlangCInput, type ErlangCResult } from './simulation/erlang-c';
export { SeededRandom } from './simulation/seeded-random';
export { runErlangSimulation, type ErlangSimulationInput, type ErlangSimulationResult } from './simulation/erlang.simulation';
export { LiveStatistics, type AgentDay, type AgentStatistics, type QueueDay, type QueueStatistics } from './stats/live-statistics.calculator';
// The service around the core: what a runner needs to host it (the Nest module or the whole app),
// migrations, schema name, settings, and the real-time stores.
export { AcdModule, type AcdServiceDeps } from './acd.module';
export { createAcdApp, type AcdAppOptions } from './acd-app';
export { acdMigrations } from './migrations';
export { loadAcdEnv, acdEnvSchema, type AcdEnv } from './config/env.schema';
export { ACD_SCHEMA, ACD_UNIT_OF_WORK, acdConsumerGroups, type AcdConsumerGroups } from './acd.tokens';
export { memoryRealtime, redisRealtime, type AcdRealtime } from './live/acd-realtime';
export { RedisAgentReservations } from './routing/redis-agent-reservations.store';
export { RoutingDispatcher } from './runtime/routing-dispatcher.service';
export { SeatsSnapshotService, type SeatedUser } from './agents/seats-snapshot.service';
export { ROUTING_TOPICS } from './calls/call-events.consumer';
export { DemoQueuesService } from './demo/demo-queues.service';
