import { z } from 'zod';
import { defineTopic } from '../topic';
import { localeSchema } from '../tenant/tenant.events';

const digit = z.string().regex(/^[0-9*#A-D]$/, { error: 'must be one DTMF digit 0-9 * # A-D' });
/** What happens to the caller when the bridged party hangs up: the call ends, or goes on (e.g. to a survey). */
const afterHangup = z.enum(['end', 'continue']).default('end');
const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, { error: 'must be an E.164 number' });

/** Who a consultation or a conference brings in: an agent (their softphone) or an outside number (a trunk). */
const partyTarget = z.discriminatedUnion('kind', [z.object({ kind: z.literal('agent'), agentId: z.uuid() }), z.object({ kind: z.literal('number'), number: e164 })]);

/** What to play: a stored prompt file (8 kHz WAV) or text to speak. */
export const promptSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), uri: z.string().min(1) }),
  z.object({ kind: z.literal('text'), text: z.string().min(1).max(2000), locale: localeSchema, voice: z.string().optional() }),
]);
export type Prompt = z.infer<typeof promptSchema>;

/** One command to one call; every variant names its type. */
export const voiceCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('answer') }),
  z.object({ type: z.literal('play'), prompts: z.array(promptSchema).min(1), bargeIn: z.boolean().default(false) }),
  z.object({
    type: z.literal('collect'),
    prompts: z.array(promptSchema).default([]),
    maxDigits: z.number().int().min(1).max(64),
    terminator: digit.optional(),
    firstDigitTimeoutMs: z.number().int().min(100).max(120_000).default(5000),
    interDigitTimeoutMs: z.number().int().min(100).max(60_000).default(3000),
  }),
  z.object({ type: z.literal('record-start'), channels: z.enum(['stereo', 'mono']).default('stereo') }),
  z.object({ type: z.literal('record-pause') }),
  z.object({ type: z.literal('record-resume') }),
  z.object({ type: z.literal('record-stop') }),
  z.object({ type: z.literal('music-on-hold'), on: z.boolean() }),
  z.object({ type: z.literal('bridge-agent'), agentId: z.uuid(), ringTimeoutMs: z.number().int().min(1000).max(120_000).default(20_000), afterHangup }),
  z.object({ type: z.literal('bridge-number'), number: e164, callerId: e164.optional(), ringTimeoutMs: z.number().int().min(1000).max(120_000).default(30_000), afterHangup }),
  z.object({ type: z.literal('hold'), on: z.boolean() }),
  z.object({ type: z.literal('transfer'), target: z.discriminatedUnion('kind', [z.object({ kind: z.literal('agent'), agentId: z.uuid() }), z.object({ kind: z.literal('number'), number: e164 })]) }),
  z.object({ type: z.literal('monitor'), supervisorId: z.uuid(), mode: z.enum(['listen', 'whisper', 'barge']) }),
  z.object({ type: z.literal('hangup'), reason: z.string().max(200).optional() }),
  /** A new outbound call (callback, dialer): sent with a new callId; voice announces it like any call (started, answered or ended). */
  z.object({ type: z.literal('originate'), to: e164, callerId: e164, ringTimeoutMs: z.number().int().min(1000).max(120_000).default(30_000) }),
  /**
   * Consultation (attended transfer, step 1): the caller, bridged to an agent, is put on hold (music,
   * hears nobody, nobody hears them) and the target is dialled; once it answers, the agent and the
   * target talk. Then consult-complete, consult-cancel or conference.
   */
  z.object({
    type: z.literal('consult'),
    target: partyTarget,
    ringTimeoutMs: z.number().int().min(1000).max(120_000).default(30_000),
  }),
  /** The agent leaves (BYE); the caller is bridged to the consulted party, who becomes the call's peer. */
  z.object({ type: z.literal('consult-complete') }),
  /** The consulted (or conferenced) third party is hung up; the caller is back with the agent. */
  z.object({ type: z.literal('consult-cancel') }),
  /**
   * Three-way conference: the caller, the agent and a third party all hear each other. Without a
   * target it joins the party of the running consultation; with one it dials the target while the
   * caller and the agent keep talking, and joins it on answer.
   */
  z.object({
    type: z.literal('conference'),
    target: partyTarget.optional(),
    ringTimeoutMs: z.number().int().min(1000).max(120_000).default(30_000),
  }),
  /**
   * The bridged party (agent or outside number) leaves (BYE); the caller stays on the line hearing
   * music on hold, waiting for the next command of whoever released it (e.g. the ACD moving the call
   * to another queue, then bridging it to another agent). Announced by voice.call.released.v1.
   */
  z.object({ type: z.literal('release') }),
]);
export type VoiceCommand = z.infer<typeof voiceCommandSchema>;

/**
 * Commands to calls. One topic keyed by callId, so the commands of a call stay in order on one
 * partition (a play and the collect after it must not overtake each other).
 */
export const voiceCommandIssuedV1 = defineTopic({
  name: 'voice.command.issued.v1',
  status: 'published',
  description: 'A service (ivr, acd, cti) asks voice to do something on a call.',
  schema: z.object({ callId: z.uuid(), commandId: z.uuid(), issuedBy: z.string().min(1), command: voiceCommandSchema }),
  keyOf: (p) => p.callId,
});
