import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  ivrCallRoutedV1,
  type PayloadOf,
  voiceCallAnsweredV1,
  voiceCallBridgedV1,
  voiceCallConferenceEndedV1,
  voiceCallConsultationAnsweredV1,
  voiceCallConsultationEndedV1,
  voiceCallConsultationFailedV1,
  voiceCallEndedV1,
  voiceCallTransferredV1,
  voiceCallUnbridgedV1,
  voiceCommandFailedV1,
} from '@parley/contracts';
import { type EventBus, MessageRejectedError, type ReceivedMessage, type Subscription } from '@parley/messaging';
import { isUuid } from '@parley/persistence';
import { withLogContext } from '@parley/telemetry';
import { ACD_CONFIG, ACD_CONSUMER_GROUPS, ACD_EVENT_BUS, ACD_LOGGER, type AcdConsumerGroups, type AcdLogger } from '../acd.tokens';
import { type AcdEnv } from '../config/env.schema';
import { RoutingDispatcher } from '../runtime/routing-dispatcher.service';
import { type VoiceInput } from '../runtime/routing-input';

/** What the routing consumer group reads. */
export const ROUTING_TOPICS = [
  ivrCallRoutedV1,
  voiceCallBridgedV1,
  voiceCallEndedV1,
  voiceCallUnbridgedV1,
  voiceCallTransferredV1,
  voiceCallAnsweredV1,
  voiceCommandFailedV1,
  voiceCallConsultationAnsweredV1,
  voiceCallConsultationFailedV1,
  voiceCallConsultationEndedV1,
  voiceCallConferenceEndedV1,
] as const;

/** The voice commands of the acd whose failures matter (a missed offer, a customer not reached, a caller gone). */
const OWN_COMMANDS = new Set(['bridge-agent', 'originate', 'music-on-hold', 'release']);

/** Voice events the acd acts on, as engine inputs (undefined: not one of them). */
export function voiceInputOf(message: ReceivedMessage): VoiceInput | undefined {
  const name = message.topic.name;
  if (name === voiceCallBridgedV1.name) {
    const p = message.envelope.payload as PayloadOf<typeof voiceCallBridgedV1>;
    return p.target.kind === 'agent' ? { type: 'bridged', voiceCallId: p.callId, agentId: p.target.agentId } : undefined;
  }
  if (name === voiceCallEndedV1.name) {
    const p = message.envelope.payload as PayloadOf<typeof voiceCallEndedV1>;
    return { type: 'ended', voiceCallId: p.callId, reason: p.reason };
  }
  if (name === voiceCallUnbridgedV1.name) {
    const p = message.envelope.payload as PayloadOf<typeof voiceCallUnbridgedV1>;
    return p.party.kind === 'agent' ? { type: 'unbridged', voiceCallId: p.callId } : undefined;
  }
  if (name === voiceCallTransferredV1.name) {
    const p = message.envelope.payload as PayloadOf<typeof voiceCallTransferredV1>;
    return { type: 'transferred', voiceCallId: p.callId, ...(p.target.kind === 'agent' ? { agentId: p.target.agentId } : {}), ...(p.attended ? { attended: true } : {}) };
  }
  if (name === voiceCallConsultationAnsweredV1.name) {
    const p = message.envelope.payload as PayloadOf<typeof voiceCallConsultationAnsweredV1>;
    return p.target.kind === 'agent' ? { type: 'consult-answered', voiceCallId: p.callId, agentId: p.target.agentId } : undefined;
  }
  if (name === voiceCallConsultationFailedV1.name) {
    const p = message.envelope.payload as PayloadOf<typeof voiceCallConsultationFailedV1>;
    return p.target.kind === 'agent' ? { type: 'consult-failed', voiceCallId: p.callId, agentId: p.target.agentId, sipStatus: p.sipStatus ?? null } : undefined;
  }
  if (name === voiceCallConsultationEndedV1.name) {
    const p = message.envelope.payload as PayloadOf<typeof voiceCallConsultationEndedV1>;
    return { type: 'consult-ended', voiceCallId: p.callId, outcome: p.outcome };
  }
  if (name === voiceCallConferenceEndedV1.name) {
    const p = message.envelope.payload as PayloadOf<typeof voiceCallConferenceEndedV1>;
    return { type: 'conference-ended', voiceCallId: p.callId, reason: p.reason };
  }
  if (name === voiceCallAnsweredV1.name) return { type: 'answered', voiceCallId: (message.envelope.payload as PayloadOf<typeof voiceCallAnsweredV1>).callId };
  if (name === voiceCommandFailedV1.name) {
    const p = message.envelope.payload as PayloadOf<typeof voiceCommandFailedV1>;
    if (!OWN_COMMANDS.has(p.commandType)) return undefined;
    return { type: 'command-failed', voiceCallId: p.callId, commandId: p.commandId, commandType: p.commandType, reason: p.reason, sipStatus: p.sipStatus ?? null, detail: p.detail };
  }
  return undefined;
}

/**
 * Routed calls (ivr.call.routed.v1) and the voice events of the acd's calls, shared by the acd
 * instances (one consumer group). Each goes to the engine of its tenant: here, or the instance
 * that runs it. Handlers are idempotent by state (a call routed twice, a bridge reported twice, an
 * end of a call already over change nothing), so a redelivered message has no second effect.
 */
@Injectable()
export class CallEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(ACD_EVENT_BUS) private readonly bus: EventBus,
    @Inject(ACD_CONSUMER_GROUPS) private readonly groups: AcdConsumerGroups,
    @Inject(ACD_LOGGER) private readonly logger: AcdLogger,
    @Inject(ACD_CONFIG) private readonly config: AcdEnv,
    private readonly dispatcher: RoutingDispatcher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      group: this.groups.routing,
      topics: [...ROUTING_TOPICS],
      // From the oldest retained message when the group has no position on a partition: "latest"
      // would skip what arrived while the partition moved from an instance that died to another
      // one (an end of call, an answer). A new group is first positioned at the end of every
      // partition (positionNewConsumerGroup, Kafka). Old routed calls are dropped by age; old voice
      // events find no call in progress.
      fromBeginning: true,
      // A tenant's engine moving to another instance takes a few seconds: keep retrying meanwhile.
      maxAttempts: 20,
      handle: (message) => this.handle(message),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }

  private async handle(message: ReceivedMessage): Promise<void> {
    const { tenantId } = message.envelope;
    if (!isUuid(tenantId)) throw new MessageRejectedError(`${message.topic.name} ${message.envelope.id} has no valid tenantId`);
    if (message.topic.name === ivrCallRoutedV1.name) {
      const routed = message.envelope.payload as PayloadOf<typeof ivrCallRoutedV1>;
      await withLogContext({ tenantId, callId: routed.callId }, async () => {
        const ageMs = Date.now() - Date.parse(message.envelope.occurredAt);
        if (ageMs > this.config.ACD_ROUTED_MAX_AGE_SECONDS * 1000) {
          this.logger.warn({ queue: routed.queue, mode: routed.mode, ageMs }, 'a call routed too long ago was dropped (its caller is long gone; a callback that old is not placed)');
          return;
        }
        if (!(await this.dispatcher.usesAcd(tenantId))) {
          this.logger.warn({ queue: routed.queue, mode: routed.mode }, 'a call was routed for a tenant that has no acd queue: left alone');
          return;
        }
        const result = await this.dispatcher.submit(tenantId, { kind: 'routed', routed }, { reply: false });
        if (!result.ok) this.logger.warn({ queue: routed.queue, mode: routed.mode, err: result.error.message }, 'a routed call was refused');
      });
      return;
    }
    const event = voiceInputOf(message);
    if (!event) return;
    await withLogContext({ tenantId, callId: event.voiceCallId }, async () => {
      if (!(await this.dispatcher.isActiveVoiceCall(tenantId, event.voiceCallId))) {
        this.logger.debug({ event: event.type }, 'a voice event of a call the acd does not route: ignored');
        return;
      }
      const result = await this.dispatcher.submit(tenantId, { kind: 'voice', event }, { reply: false });
      if (!result.ok) this.logger.warn({ event: event.type, err: result.error.message }, 'a voice event was refused');
    });
  }
}
