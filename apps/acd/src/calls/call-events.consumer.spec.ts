import { randomUUID } from 'node:crypto';
import { type TopicDefinition, voiceCallAnsweredV1, voiceCallBridgedV1, voiceCallEndedV1, voiceCallUnbridgedV1, voiceCommandFailedV1, voiceCallHeldV1 } from '@parley/contracts';
import { createEnvelope, type ReceivedMessage } from '@parley/messaging';
import { voiceInputOf } from './call-events.consumer';

const tenantId = randomUUID();
const callId = randomUUID();
const agentId = randomUUID();
const message = <T extends TopicDefinition>(topic: T, payload: Parameters<typeof createEnvelope<T>>[2]): ReceivedMessage => ({
  envelope: createEnvelope(topic, tenantId, payload),
  topic,
  partition: 0,
  offset: '0',
  attempt: 1,
});

describe('voiceInputOf', () => {
  it('turns the voice events the acd acts on into engine inputs, and leaves the others', () => {
    const at = new Date().toISOString();
    expect(voiceInputOf(message(voiceCallBridgedV1, { callId, target: { kind: 'agent', agentId }, bridgedAt: at }))).toEqual({ type: 'bridged', voiceCallId: callId, agentId });
    expect(voiceInputOf(message(voiceCallBridgedV1, { callId, target: { kind: 'number', number: '+14155550100' }, bridgedAt: at }))).toBeUndefined();
    expect(voiceInputOf(message(voiceCallEndedV1, { callId, reason: 'caller-hangup', endedAt: at, totalMs: 1, talkMs: 1, holdMs: 0 }))).toEqual({ type: 'ended', voiceCallId: callId, reason: 'caller-hangup' });
    expect(voiceInputOf(message(voiceCallUnbridgedV1, { callId, party: { kind: 'agent', agentId }, reason: 'agent-hangup', at }))).toEqual({ type: 'unbridged', voiceCallId: callId });
    expect(voiceInputOf(message(voiceCallAnsweredV1, { callId, answeredAt: at }))).toEqual({ type: 'answered', voiceCallId: callId });
    const commandId = randomUUID();
    expect(voiceInputOf(message(voiceCommandFailedV1, { callId, commandId, commandType: 'bridge-agent', reason: 'failed', sipStatus: 487, detail: 'ring timeout' }))).toEqual({
      type: 'command-failed',
      voiceCallId: callId,
      commandId,
      commandType: 'bridge-agent',
      reason: 'failed',
      sipStatus: 487,
      detail: 'ring timeout',
    });
    // A failed play of the IVR is not the acd's.
    expect(voiceInputOf(message(voiceCommandFailedV1, { callId, commandId, commandType: 'play', reason: 'failed', detail: 'no prompt' }))).toBeUndefined();
    expect(voiceInputOf(message(voiceCallHeldV1, { callId, held: true, by: 'agent', at }))).toBeUndefined();
  });
});
