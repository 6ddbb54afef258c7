import { type AcdAgentState, type AcdAgentStatistics, type AcdQueueStatistics } from '@parley/contracts';

/** An agent's routing state as the live feed announces a change of it. */
export interface AgentStateChange {
  agentId: string;
  state: AcdAgentState;
  reason: string | null;
  /** When the agent entered the state (ISO 8601). */
  since: string;
  /** The call the state is about (reserved, on a call, wrapping up). */
  callId: string | null;
}

/** What the server pushes to a supervisor's browser. */
export type LiveMessage =
  | { type: 'queue.stats'; stats: AcdQueueStatistics }
  | { type: 'agent.stats'; stats: AcdAgentStatistics }
  | { type: 'agent.state'; change: AgentStateChange };

export type LiveFeedStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * Server pushes for the supervisor dashboard. Listeners get every message after they subscribe;
 * the first snapshot comes over HTTP, so a reconnect loses nothing a refresh does not bring back.
 */
export interface LiveFeed {
  /** Starts receiving (idempotent). */
  start(): void;
  /** Stops for good: no more messages, no reconnects. */
  stop(): void;
  subscribe(listener: (message: LiveMessage) => void): () => void;
  onStatus(listener: (status: LiveFeedStatus) => void): () => void;
  readonly status: LiveFeedStatus;
}
