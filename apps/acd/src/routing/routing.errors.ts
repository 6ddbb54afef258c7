import type { AgentState, TransitionActor } from './agent-state.machine';

/**
 * What went wrong, for the HTTP and message layers to map: `illegal-transition` and
 * `offer-mismatch` are conflicts (409), `unknown-*` are 404, `invalid-input` and `stale-config` are
 * 400/422, `call-exists` is a duplicate (409), `reservations-unavailable` is a dependency failure (503).
 */
export type RoutingErrorCode =
  | 'invalid-input'
  | 'illegal-transition'
  | 'unknown-agent'
  | 'unknown-queue'
  | 'unknown-skill'
  | 'unknown-call'
  | 'call-exists'
  | 'stale-config'
  | 'overflow-cycle'
  | 'offer-mismatch'
  | 'reservations-unavailable';

export class RoutingError extends Error {
  constructor(
    readonly code: RoutingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RoutingError';
  }
}

/** An agent state change the transition table refuses (HTTP 409). */
export class IllegalAgentTransitionError extends RoutingError {
  constructor(
    readonly agentId: string,
    readonly from: AgentState,
    readonly to: AgentState,
    readonly actor: TransitionActor,
    readonly allowed: readonly AgentState[],
  ) {
    super(
      'illegal-transition',
      `agent ${agentId} cannot go from ${from} to ${to} (${actor}); allowed from ${from}: ${allowed.length > 0 ? allowed.join(', ') : 'nothing'}`,
    );
    this.name = 'IllegalAgentTransitionError';
  }
}
