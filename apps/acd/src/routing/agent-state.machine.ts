import { IllegalAgentTransitionError } from './routing.errors';

export const agentStates = ['offline', 'available', 'reserved', 'on-call', 'after-call-work', 'break'] as const;
export type AgentState = (typeof agentStates)[number];

/** Who asks for a change: the agent (or a supervisor) through the API, or the routing engine itself. */
export type TransitionActor = 'agent' | 'engine';

/** The states an agent may ask for; the others are the engine's to set. */
export const agentRequestableStates = ['available', 'break', 'offline'] as const;
export type AgentRequestableState = (typeof agentRequestableStates)[number];

/**
 * Every legal transition and who may make it. Anything not listed is refused with
 * IllegalAgentTransitionError (HTTP 409).
 * - reserved -> available: the offer was declined, timed out or cancelled (an agent asking for
 *   "available" while reserved declines the offer);
 * - reserved -> break (engine): too many missed offers, reason `missed-offers`;
 * - on-call -> available (engine): the call ended and the queue has no after-call work;
 * - break -> break: a new reason code.
 */
const transitions: Readonly<Record<AgentState, Readonly<Partial<Record<AgentState, readonly TransitionActor[]>>>>> = {
  offline: { available: ['agent'], break: ['agent'] },
  available: { reserved: ['engine'], break: ['agent'], offline: ['agent'] },
  reserved: { 'on-call': ['engine'], available: ['agent', 'engine'], break: ['agent', 'engine'], offline: ['agent'] },
  'on-call': { 'after-call-work': ['engine'], available: ['engine'] },
  'after-call-work': { available: ['agent', 'engine'], break: ['agent'], offline: ['agent'] },
  break: { available: ['agent'], offline: ['agent'], break: ['agent'] },
};

export function canTransition(from: AgentState, to: AgentState, actor: TransitionActor): boolean {
  return transitions[from][to]?.includes(actor) ?? false;
}

/** The states `actor` may move an agent to from `from`. */
export function allowedTransitions(from: AgentState, actor: TransitionActor): AgentState[] {
  return agentStates.filter((to) => canTransition(from, to, actor));
}

export function assertAgentTransition(agentId: string, from: AgentState, to: AgentState, actor: TransitionActor): void {
  if (!canTransition(from, to, actor)) {
    throw new IllegalAgentTransitionError(agentId, from, to, actor, allowedTransitions(from, actor));
  }
}

/** States in which the agent works on a call (counted as busy time for occupancy). */
export function isBusyState(state: AgentState): boolean {
  return state === 'reserved' || state === 'on-call' || state === 'after-call-work';
}
