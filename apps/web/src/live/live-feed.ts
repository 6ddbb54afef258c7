import { type AcdAgentState, type AcdAgentStatistics, type AcdQueueStatistics, type CtiCallStatePush, type ScreenPop } from '@parley/contracts';

/** An agent's routing state as the live feed announces a change of it. */
export interface AgentStateChange {
  agentId: string;
  state: AcdAgentState;
  reason: string | null;
  /** When the agent entered the state (ISO 8601). */
  since: string;
  /** The call the state is about (reserved, on a call, wrapping up). */
  callId: string | null;
  /** When the after-call work ends (ISO 8601), when the server says; absent otherwise. */
  acwEndsAt?: string;
}

/** A call offered to this agent: its phone rings with the same call id. */
export interface CallOffer {
  callId: string;
  offerId: string;
  queueId: string;
  /** The caller's number with its middle digits hidden, as the server masks it. */
  callerMasked: string | null;
  /** How long the phone rings before the offer goes to someone else (0: unknown). */
  ringTimeoutMs: number;
  offeredAt: string;
}

/** A call's state as the cti service announces it (from voice's and the acd's events). */
export interface CallStateChange {
  callId: string;
  state: CtiCallStatePush;
  agentId: string | null;
  at: string;
  reason: string | null;
}

/**
 * What the server pushes to a browser. Dashboards use the statistics and agent states; the agent
 * desktop uses everything about its own agent and calls.
 */
export type LiveMessage =
  | { type: 'queue.stats'; stats: AcdQueueStatistics }
  | { type: 'agent.stats'; stats: AcdAgentStatistics }
  | { type: 'agent.state'; change: AgentStateChange }
  | { type: 'offer'; offer: CallOffer }
  | { type: 'pop'; pop: ScreenPop }
  | { type: 'call.state'; change: CallStateChange }
  /** Another desktop of the same agent took over: this one must stop taking calls. */
  | { type: 'session.replaced' };

export type LiveFeedStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * Server pushes for the dashboard and the agent desktop. Listeners get every message after they
 * subscribe; the first snapshot comes over HTTP (or a resync), so a reconnect loses nothing a refresh
 * does not bring back.
 */
export interface LiveFeed {
  /** Starts receiving (idempotent). */
  start(): void;
  /** Stops for good: no more messages, no reconnects. */
  stop(): void;
  /** While waiting to reconnect: try now (the network is back). Does nothing otherwise. */
  retryNow(): void;
  subscribe(listener: (message: LiveMessage) => void): () => void;
  onStatus(listener: (status: LiveFeedStatus) => void): () => void;
  readonly status: LiveFeedStatus;
}
