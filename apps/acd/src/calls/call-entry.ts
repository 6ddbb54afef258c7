import { type SkillRequirement } from '../routing/routing-config.schema';

export type CallStatus = 'waiting' | 'offered' | 'connected' | 'wrap-up' | 'done';
export type CallOutcome = 'completed' | 'abandoned' | 'overflowed' | 'rejected' | 'callback-unreachable';

/** An offer in progress: who rings, by which voice commands. */
export interface OfferEntry {
  offerId: string;
  decisionId: string;
  agentIds: string[];
  offeredAt: number;
  /** The bridge-agent command sent to each agent (a failure names it). */
  bridgeCommands: Record<string, string>;
  /** A callback: the originate command that calls the customer. */
  originateCommandId: string | null;
}

/**
 * A call in the acd service: the durable queue entry (acd.calls) that lets any instance take the
 * call over, mirrored in memory by the instance that runs the tenant's engine. Times are epoch ms.
 */
export interface CallEntry {
  callId: string;
  /** The voice call the acd commands: the call itself, or for a callback the call placed to the customer (null until placed). */
  voiceCallId: string | null;
  queueId: string;
  mode: 'live' | 'callback';
  status: CallStatus;
  outcome: CallOutcome | null;
  /** The call's own priority (from the IVR). */
  priority: number;
  skills: SkillRequirement[];
  attributes: Record<string, string>;
  afterAgent: 'end' | 'continue';
  locale: string;
  callerHash: string | null;
  lastAgentId: string | null;
  /** The tenant number the caller dialled (the caller id of a callback). */
  dialledNumber: string;
  /** The number to call back (decrypted in memory, encrypted at rest). */
  callbackNumber: string | null;
  callbackAttempts: number;
  callbackRetryAt: number | null;
  /** A callback's call to the customer: being placed, or answered. */
  callbackVoice: 'dialing' | 'live' | null;
  mohOn: boolean;
  enqueuedAt: number;
  offer: OfferEntry | null;
  agentId: string | null;
  connectedAt: number | null;
  missedBy: string[];
  routedAt: number;
  endedAt: number | null;
}
