import { z } from 'zod';
import { localeSchema } from '../tenant/tenant.events';
import { promptSchema, voiceCommandSchema } from '../voice/voice.commands';
import { ivrCallCompletedV1, ivrCallOutcomeSchema, ivrCallRoutedV1 } from './ivr.events';

/**
 * A scripted call for the flow simulator (`POST /api/v1/ivr/flows/{id}/simulate`). The simulator
 * plays the part of the voice edge and of the webhook caller, and drives the same executor as live
 * calls, on a simulated clock: the result is the same for the same flow and script.
 */
export const simulatedKeyPressesSchema = z.object({
  /** The keys pressed in one answer (terminator included, if the caller presses it); empty: silence. */
  digits: z.string().regex(/^[0-9*#A-D]*$/, { error: 'must be DTMF digits 0-9 * # A-D' }).max(64),
  /**
   * When the first key is pressed, counted from the start of the question's prompts (a key before
   * they end cuts them short). Later than the prompts plus the question's timeout: silence.
   */
  delayMs: z.number().int().min(0).max(600_000).default(1000),
  /** The gap between keys; longer than the question's inter-digit timeout ends the input there. */
  interDigitMs: z.number().int().min(0).max(120_000).default(200),
});
export type SimulatedKeyPresses = z.infer<typeof simulatedKeyPressesSchema>;

export const simulatedWebhookAnswerSchema = z
  .object({
    /** The data-dip node this answer is for; a node that dips twice takes its answers in order. */
    nodeId: z.string().min(1),
    status: z.number().int().min(100).max(599).default(200),
    /** The JSON the webhook answers. */
    body: z.json().optional(),
    /** The webhook cannot be reached (instead of a status and body). */
    error: z.enum(['network']).optional(),
    /** How long it takes to answer; longer than the node's timeout is a timeout. */
    latencyMs: z.number().int().min(0).max(60_000).default(100),
  })
  .refine((answer) => answer.error === undefined || answer.body === undefined, { error: 'an answer has either an error or a body', path: ['error'] });
export type SimulatedWebhookAnswer = z.infer<typeof simulatedWebhookAnswerSchema>;

export const simulationScriptSchema = z.object({
  /** The simulated call's id (a fixed one when absent, so traces compare equal). */
  callId: z.uuid().optional(),
  /** The clock time the call starts at (business hours are checked against it). */
  startAt: z.iso.datetime({ offset: true }),
  callerNumber: z.string().min(1).max(64).default('+15555550123'),
  dialledNumber: z.string().min(1).max(64).default('+18005550100'),
  /** The caller's locale; absent or not spoken by the flow: the flow's default locale. */
  locale: localeSchema.optional(),
  /** The caller's answers, one per question (menu, collect, survey, callback offer, voicemail finish key), in order; when they run out the caller stays silent. */
  digits: z.array(simulatedKeyPressesSchema).max(200).default([]),
  /** What the tenant's webhook answers; a data dip with no answer here fails as unreachable. */
  webhooks: z.array(simulatedWebhookAnswerSchema).max(100).default([]),
  /** Whether each transfer (in order) is answered; answered when the list runs out. */
  transfers: z.array(z.enum(['answered', 'failed'])).max(50).default([]),
  /** The caller hangs up this long after the call starts. */
  callerHangupAfterMs: z.number().int().min(0).max(86_400_000).optional(),
  /**
   * The queue gives the call back this long after it was routed (its overflow action: voicemail or
   * a callback offer) instead of an agent answering; only for an enqueue node with `onOverflow`.
   */
  overflow: z.strictObject({ action: z.enum(['voicemail', 'callback']), afterMs: z.number().int().min(0).max(86_400_000) }).optional(),
  /** How long the agent (or transferred-to party) talks before hanging up, when the flow goes on after them. */
  agentTalkMs: z.number().int().min(0).max(86_400_000).default(60_000),
  /** How long each prompt takes to play. */
  promptMs: z.number().int().min(0).max(600_000).default(2000),
});
export type SimulationScript = z.infer<typeof simulationScriptSchema>;
export type SimulationScriptInput = z.input<typeof simulationScriptSchema>;

const atMs = z.number().int().nonnegative();

export const simulationTraceSchema = z.object({
  outcome: ivrCallOutcomeSchema,
  reason: z.string().optional(),
  /** The call's locale (the script's, or the flow's default). */
  locale: localeSchema,
  /** Every node visit, in order, with the branch it left by. */
  nodes: z.array(z.object({ visit: z.number().int().positive(), nodeId: z.string(), nodeType: z.string(), enteredAtMs: atMs, leftAtMs: atMs.optional(), exit: z.string().optional(), detail: z.string().optional() })),
  /** Every prompt the caller was played, resolved for the call's locale and variables. */
  prompts: z.array(z.object({ atMs, nodeId: z.string(), commandId: z.uuid(), prompt: promptSchema })),
  /** Every command the executor sent to the voice edge. */
  commands: z.array(z.object({ atMs, nodeId: z.string().optional(), commandId: z.uuid(), command: voiceCommandSchema })),
  /** The voice events and webhook answers the simulator fed the executor. */
  inputs: z.array(z.object({ atMs, type: z.string(), summary: z.string(), ignored: z.string().optional() })),
  webhooks: z.array(z.object({ atMs, nodeId: z.string(), url: z.string(), method: z.string(), requestBody: z.json(), answer: z.string() })),
  variables: z.record(z.string(), z.string()),
  routed: ivrCallRoutedV1.schema.optional(),
  completed: ivrCallCompletedV1.schema,
  durationMs: atMs,
  steps: z.number().int().nonnegative(),
});
export type SimulationTrace = z.infer<typeof simulationTraceSchema>;
