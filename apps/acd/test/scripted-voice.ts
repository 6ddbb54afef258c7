import {
  type Envelope,
  type PayloadOf,
  type TopicDefinition,
  voiceCallAnsweredV1,
  voiceCallBridgedV1,
  voiceCallConsultationAnsweredV1,
  voiceCallConsultationEndedV1,
  voiceCallConsultationFailedV1,
  voiceCallConsultationStartedV1,
  voiceCallEndedV1,
  voiceCallStartedV1,
  voiceCallTransferredV1,
  voiceCallUnbridgedV1,
  type VoiceCommand,
  voiceCommandFailedV1,
  voiceCommandIssuedV1,
} from '@parley/contracts';
import { createEnvelope, type EventBus, type Subscription } from '@parley/messaging';
import { uniqueName } from '@parley/testing';

export interface ReceivedCommand {
  voiceCallId: string;
  commandId: string;
  issuedBy: string;
  command: VoiceCommand;
  receivedAt: number;
}

/** What an agent's phone does when a call is bridged to it. */
export type AgentPhone =
  | { kind: 'answer'; afterMs?: number }
  /** Rings until voice's ring timeout: bridge-agent fails with 487 (after `afterMs`, default at once). */
  | { kind: 'ring-out'; afterMs?: number }
  /** The agent declines: 486. */
  | { kind: 'decline' }
  /** Not registered: 480. */
  | { kind: 'unregistered' }
  /** Nothing is reported (the acd's own offer timeout has to act). */
  | { kind: 'silent' };

/** What a callback customer's phone does when the acd calls it (originate). */
export type CustomerPhone = { kind: 'answer'; afterMs?: number } | { kind: 'no-answer' } | { kind: 'busy' };

/**
 * A test double of the voice service at the bus boundary, for the acd: it answers the commands the
 * acd sends (bridge-agent, originate, hangup) with the events real voice sends (bridged, started,
 * answered, ended, command failed with the SIP status), as each agent's and customer's phone is
 * scripted. It only answers for tenants it serves.
 */
export class ScriptedVoice {
  readonly commands: ReceivedCommand[] = [];
  readonly agents = new Map<string, AgentPhone>();
  readonly customers = new Map<string, CustomerPhone>();
  private readonly tenants = new Set<string>();
  private readonly ended = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private subscription: Subscription | undefined;

  constructor(private readonly bus: EventBus) {}

  serve(tenantId: string): void {
    this.tenants.add(tenantId);
  }

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      group: uniqueName('voice-double'),
      topics: [voiceCommandIssuedV1],
      fromBeginning: false,
      handle: async ({ envelope }) => this.onCommand(envelope as Envelope<PayloadOf<typeof voiceCommandIssuedV1>>),
    });
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await this.subscription?.close();
  }

  of(voiceCallId: string): ReceivedCommand[] {
    return this.commands.filter((c) => c.voiceCallId === voiceCallId);
  }

  bridges(voiceCallId: string): string[] {
    return this.of(voiceCallId).flatMap((c) => (c.command.type === 'bridge-agent' ? [c.command.agentId] : []));
  }

  /** The caller hangs up (or a call ends for another reason). */
  async end(tenantId: string, voiceCallId: string, reason: PayloadOf<typeof voiceCallEndedV1>['reason'] = 'caller-hangup'): Promise<void> {
    if (this.ended.has(voiceCallId)) return;
    this.ended.add(voiceCallId);
    await this.publish(tenantId, voiceCallEndedV1, { callId: voiceCallId, reason, endedAt: new Date().toISOString(), totalMs: 1000, talkMs: 500, holdMs: 0 });
  }

  /** The agent picks up a call that rang (a bridge the script left silent). */
  async answer(tenantId: string, voiceCallId: string, agentId: string): Promise<void> {
    await this.publish(tenantId, voiceCallBridgedV1, { callId: voiceCallId, target: { kind: 'agent', agentId }, bridgedAt: new Date().toISOString() });
  }

  /** The agent leaves a call that goes on in the IVR (afterHangup continue). */
  async agentLeaves(tenantId: string, voiceCallId: string, agentId: string): Promise<void> {
    await this.publish(tenantId, voiceCallUnbridgedV1, { callId: voiceCallId, party: { kind: 'agent', agentId }, reason: 'agent-hangup', at: new Date().toISOString() });
  }

  /** The consulting agent completes the consultation: the consulted agent has the caller (voice's events of a consult-complete). */
  async completeConsult(tenantId: string, voiceCallId: string, agentId: string): Promise<void> {
    const target = { kind: 'agent' as const, agentId };
    const at = new Date().toISOString();
    await this.publish(tenantId, voiceCallConsultationEndedV1, { callId: voiceCallId, target, outcome: 'completed', at });
    await this.publish(tenantId, voiceCallTransferredV1, { callId: voiceCallId, target, by: 'command', at, attended: true });
    await this.publish(tenantId, voiceCallBridgedV1, { callId: voiceCallId, target, bridgedAt: at });
  }

  /** The consulting agent cancels the consultation: the consulted agent is hung up, the caller is back. */
  async cancelConsult(tenantId: string, voiceCallId: string, agentId: string): Promise<void> {
    await this.publish(tenantId, voiceCallConsultationEndedV1, { callId: voiceCallId, target: { kind: 'agent', agentId }, outcome: 'cancelled', at: new Date().toISOString() });
  }

  private later(ms: number, work: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void work();
    }, ms);
    this.timers.add(timer);
  }

  private async onCommand(envelope: Envelope<PayloadOf<typeof voiceCommandIssuedV1>>): Promise<void> {
    const tenantId = envelope.tenantId;
    if (!this.tenants.has(tenantId)) return;
    const { callId, commandId, command, issuedBy } = envelope.payload;
    this.commands.push({ voiceCallId: callId, commandId, issuedBy, command, receivedAt: Date.now() });
    if (this.ended.has(callId)) {
      if (command.type !== 'hangup') await this.publish(tenantId, voiceCommandFailedV1, { callId, commandId, commandType: command.type, reason: 'unknown-call', detail: 'the call has ended' });
      return;
    }
    switch (command.type) {
      case 'bridge-agent': {
        const phone = this.agents.get(command.agentId) ?? { kind: 'silent' };
        const fail = (sipStatus: number, detail: string) => this.publish(tenantId, voiceCommandFailedV1, { callId, commandId, commandType: 'bridge-agent', reason: 'failed', sipStatus, detail });
        if (phone.kind === 'answer') {
          this.later(phone.afterMs ?? 0, () => this.publish(tenantId, voiceCallBridgedV1, { callId, target: { kind: 'agent', agentId: command.agentId }, bridgedAt: new Date().toISOString() }));
        } else if (phone.kind === 'ring-out') {
          this.later(phone.afterMs ?? 0, () => fail(487, `agent ${command.agentId} did not take the call: 487 Request Terminated`));
        } else if (phone.kind === 'decline') {
          await fail(486, `agent ${command.agentId} did not take the call: 486 Busy Here`);
        } else if (phone.kind === 'unregistered') {
          await fail(480, `agent ${command.agentId} did not take the call: 480 Temporarily Unavailable`);
        }
        return;
      }
      case 'originate': {
        const phone = this.customers.get(command.to) ?? { kind: 'no-answer' };
        await this.publish(tenantId, voiceCallStartedV1, { callId, direction: 'outbound', from: command.callerId, to: command.to, startedAt: new Date().toISOString() });
        if (phone.kind === 'answer') this.later(phone.afterMs ?? 0, () => this.publish(tenantId, voiceCallAnsweredV1, { callId, answeredAt: new Date().toISOString() }));
        else if (phone.kind === 'busy') await this.end(tenantId, callId, 'busy');
        else await this.end(tenantId, callId, 'no-answer');
        return;
      }
      case 'consult': {
        if (command.target.kind !== 'agent') return;
        const target = { kind: 'agent' as const, agentId: command.target.agentId };
        const phone = this.agents.get(target.agentId) ?? { kind: 'silent' };
        await this.publish(tenantId, voiceCallConsultationStartedV1, { callId, commandId, target, purpose: 'consult', at: new Date().toISOString() });
        const failed = (sipStatus: number, detail: string) => this.publish(tenantId, voiceCallConsultationFailedV1, { callId, commandId, target, sipStatus, detail, at: new Date().toISOString() });
        if (phone.kind === 'answer') this.later(phone.afterMs ?? 0, () => this.publish(tenantId, voiceCallConsultationAnsweredV1, { callId, commandId, target, at: new Date().toISOString() }));
        else if (phone.kind === 'ring-out') this.later(phone.afterMs ?? 0, () => failed(487, `agent ${target.agentId} did not answer: 487 Request Terminated`));
        else if (phone.kind === 'decline') await failed(486, `agent ${target.agentId} declined: 486 Busy Here`);
        else if (phone.kind === 'unregistered') await failed(480, `agent ${target.agentId} is not registered: 480 Temporarily Unavailable`);
        return;
      }
      case 'hangup':
        await this.end(tenantId, callId, 'command');
        return;
      default:
        return;
    }
  }

  private async publish<T extends TopicDefinition>(tenantId: string, topic: T, payload: PayloadOf<T>): Promise<void> {
    await this.bus.publish([createEnvelope(topic, tenantId, payload)]);
  }
}
