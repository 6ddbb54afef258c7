import { acdAgentStateSchema, acdAgentStatisticsSchema, acdQueueStatisticsSchema } from '@parley/contracts';
import { z } from 'zod';
import { type LiveMessage } from './live-feed';

/**
 * The wire format of the cti WebSocket, in this one file so it can be aligned with the server
 * (being built at the same time; this follows its work in progress, libs/contracts cti.ws.ts): each
 * text frame is one JSON object with a `type`:
 * - `{type: 'queue.stats', stats}` and `{type: 'agent.stats', stats}`: the acd's statistics as
 *   published on `acd.queue.stats.v1` and `acd.agent.stats.v1`;
 * - `{type: 'agent.state', agentId, from, to, reason, callId, at}`: an agent's state changed.
 * Every other type (welcome, pong, offers, ...) is not for the dashboard and is ignored.
 */

const frameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('queue.stats'), stats: acdQueueStatisticsSchema }),
  z.object({ type: z.literal('agent.stats'), stats: acdAgentStatisticsSchema }),
  z.object({
    type: z.literal('agent.state'),
    agentId: z.string().min(1),
    to: acdAgentStateSchema,
    reason: z.string().nullable().default(null),
    callId: z.string().nullable().default(null),
    at: z.iso.datetime({ offset: true }),
  }),
]);

const DASHBOARD_TYPES: ReadonlySet<string> = new Set(['queue.stats', 'agent.stats', 'agent.state']);

export type ParsedFrame = { kind: 'message'; message: LiveMessage } | { kind: 'ignored'; type: string } | { kind: 'invalid'; reason: string };

/** One frame as a message; frames of types the dashboard does not use are ignored, malformed ones say why. */
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
  if (!DASHBOARD_TYPES.has(type)) return { kind: 'ignored', type };
  const parsed = frameSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', reason: `${type}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(frame)'} ${i.message}`).join('; ')}` };
  const frame = parsed.data;
  switch (frame.type) {
    case 'queue.stats':
      return { kind: 'message', message: { type: 'queue.stats', stats: frame.stats } };
    case 'agent.stats':
      return { kind: 'message', message: { type: 'agent.stats', stats: frame.stats } };
    case 'agent.state':
      return { kind: 'message', message: { type: 'agent.state', change: { agentId: frame.agentId, state: frame.to, reason: frame.reason, since: frame.at, callId: frame.callId } } };
  }
}

/** The WebSocket URL for a ticket, on the page's own host (ws: or wss: like the page). */
export function liveSocketUrl(pageUrl: { protocol: string; host: string }, ticket: string): string {
  const scheme = pageUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${pageUrl.host}/api/v1/cti/ws?ticket=${encodeURIComponent(ticket)}`;
}
