import {
  acdCallOverflowedV1,
  voiceCallBridgedV1,
  voiceCallDigitsCollectedV1,
  voiceCallEndedV1,
  voiceCallPlaybackFinishedV1,
  voiceCallStartedV1,
  voiceCallTransferFailedV1,
  voiceCallUnbridgedV1,
  voiceCommandFailedV1,
  type Envelope,
  type PayloadOf,
  type TopicDefinition,
} from '@parley/contracts';
import { type ExecutorInput } from '../flows/flow-executor.types';

/** The topics that drive a call in the IVR (besides voice.call.started.v1, which starts one): voice's events and the queue giving a call back. */
export const callInputTopics = [
  voiceCallPlaybackFinishedV1,
  voiceCallDigitsCollectedV1,
  voiceCallBridgedV1,
  voiceCallUnbridgedV1,
  voiceCallTransferFailedV1,
  voiceCallEndedV1,
  voiceCommandFailedV1,
  // The queue giving a call back (overflow to voicemail or a callback offer) is an input of the call too.
  acdCallOverflowedV1,
] as const;

/**
 * The caller's number as flows see it: the user part of a `sip:`, `sips:` or `tel:` URI
 * (`sip:+15555550123@carrier;user=phone` → `+15555550123`), or the value itself when it is not a URI.
 */
export function callerNumberOf(from: string): string {
  const uri = /^(?:sips?|tel):([^@;?]*)/i.exec(from.trim());
  if (uri === null) return from.trim();
  let user = uri[1] ?? '';
  try {
    user = decodeURIComponent(user);
  } catch {
    // Not valid percent-encoding: keep it as it came.
  }
  return user === '' ? from.trim() : user;
}

/** The call-started input of a voice.call.started.v1 (its instant is when voice saw the INVITE). */
export function callStartedInput(payload: PayloadOf<typeof voiceCallStartedV1>): Extract<ExecutorInput, { type: 'call-started' }> {
  return { type: 'call-started', at: Date.parse(payload.startedAt), from: callerNumberOf(payload.from), to: payload.to };
}

function instant(value: string): number {
  const at = Date.parse(value);
  if (!Number.isFinite(at)) throw new RangeError(`"${value}" is not an instant`);
  return at;
}

/**
 * The executor input a voice event stands for: the call id it is about and the input, or undefined
 * for a topic that is not one of `callInputTopics`. Instants come from the payload when it has one,
 * else from the envelope's `occurredAt`.
 */
export function voiceEventInput(topic: TopicDefinition, envelope: Envelope): { callId: string; input: ExecutorInput } | undefined {
  const occurredAt = instant(envelope.occurredAt);
  switch (topic.name) {
    case voiceCallPlaybackFinishedV1.name: {
      const p = envelope.payload as PayloadOf<typeof voiceCallPlaybackFinishedV1>;
      return { callId: p.callId, input: { type: 'playback-finished', at: occurredAt, commandId: p.commandId, outcome: p.outcome } };
    }
    case voiceCallDigitsCollectedV1.name: {
      const p = envelope.payload as PayloadOf<typeof voiceCallDigitsCollectedV1>;
      return { callId: p.callId, input: { type: 'digits-collected', at: occurredAt, commandId: p.commandId, digits: p.digits, outcome: p.outcome } };
    }
    case voiceCallBridgedV1.name: {
      const p = envelope.payload as PayloadOf<typeof voiceCallBridgedV1>;
      return { callId: p.callId, input: { type: 'bridged', at: instant(p.bridgedAt) } };
    }
    case voiceCallUnbridgedV1.name: {
      const p = envelope.payload as PayloadOf<typeof voiceCallUnbridgedV1>;
      return { callId: p.callId, input: { type: 'unbridged', at: instant(p.at) } };
    }
    case voiceCallTransferFailedV1.name: {
      // An agent's blind transfer failed: the caller is alone on the line, unbridged, waiting for a
      // command. For the flow that is the agent leaving: it goes on where it goes after the agent
      // (a call not connected to anyone from the IVR's point of view ignores it).
      const p = envelope.payload as PayloadOf<typeof voiceCallTransferFailedV1>;
      return { callId: p.callId, input: { type: 'unbridged', at: instant(p.at) } };
    }
    case voiceCallEndedV1.name: {
      const p = envelope.payload as PayloadOf<typeof voiceCallEndedV1>;
      return { callId: p.callId, input: { type: 'call-ended', at: instant(p.endedAt), reason: p.reason } };
    }
    case voiceCommandFailedV1.name: {
      const p = envelope.payload as PayloadOf<typeof voiceCommandFailedV1>;
      return { callId: p.callId, input: { type: 'command-failed', at: occurredAt, commandId: p.commandId, reason: p.reason, detail: p.detail } };
    }
    case acdCallOverflowedV1.name: {
      // Overflow to another queue stays in the ACD, and a refused call is ended by it: neither is the IVR's.
      const p = envelope.payload as PayloadOf<typeof acdCallOverflowedV1>;
      if (p.action !== 'voicemail' && p.action !== 'callback') return undefined;
      return { callId: p.callId, input: { type: 'overflowed', at: instant(p.overflowedAt), action: p.action } };
    }
    default:
      return undefined;
  }
}
