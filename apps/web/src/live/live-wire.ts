import { acdAgentStateSchema, acdAgentStatisticsSchema, acdQueueStatisticsSchema, ctiWsCloseCodes } from '@parley/contracts';
import { z } from 'zod';
import { screenPopSchema } from '../api/cti-desktop.schemas';
import { type LiveMessage } from './live-feed';

/**
 * The wire format of the cti WebSocket (libs/contracts cti.ws.ts, `CtiServerMessage`), in this one
 * file: each text frame is one JSON object with a `type`:
 * - `{type: 'queue.stats', stats}` and `{type: 'agent.stats', stats}`: the acd's statistics as
 *   published on `acd.queue.stats.v1` and `acd.agent.stats.v1`;
 * - `{type: 'agent.state', agentId, from, to, reason, callId, at}`: an agent's state changed;
 * - agent desktops also get `offer`, `pop`, `call.state` and `session.replaced` about their own calls.
 * Every other type (welcome, pong, server.draining, ...) is not for the screens and is ignored.
 */

const instant = z.iso.datetime({ offset: true });

const frameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('queue.stats'), stats: acdQueueStatisticsSchema }),
  z.object({ type: z.literal('agent.stats'), stats: acdAgentStatisticsSchema }),
  z.object({
    type: z.literal('agent.state'),
    agentId: z.string().min(1),
    to: acdAgentStateSchema,
    reason: z.string().nullable().default(null),
    callId: z.string().nullable().default(null),
    at: instant,
    // Not sent yet by the cti service: the after-call work's end, for the desktop's countdown.
    acwEndsAt: instant.optional(),
  }),
  z.object({
    type: z.literal('offer'),
    callId: z.string().min(1),
    offerId: z.string().min(1),
    queueId: z.string().min(1),
    callerMasked: z.string().nullable().default(null),
    ringTimeoutMs: z.number().nonnegative().default(0),
    offeredAt: instant,
  }),
  z.object({ type: z.literal('pop'), pop: screenPopSchema }),
  z.object({
    type: z.literal('call.state'),
    callId: z.string().min(1),
    state: z.enum(['ringing', 'connected', 'held', 'queued', 'ended']),
    agentId: z.string().nullable().default(null),
    at: instant,
    reason: z.string().optional(),
  }),
  z.object({ type: z.literal('session.replaced') }),
]);

const SCREEN_TYPES: ReadonlySet<string> = new Set(['queue.stats', 'agent.stats', 'agent.state', 'offer', 'pop', 'call.state', 'session.replaced']);

export type ParsedFrame = { kind: 'message'; message: LiveMessage } | { kind: 'ignored'; type: string } | { kind: 'invalid'; reason: string };

/** One frame as a message; frames of types no screen uses are ignored, malformed ones say why. */
export function parseLiveFrame(data: unknown): ParsedFrame {
  if (typeof data !== 'string') return { kind: 'invalid', reason: 'not a text frame' };
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  if (typeof type !== 'string') return { kind: 'invalid', reason: 'no "type"' };
  if (!SCREEN_TYPES.has(type)) return { kind: 'ignored', type };
  const parsed = frameSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', reason: `${type}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(frame)'} ${i.message}`).join('; ')}` };
  return { kind: 'message', message: toMessage(parsed.data) };
}

function toMessage(frame: z.infer<typeof frameSchema>): LiveMessage {
  switch (frame.type) {
    case 'queue.stats':
      return { type: 'queue.stats', stats: frame.stats };
    case 'agent.stats':
      return { type: 'agent.stats', stats: frame.stats };
    case 'agent.state': {
      const change = { agentId: frame.agentId, state: frame.to, reason: frame.reason, since: frame.at, callId: frame.callId };
      return { type: 'agent.state', change: frame.acwEndsAt !== undefined ? { ...change, acwEndsAt: frame.acwEndsAt } : change };
    }
    case 'offer':
      return {
        type: 'offer',
        offer: { callId: frame.callId, offerId: frame.offerId, queueId: frame.queueId, callerMasked: frame.callerMasked, ringTimeoutMs: frame.ringTimeoutMs, offeredAt: frame.offeredAt },
      };
    case 'pop':
      return { type: 'pop', pop: frame.pop };
    case 'call.state':
      return { type: 'call.state', change: { callId: frame.callId, state: frame.state, agentId: frame.agentId, at: frame.at, reason: frame.reason ?? null } };
    case 'session.replaced':
      return { type: 'session.replaced' };
  }
}

/** What a close code means for the feed: reconnect, or stop because this desktop is no longer the agent's (taken over, seat released). */
export function closeOutcome(code: number): 'reconnect' | 'replaced' | 'unseated' {
  if (code === ctiWsCloseCodes.replaced) return 'replaced';
  if (code === ctiWsCloseCodes.unseated) return 'unseated';
  return 'reconnect';
}

/** The client's request, after each (re)connect, for the offers, pops and call states of the agent's calls in progress. */
export const RESYNC_FRAME = JSON.stringify({ type: 'resync' });

/** The WebSocket URL for a ticket, on the page's own host (ws: or wss: like the page). */
export function liveSocketUrl(pageUrl: { protocol: string; host: string }, ticket: string): string {
  const scheme = pageUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${pageUrl.host}/api/v1/cti/ws?ticket=${encodeURIComponent(ticket)}`;
}
