import { randomUUID } from 'node:crypto';
import {
  voiceCallAnsweredV1,
  voiceCallBridgedV1,
  voiceCallDigitsCollectedV1,
  voiceCallEndedV1,
  voiceCallPlaybackFinishedV1,
  voiceCallTransferFailedV1,
  voiceCallUnbridgedV1,
  voiceCommandFailedV1,
  type PayloadOf,
  type TopicDefinition,
} from '@parley/contracts';
import { createEnvelope } from '@parley/messaging';
import { callerNumberOf, callStartedInput, voiceEventInput } from './voice-inputs';

const tenantId = randomUUID();
const callId = randomUUID();
const commandId = randomUUID();
const occurredAt = '2025-03-04T05:06:07.089Z';

function input<T extends TopicDefinition>(topic: T, payload: PayloadOf<T>): ReturnType<typeof voiceEventInput> {
  return voiceEventInput(topic, createEnvelope(topic, tenantId, payload, { occurredAt }));
}

describe('voice events as executor inputs', () => {
  it('maps each call event to the input the executor expects, with its instant', () => {
    const at = Date.parse(occurredAt);
    expect(input(voiceCallPlaybackFinishedV1, { callId, commandId, outcome: 'barged-in' })).toEqual({ callId, input: { type: 'playback-finished', at, commandId, outcome: 'barged-in' } });
    expect(input(voiceCallDigitsCollectedV1, { callId, commandId, digits: '12#', outcome: 'terminator' })).toEqual({
      callId,
      input: { type: 'digits-collected', at, commandId, digits: '12#', outcome: 'terminator' },
    });
    expect(input(voiceCallBridgedV1, { callId, target: { kind: 'number', number: '+15550001111' }, bridgedAt: '2025-03-04T05:06:08Z' })).toEqual({
      callId,
      input: { type: 'bridged', at: Date.parse('2025-03-04T05:06:08Z') },
    });
    expect(input(voiceCallUnbridgedV1, { callId, party: { kind: 'agent', agentId: randomUUID() }, reason: 'agent-hangup', at: '2025-03-04T05:07:00Z' })).toEqual({
      callId,
      input: { type: 'unbridged', at: Date.parse('2025-03-04T05:07:00Z') },
    });
    expect(input(voiceCallTransferFailedV1, { callId, target: { kind: 'number', number: '+15550001111' }, detail: 'busy', at: '2025-03-04T05:07:01Z' })).toEqual({
      callId,
      input: { type: 'unbridged', at: Date.parse('2025-03-04T05:07:01Z') },
    });
    expect(input(voiceCallEndedV1, { callId, reason: 'caller-hangup', endedAt: '2025-03-04T05:08:00Z', totalMs: 1, talkMs: 0, holdMs: 0 })).toEqual({
      callId,
      input: { type: 'call-ended', at: Date.parse('2025-03-04T05:08:00Z'), reason: 'caller-hangup' },
    });
    expect(input(voiceCommandFailedV1, { callId, commandId, commandType: 'play', reason: 'unknown-call', detail: 'gone' })).toEqual({
      callId,
      input: { type: 'command-failed', at, commandId, reason: 'unknown-call', detail: 'gone' },
    });
  });

  it('leaves other voice events alone', () => {
    expect(input(voiceCallAnsweredV1, { callId, answeredAt: occurredAt })).toBeUndefined();
  });

  it('reads the caller number out of SIP and tel URIs', () => {
    expect(callerNumberOf('sip:+15555550123@carrier.example;user=phone')).toBe('+15555550123');
    expect(callerNumberOf('sips:alice@example.com')).toBe('alice');
    expect(callerNumberOf('tel:+15555550123;phone-context=x')).toBe('+15555550123');
    expect(callerNumberOf('sip:%2B15555550123@h')).toBe('+15555550123');
    expect(callerNumberOf('+15555550123')).toBe('+15555550123');
    expect(callerNumberOf('sip:@h')).toBe('sip:@h');
    expect(callStartedInput({ callId, direction: 'inbound', from: 'sip:+15555550123@h', to: '+18005550100', startedAt: occurredAt })).toEqual({
      type: 'call-started',
      at: Date.parse(occurredAt),
      from: '+15555550123',
      to: '+18005550100',
    });
  });
});
