import { z } from 'zod';
import { acdAgentStateSchema, type AcdAgentStatistics, type AcdQueueStatistics } from '../acd/acd.events';
import { type ScreenPop } from './cti.http';

/**
 * The desktop WebSocket (/api/v1/cti/ws?ticket=...): JSON text messages, each with a `type`.
 * The server pushes; the client may ping and ask for a resync after a reconnect. A message the
 * server cannot accept is answered with `error` naming what was wrong; the connection stays.
 */

export const CTI_WS_PATH = '/api/v1/cti/ws';

/** Close codes the server uses (4000-4999 are the application's). */
export const ctiWsCloseCodes = {
  /** Another desktop of the same agent took over. */
  replaced: 4001,
  /** The agent lost its seat or the user was deactivated. */
  unseated: 4003,
  /** Missed heartbeats. */
  timeout: 4008,
  /** The server is shutting down: reconnect (to another instance). */
  goingAway: 1001,
} as const;

export const ctiClientMessageSchema = z.discriminatedUnion(
  'type',
  [
    /** An application-level heartbeat (browsers cannot send WebSocket pings); answered with pong. */
    z.strictObject({ type: z.literal('ping'), nonce: z.string().max(64, { error: 'must be at most 64 characters' }).optional() }),
    /** After a reconnect: send again the offers, pops and call states of the agent's calls in progress. */
    z.strictObject({ type: z.literal('resync') }),
  ],
  { error: 'type must be ping or resync' },
);
export type CtiClientMessage = z.infer<typeof ctiClientMessageSchema>;

/** queued: the call went back to a queue (its agent transferred it there); the agent who had it wraps up. */
export type CtiCallStatePush = 'ringing' | 'connected' | 'held' | 'queued' | 'ended';

export type CtiServerMessage =
  | { type: 'welcome'; connectionId: string; mode: 'agent' | 'supervisor'; userId: string; tenantId: string; heartbeatMs: number }
  | { type: 'pong'; nonce?: string }
  | { type: 'error'; code: 'invalid-message' | 'too-large'; message: string; fields: { path: string; message: string }[] }
  | { type: 'session.replaced' }
  | { type: 'server.draining' }
  | { type: 'offer'; callId: string; queueId: string; callerMasked: string | null; ringTimeoutMs: number; offerId: string; offeredAt: string }
  | { type: 'pop'; pop: ScreenPop }
  | { type: 'call.state'; callId: string; state: CtiCallStatePush; agentId: string | null; at: string; reason?: string }
  | { type: 'agent.state'; agentId: string; from: z.infer<typeof acdAgentStateSchema>; to: z.infer<typeof acdAgentStateSchema>; reason: string | null; callId: string | null; at: string; acwEndsAt?: string }
  | { type: 'queue.stats'; stats: AcdQueueStatistics }
  | { type: 'agent.stats'; stats: AcdAgentStatistics };

export type CtiServerMessageType = CtiServerMessage['type'];
