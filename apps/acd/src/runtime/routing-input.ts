import { z } from 'zod';
import { ivrCallRoutedV1 } from '@parley/contracts';
import { agentRequestableStates } from '../routing/agent-state.machine';

/**
 * What the engine of a tenant is asked to do, as JSON: inputs reach the instance that runs the
 * tenant's engine directly, or through acd.routing_inputs when another instance runs it.
 */
export const voiceInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bridged'), voiceCallId: z.uuid(), agentId: z.uuid() }),
  z.object({ type: z.literal('ended'), voiceCallId: z.uuid(), reason: z.string() }),
  z.object({ type: z.literal('unbridged'), voiceCallId: z.uuid() }),
  /** agentId and attended: a completed consultation with that agent (attended), or a blind transfer. */
  z.object({ type: z.literal('transferred'), voiceCallId: z.uuid(), agentId: z.uuid().optional(), attended: z.boolean().optional() }),
  z.object({ type: z.literal('consult-answered'), voiceCallId: z.uuid(), agentId: z.uuid() }),
  z.object({ type: z.literal('consult-failed'), voiceCallId: z.uuid(), agentId: z.uuid(), sipStatus: z.number().int().nullable() }),
  /** The consultation is over: completed (or the agent hung up: the caller goes to the consulted agent), cancelled, or it became a conference. */
  z.object({ type: z.literal('consult-ended'), voiceCallId: z.uuid(), outcome: z.enum(['completed', 'cancelled', 'conference', 'consulted-hangup', 'agent-hangup']) }),
  z.object({ type: z.literal('conference-ended'), voiceCallId: z.uuid(), reason: z.enum(['agent-left', 'third-party-left', 'caller-left']) }),
  z.object({ type: z.literal('answered'), voiceCallId: z.uuid() }),
  z.object({
    type: z.literal('command-failed'),
    voiceCallId: z.uuid(),
    commandId: z.uuid(),
    commandType: z.string(),
    reason: z.enum(['unknown-call', 'invalid-state', 'failed']),
    sipStatus: z.number().int().nullable(),
    detail: z.string(),
  }),
]);
export type VoiceInput = z.infer<typeof voiceInputSchema>;

export const routingInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('routed'), routed: ivrCallRoutedV1.schema }),
  z.object({ kind: z.literal('voice'), event: voiceInputSchema }),
  /** A configuration change saved in PostgreSQL: the engine reloads it. */
  z.object({ kind: z.literal('config'), scope: z.enum(['skill', 'queue', 'agent', 'settings']), id: z.string() }),
  z.object({ kind: z.literal('agent-state'), agentId: z.uuid(), to: z.enum(agentRequestableStates), reason: z.string().nullable() }),
  z.object({ kind: z.literal('queue-stats'), queueId: z.string() }),
  z.object({ kind: z.literal('agents-stats') }),
  /** Blind transfer of a connected call to a queue; agentId: the agent who asks (only their own call), null for a supervisor. */
  z.object({ kind: z.literal('queue-transfer'), callId: z.uuid(), queueId: z.string().min(1).max(64), agentId: z.uuid().nullable(), requestedBy: z.uuid() }),
  /** A consultation with the best available agent of a queue (warm transfer); agentId as for queue-transfer. */
  z.object({ kind: z.literal('queue-consult'), callId: z.uuid(), queueId: z.string().min(1).max(64), agentId: z.uuid().nullable(), requestedBy: z.uuid() }),
  /** What an agent may transfer to: the queues with their load, and the agents' states. */
  z.object({ kind: z.literal('transfer-targets') }),
]);
export type RoutingInput = z.infer<typeof routingInputSchema>;

export type RoutedPayload = z.infer<typeof ivrCallRoutedV1.schema>;

export interface InputError {
  status: 400 | 404 | 409 | 503;
  message: string;
  fields?: { path: string; message: string }[];
}

/** What became of an input: its answer (agent state, statistics) or why it was refused. */
export type InputResult = { ok: true; value?: unknown } | { ok: false; error: InputError };

export const inputResultSchema: z.ZodType<InputResult> = z.union([
  z.object({ ok: z.literal(true), value: z.unknown().optional() }),
  z.object({
    ok: z.literal(false),
    error: z.object({
      status: z.union([z.literal(400), z.literal(404), z.literal(409), z.literal(503)]),
      message: z.string(),
      fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  }),
]);

export const done: InputResult = { ok: true };

export function refused(status: InputError['status'], message: string, fields?: InputError['fields']): InputResult {
  return { ok: false, error: fields ? { status, message, fields } : { status, message } };
}
