import { z } from 'zod';
import { defineTopic } from '../topic';

const instant = z.iso.datetime({ offset: true });
const call = { callId: z.uuid() };
const bridgeTarget = z.discriminatedUnion('kind', [z.object({ kind: z.literal('agent'), agentId: z.uuid() }), z.object({ kind: z.literal('number'), number: z.string() })]);
const transferTarget = bridgeTarget;

export const callEndReasonSchema = z.enum(['caller-hangup', 'agent-hangup', 'remote-hangup', 'command', 'no-answer', 'busy', 'failed', 'rtp-timeout', 'emergency-fallback', 'shutdown']);

export const voiceCallStartedV1 = defineTopic({
  name: 'voice.call.started.v1',
  status: 'published',
  description: 'A call reached a tenant number (inbound) or was placed (outbound).',
  schema: z.object({ ...call, direction: z.enum(['inbound', 'outbound']), from: z.string(), to: z.string(), numberId: z.uuid().optional(), startedAt: instant }),
  keyOf: (p) => p.callId,
});

export const voiceCallAnsweredV1 = defineTopic({
  name: 'voice.call.answered.v1',
  status: 'published',
  description: 'The call was answered.',
  schema: z.object({ ...call, answeredAt: instant }),
  keyOf: (p) => p.callId,
});

export const voiceCallDigitsCollectedV1 = defineTopic({
  name: 'voice.call.digits-collected.v1',
  status: 'published',
  description: 'A collect command finished: the digits and why it stopped.',
  schema: z.object({ ...call, commandId: z.uuid(), digits: z.string(), outcome: z.enum(['max-digits', 'terminator', 'timeout', 'hangup']) }),
  keyOf: (p) => p.callId,
});

export const voiceCallPlaybackFinishedV1 = defineTopic({
  name: 'voice.call.playback-finished.v1',
  status: 'published',
  description: 'A play command finished (or was interrupted).',
  schema: z.object({ ...call, commandId: z.uuid(), outcome: z.enum(['completed', 'barged-in', 'stopped', 'failed']), detail: z.string().optional() }),
  keyOf: (p) => p.callId,
});

export const voiceCallBridgedV1 = defineTopic({
  name: 'voice.call.bridged.v1',
  status: 'published',
  description: 'The call is connected to an agent or an outside number.',
  schema: z.object({ ...call, target: bridgeTarget, bridgedAt: instant }),
  keyOf: (p) => p.callId,
});

export const voiceCallHeldV1 = defineTopic({
  name: 'voice.call.held.v1',
  status: 'published',
  description: 'The call was put on hold or taken off hold.',
  schema: z.object({ ...call, held: z.boolean(), by: z.enum(['agent', 'caller', 'command']), at: instant }),
  keyOf: (p) => p.callId,
});

export const voiceCallTransferredV1 = defineTopic({
  name: 'voice.call.transferred.v1',
  status: 'published',
  description:
    'The call was transferred: the party it was bridged to left, the caller goes on to the target. Blind (the target is dialled next) unless attended: the target had answered already (a consultation completed, or the agent left a conference), and a bridged event to it follows.',
  schema: z.object({ ...call, target: transferTarget, by: z.enum(['agent', 'command']), at: instant, attended: z.boolean().optional() }),
  keyOf: (p) => p.callId,
});

export const voiceCallTransferFailedV1 = defineTopic({
  name: 'voice.call.transfer-failed.v1',
  status: 'published',
  description: 'A blind transfer did not reach its target; the caller is still on the line, unbridged, waiting for a command.',
  schema: z.object({ ...call, target: transferTarget, sipStatus: z.number().int().optional(), detail: z.string(), at: instant }),
  keyOf: (p) => p.callId,
});

export const voiceCallUnbridgedV1 = defineTopic({
  name: 'voice.call.unbridged.v1',
  status: 'published',
  description: 'The agent or outside party left a call that goes on (the bridge asked afterHangup: continue), e.g. for a survey.',
  schema: z.object({ ...call, party: bridgeTarget, reason: z.enum(['agent-hangup', 'remote-hangup', 'failed']), at: instant }),
  keyOf: (p) => p.callId,
});

export const voiceCallMonitoredV1 = defineTopic({
  name: 'voice.call.monitored.v1',
  status: 'published',
  description: 'A supervisor started, changed or stopped listening, whispering or barging on a call.',
  schema: z.object({ ...call, supervisorId: z.uuid(), mode: z.enum(['listen', 'whisper', 'barge']), active: z.boolean(), at: instant }),
  keyOf: (p) => p.callId,
});

export const voiceCallEndedV1 = defineTopic({
  name: 'voice.call.ended.v1',
  status: 'published',
  description: 'The call is over: why, and how long each phase took.',
  schema: z.object({
    ...call,
    reason: callEndReasonSchema,
    sipStatus: z.number().int().optional(),
    endedAt: instant,
    totalMs: z.number().int().nonnegative(),
    talkMs: z.number().int().nonnegative(),
    holdMs: z.number().int().nonnegative(),
  }),
  keyOf: (p) => p.callId,
});

export const voiceRecordingCompletedV1 = defineTopic({
  name: 'voice.call.recording-completed.v1',
  status: 'published',
  description: 'A call recording is complete on the voice node (stereo WAV: caller left; right the bridged party, agent or number, with a conference\'s third party mixed in while it is in the conference).',
  schema: z.object({ ...call, recordingId: z.uuid(), file: z.string(), durationMs: z.number().int().nonnegative(), bytes: z.number().int().nonnegative(), channels: z.enum(['stereo', 'mono']) }),
  keyOf: (p) => p.callId,
});

export const voiceCommandFailedV1 = defineTopic({
  name: 'voice.command.failed.v1',
  status: 'published',
  description: 'A command could not be carried out (unknown call, wrong state, bad prompt...).',
  schema: z.object({ ...call, commandId: z.uuid(), commandType: z.string(), reason: z.enum(['unknown-call', 'invalid-state', 'failed']), sipStatus: z.number().int().optional(), detail: z.string() }),
  keyOf: (p) => p.callId,
});

/** A party of a conference: the call's caller, an agent or an outside number. */
const conferenceParticipant = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('caller') }),
  z.object({ kind: z.literal('agent'), agentId: z.uuid() }),
  z.object({ kind: z.literal('number'), number: z.string() }),
]);

export const voiceCallConsultationStartedV1 = defineTopic({
  name: 'voice.call.consultation-started.v1',
  status: 'published',
  description: 'A consult (or a conference with a target) began dialling a third party: for a consult the caller is on hold with music meanwhile.',
  schema: z.object({ ...call, commandId: z.uuid(), target: bridgeTarget, purpose: z.enum(['consult', 'conference']), at: instant }),
  keyOf: (p) => p.callId,
});

export const voiceCallConsultationAnsweredV1 = defineTopic({
  name: 'voice.call.consultation-answered.v1',
  status: 'published',
  description: 'The third party answered: the agent and it talk (consult, the caller still on hold), or all three do (conference, followed by conference-started).',
  schema: z.object({ ...call, commandId: z.uuid(), target: bridgeTarget, at: instant }),
  keyOf: (p) => p.callId,
});

export const voiceCallConsultationFailedV1 = defineTopic({
  name: 'voice.call.consultation-failed.v1',
  status: 'published',
  description: 'The third party was not reached (busy, no answer, no registered softphone...): the caller is back with the agent.',
  schema: z.object({ ...call, commandId: z.uuid(), target: bridgeTarget, sipStatus: z.number().int().optional(), detail: z.string(), at: instant }),
  keyOf: (p) => p.callId,
});

export const voiceCallConsultationEndedV1 = defineTopic({
  name: 'voice.call.consultation-ended.v1',
  status: 'published',
  description:
    'A consultation is over: completed (the caller now talks to the consulted party; a transferred event follows), cancelled (consult-cancel, or the agent left before the party answered: the caller is back with the agent, or the call ends with the agent), conference (all three talk; conference-started follows), consulted-hangup (the consulted party left: the caller is back with the agent) or agent-hangup (the agent left: completed on the agent\'s behalf).',
  schema: z.object({ ...call, target: bridgeTarget, outcome: z.enum(['completed', 'cancelled', 'conference', 'consulted-hangup', 'agent-hangup']), at: instant }),
  keyOf: (p) => p.callId,
});

export const voiceCallConferenceStartedV1 = defineTopic({
  name: 'voice.call.conference-started.v1',
  status: 'published',
  description: 'The caller, the agent and a third party all hear each other.',
  schema: z.object({ ...call, participants: z.array(conferenceParticipant).min(3), at: instant }),
  keyOf: (p) => p.callId,
});

export const voiceCallConferenceEndedV1 = defineTopic({
  name: 'voice.call.conference-ended.v1',
  status: 'published',
  description:
    'A conference is back to two parties (or over): who left and who remain. agent-left: the caller and the third party stay (the third party is now the peer; a transferred event follows); third-party-left (its hang-up or consult-cancel): the caller and the agent stay; caller-left: the call ends.',
  schema: z.object({ ...call, left: conferenceParticipant, reason: z.enum(['agent-left', 'third-party-left', 'caller-left']), remaining: z.array(conferenceParticipant), at: instant }),
  keyOf: (p) => p.callId,
});

export const voiceCallReleasedV1 = defineTopic({
  name: 'voice.call.released.v1',
  status: 'published',
  description:
    'The bridged party was released by a release command: it got BYE and left; the caller stays on the line hearing music on hold, waiting for the next command of whoever released it (no unbridged or transferred event: the call does not go on by itself).',
  schema: z.object({ ...call, party: bridgeTarget, by: z.enum(['command']), at: instant }),
  keyOf: (p) => p.callId,
});

export const voiceTopics = [
  voiceCallStartedV1,
  voiceCallAnsweredV1,
  voiceCallDigitsCollectedV1,
  voiceCallPlaybackFinishedV1,
  voiceCallBridgedV1,
  voiceCallHeldV1,
  voiceCallTransferredV1,
  voiceCallTransferFailedV1,
  voiceCallUnbridgedV1,
  voiceCallMonitoredV1,
  voiceCallEndedV1,
  voiceRecordingCompletedV1,
  voiceCommandFailedV1,
  voiceCallConsultationStartedV1,
  voiceCallConsultationAnsweredV1,
  voiceCallConsultationFailedV1,
  voiceCallConsultationEndedV1,
  voiceCallConferenceStartedV1,
  voiceCallConferenceEndedV1,
  voiceCallReleasedV1,
] as const;
