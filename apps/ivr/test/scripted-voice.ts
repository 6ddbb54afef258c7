import { randomUUID } from 'node:crypto';
import {
  ivrCallCompletedV1,
  ivrCallNodeVisitedV1,
  ivrCallRoutedV1,
  voiceCallAnsweredV1,
  voiceCallBridgedV1,
  voiceCallDigitsCollectedV1,
  voiceCallEndedV1,
  voiceCallPlaybackFinishedV1,
  voiceCallStartedV1,
  voiceCommandIssuedV1,
  type Envelope,
  type PayloadOf,
  type TopicDefinition,
  type VoiceCommand,
} from '@parley/contracts';
import { createEnvelope, type EventBus, type Subscription } from '@parley/messaging';
import { uniqueName } from '@parley/testing';

export interface ReceivedCommand {
  commandId: string;
  issuedBy: string;
  command: VoiceCommand;
  /** When this double received it (epoch ms). */
  receivedAt: number;
}

export interface CallScript {
  tenantId: string;
  numberId?: string;
  from: string;
  to: string;
  /** One answer per collect command, in order: the keys pressed, or null for a caller who does not answer (the test hangs up). */
  digits: Array<string | null>;
}

interface CallInProgress {
  script: CallScript;
  answers: Array<string | null>;
  placedAt: number;
  startedAt: string;
  ended: boolean;
}

/**
 * A test double of the voice service at the bus boundary: it announces calls with
 * voice.call.started.v1 and answers the commands ivr sends to them with the events real voice
 * sends (answered, playback-finished when a prompt has played, digits-collected with the scripted
 * keys, bridged, ended after a hangup). It only answers calls it placed.
 */
export class ScriptedVoice {
  readonly commands = new Map<string, ReceivedCommand[]>();
  private readonly calls = new Map<string, CallInProgress>();
  private subscription: Subscription | undefined;

  constructor(private readonly bus: EventBus) {}

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      group: uniqueName('voice-double'),
      topics: [voiceCommandIssuedV1],
      fromBeginning: false,
      handle: async ({ envelope }) => this.onCommand(envelope as Envelope<PayloadOf<typeof voiceCommandIssuedV1>>),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
  }

  /** Places a call: publishes voice.call.started.v1 and returns the call id. */
  async placeCall(script: CallScript): Promise<{ callId: string; startedAt: string }> {
    const callId = randomUUID();
    const startedAt = new Date().toISOString();
    this.calls.set(callId, { script, answers: [...script.digits], placedAt: Date.now(), startedAt, ended: false });
    this.commands.set(callId, []);
    await this.publish(script.tenantId, voiceCallStartedV1, {
      callId,
      direction: 'inbound',
      from: script.from,
      to: script.to,
      ...(script.numberId !== undefined ? { numberId: script.numberId } : {}),
      startedAt,
    });
    return { callId, startedAt };
  }

  /** The caller hangs up: an open question stops with `hangup`, then the call ends. */
  async hangUp(callId: string): Promise<void> {
    const call = this.require(callId);
    const open = [...(this.commands.get(callId) ?? [])].reverse().find((c) => c.command.type === 'collect');
    if (open !== undefined) await this.publish(call.script.tenantId, voiceCallDigitsCollectedV1, { callId, commandId: open.commandId, digits: '', outcome: 'hangup' });
    await this.end(callId, 'caller-hangup');
  }

  /** The agent the call was routed to hangs up (the call ends with them). */
  async agentHangsUp(callId: string): Promise<void> {
    await this.end(callId, 'agent-hangup');
  }

  /** Milliseconds from placing the call to receiving its first command. */
  firstCommandLatencyMs(callId: string): number | undefined {
    const first = this.commands.get(callId)?.[0];
    const call = this.calls.get(callId);
    return first !== undefined && call !== undefined ? first.receivedAt - call.placedAt : undefined;
  }

  private async onCommand(envelope: Envelope<PayloadOf<typeof voiceCommandIssuedV1>>): Promise<void> {
    const { callId, commandId, command, issuedBy } = envelope.payload;
    const call = this.calls.get(callId);
    if (call === undefined) return;
    const received = this.commands.get(callId) ?? [];
    received.push({ commandId, issuedBy, command, receivedAt: Date.now() });
    this.commands.set(callId, received);
    if (call.ended) return;
    const tenantId = call.script.tenantId;
    const now = (): string => new Date().toISOString();
    switch (command.type) {
      case 'answer':
        await this.publish(tenantId, voiceCallAnsweredV1, { callId, answeredAt: now() });
        return;
      case 'play':
        await this.publish(tenantId, voiceCallPlaybackFinishedV1, { callId, commandId, outcome: 'completed' });
        return;
      case 'collect': {
        const answer = call.answers.shift();
        if (answer === null) return;
        const digits = (answer ?? '').slice(0, command.maxDigits);
        const outcome = digits.length >= command.maxDigits ? 'max-digits' : 'timeout';
        await this.publish(tenantId, voiceCallDigitsCollectedV1, { callId, commandId, digits, outcome });
        return;
      }
      case 'bridge-agent':
      case 'bridge-number':
        await this.publish(tenantId, voiceCallBridgedV1, {
          callId,
          target: command.type === 'bridge-agent' ? { kind: 'agent', agentId: command.agentId } : { kind: 'number', number: command.number },
          bridgedAt: now(),
        });
        return;
      case 'hangup':
        await this.end(callId, 'command');
        return;
      default:
        return;
    }
  }

  private async end(callId: string, reason: PayloadOf<typeof voiceCallEndedV1>['reason']): Promise<void> {
    const call = this.require(callId);
    if (call.ended) return;
    call.ended = true;
    const totalMs = Date.now() - call.placedAt;
    await this.publish(call.script.tenantId, voiceCallEndedV1, { callId, reason, endedAt: new Date().toISOString(), totalMs, talkMs: totalMs, holdMs: 0 });
  }

  private require(callId: string): CallInProgress {
    const call = this.calls.get(callId);
    if (call === undefined) throw new Error(`the scripted voice did not place call ${callId}`);
    return call;
  }

  private async publish<T extends TopicDefinition>(tenantId: string, topic: T, payload: PayloadOf<T>): Promise<void> {
    await this.bus.publish([createEnvelope(topic, tenantId, payload)]);
  }
}

export interface CallRecord {
  nodeEvents: PayloadOf<typeof ivrCallNodeVisitedV1>[];
  routed?: PayloadOf<typeof ivrCallRoutedV1>;
  completed?: PayloadOf<typeof ivrCallCompletedV1>;
}

/** Records the IVR events of every call (what acd and reports would consume). */
export class IvrEventRecorder {
  readonly calls = new Map<string, CallRecord>();
  private subscription: Subscription | undefined;

  constructor(private readonly bus: EventBus) {}

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      group: uniqueName('ivr-events-recorder'),
      topics: [ivrCallNodeVisitedV1, ivrCallRoutedV1, ivrCallCompletedV1],
      fromBeginning: false,
      handle: async ({ envelope, topic }) => {
        const callId = (envelope.payload as { callId: string }).callId;
        const record = this.calls.get(callId) ?? { nodeEvents: [] };
        this.calls.set(callId, record);
        if (topic.name === ivrCallNodeVisitedV1.name) record.nodeEvents.push(envelope.payload as PayloadOf<typeof ivrCallNodeVisitedV1>);
        else if (topic.name === ivrCallRoutedV1.name) record.routed = envelope.payload as PayloadOf<typeof ivrCallRoutedV1>;
        else record.completed = envelope.payload as PayloadOf<typeof ivrCallCompletedV1>;
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
  }

  of(callId: string): CallRecord {
    return this.calls.get(callId) ?? { nodeEvents: [] };
  }
}
