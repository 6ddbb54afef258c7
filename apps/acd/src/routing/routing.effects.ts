import { z } from 'zod';
import { agentStates, type AgentState } from './agent-state.machine';
import { type OverflowTarget } from './routing-config.schema';
import { type RoutingDecision } from './routing-decision.ranking';

/**
 * What the routing engine did, in order: the host publishes these (offers to agents, queue music,
 * overflow to voicemail, agent state for other engine instances and dashboards), stores decisions,
 * and feeds the live statistics. Times are epoch ms of the engine's clock.
 */
export type RoutingEffect =
  | { type: 'queue-configured'; at: number; queueId: string; version: number; serviceLevelThresholdMs: number }
  | { type: 'agent-configured'; at: number; agentId: string; version: number; queueIds: string[] }
  /** `enqueuedAt`: when the call took its place (earlier than `at` for a callback that kept its place or a call taken over from an engine that died). */
  | { type: 'call-queued'; at: number; callId: string; queueId: string; priority: number; overflowedFrom: string | null; enqueuedAt: number }
  | { type: 'call-offered'; at: number; callId: string; queueId: string; offerId: string; agentIds: string[]; decision: RoutingDecision }
  | {
      type: 'offer-ended';
      at: number;
      callId: string;
      queueId: string;
      offerId: string;
      agentIds: string[];
      outcome: 'accepted' | 'missed' | 'declined' | 'cancelled';
    }
  | { type: 'call-answered'; at: number; callId: string; queueId: string; agentId: string; offerId: string; waitedMs: number }
  | { type: 'call-abandoned'; at: number; callId: string; queueId: string; waitedMs: number }
  | {
      type: 'call-overflowed';
      at: number;
      callId: string;
      queueId: string;
      waitedMs: number;
      reason: 'max-wait' | 'queue-full';
      target: OverflowTarget;
    }
  | { type: 'call-completed'; at: number; callId: string; queueId: string; agentId: string; talkMs: number }
  | AgentStateChanged;

export interface AgentStateChanged {
  type: 'agent-state-changed';
  at: number;
  agentId: string;
  from: AgentState;
  to: AgentState;
  /** The break reason code (null outside break). */
  reason: string | null;
  /** The call the change is about, if any. */
  callId: string | null;
  /** The engine instance that made the change. */
  by: string;
}

export const agentStateChangedSchema = z
  .object({
    type: z.literal('agent-state-changed'),
    at: z.number().finite(),
    agentId: z.string().min(1),
    from: z.enum(agentStates),
    to: z.enum(agentStates),
    reason: z.string().min(1).max(64).nullable(),
    callId: z.string().min(1).nullable(),
    by: z.string().min(1),
  })
  .strict();
