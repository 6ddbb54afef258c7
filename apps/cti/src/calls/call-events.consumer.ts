import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  acdCallAssignedV1,
  acdCallOfferedV1,
  acdCallTransferredV1,
  type CtiServerMessage,
  ivrCallCompletedV1,
  ivrCallRoutedV1,
  type PayloadOf,
  voiceCallBridgedV1,
  voiceCallEndedV1,
  voiceCallHeldV1,
  voiceCallTransferredV1,
} from '@parley/contracts';
import { type EventBus, Inbox, MessageRejectedError, type ReceivedMessage, type Subscription } from '@parley/messaging';
import { isUuid, type TenantTransaction, type UnitOfWork } from '@parley/persistence';
import { withLogContext } from '@parley/telemetry';
import { ContactsRepository } from '../contacts/contacts.repository';
import { CTI_CONSUMER_GROUPS, CTI_EVENT_BUS, CTI_LOGGER, CTI_SCHEMA, CTI_UNIT_OF_WORK, type CtiConsumerGroups, type CtiLogger } from '../cti.tokens';
import { offerMessage } from '../desktop/desktop-resync.service';
import { DesktopPushService } from '../desktop/desktop-push.service';
import { callerE164, maskPhoneNumber } from '../phone/phone-number';
import { PhoneNumberCipher } from '../phone/phone-number.cipher';
import { type PushAudience } from '../realtime/cti-realtime.port';
import { SeatsRepository } from '../seats/seats.repository';
import { type CallRecord, CallsRepository } from './calls.repository';
import { ScreenPopService } from './screen-pop.service';

/** What the call projection reads (one consumer group, with an inbox). */
export const CALL_TOPICS = [ivrCallRoutedV1, acdCallOfferedV1, acdCallAssignedV1, acdCallTransferredV1, voiceCallBridgedV1, voiceCallHeldV1, voiceCallTransferredV1, voiceCallEndedV1, ivrCallCompletedV1] as const;

/** Done after the message's transaction committed: pushes, and building a pop (which asks the CRM). */
type AfterCommit = { kind: 'push'; audience: PushAudience; message: CtiServerMessage } | { kind: 'pop'; callId: string; audience: PushAudience };

const everyone = (agentIds: readonly string[]): PushAudience => ({ agentIds, supervisors: true });

/**
 * The call projection: routed calls (caller, IVR data, the contact the number finds), offers,
 * assignments, voice's bridge / hold / transfer / end, and the IVR's survey score, each applied
 * once (inbox) in the message's tenant transaction. Then the desktops hear of it, and an offer
 * gets its screen pop.
 */
@Injectable()
export class CallEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;
  private readonly inbox = new Inbox(CTI_SCHEMA);

  constructor(
    @Inject(CTI_EVENT_BUS) private readonly bus: EventBus,
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CTI_CONSUMER_GROUPS) private readonly groups: CtiConsumerGroups,
    @Inject(CTI_LOGGER) private readonly logger: CtiLogger,
    private readonly calls: CallsRepository,
    private readonly contacts: ContactsRepository,
    private readonly seats: SeatsRepository,
    private readonly cipher: PhoneNumberCipher,
    private readonly pops: ScreenPopService,
    private readonly desktops: DesktopPushService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({ group: this.groups.calls, topics: [...CALL_TOPICS], fromBeginning: true, handle: (message) => this.handle(message) });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }

  private async handle(message: ReceivedMessage): Promise<void> {
    const { tenantId, id } = message.envelope;
    if (!isUuid(tenantId)) throw new MessageRejectedError(`${message.topic.name} ${String(id)} has no valid tenantId`);
    const payload = message.envelope.payload as { callId: string };
    await withLogContext({ tenantId, callId: payload.callId }, async () => {
      const after: AfterCommit[] = [];
      await this.uow.inTenant(tenantId, (tx) => this.inbox.handleOnce(tx, this.groups.calls, id, () => this.apply(tx, message, after)));
      for (const effect of after) {
        if (effect.kind === 'push') await this.desktops.push(tenantId, effect.audience, effect.message);
        else await this.popAndPush(tenantId, effect.callId, effect.audience);
      }
    });
  }

  private async popAndPush(tenantId: string, callId: string, audience: PushAudience): Promise<void> {
    try {
      const pop = await this.pops.build(tenantId, callId);
      if (pop) await this.desktops.push(tenantId, audience, { type: 'pop', pop });
    } catch (error) {
      // The offer already reached the desktop; the pop can be read later (GET .../pop builds it).
      this.logger.error({ tenantId, callId, err: error instanceof Error ? error.message : String(error) }, 'the screen pop could not be built');
    }
  }

  private async apply(tx: TenantTransaction, message: ReceivedMessage, after: AfterCommit[]): Promise<void> {
    const name = message.topic.name;
    if (name === ivrCallRoutedV1.name) return this.routed(tx, message.envelope.payload as PayloadOf<typeof ivrCallRoutedV1>, after);
    if (name === acdCallOfferedV1.name) return this.offered(tx, message.envelope.payload as PayloadOf<typeof acdCallOfferedV1>, after);
    if (name === acdCallAssignedV1.name) {
      const p = message.envelope.payload as PayloadOf<typeof acdCallAssignedV1>;
      const before = await this.calls.find(tx, p.callId);
      const call = await this.calls.applyAssigned(tx, { callId: p.callId, voiceCallId: p.voiceCallId, queueId: p.queueId, agentId: p.agentId, assignedAt: new Date(p.assignedAt) });
      const told = new Set([p.agentId, ...(before?.offeredAgentIds ?? [])]);
      after.push({ kind: 'push', audience: everyone([...told]), message: { type: 'call.state', callId: call.callId, state: 'connected', agentId: p.agentId, at: p.assignedAt } });
      return;
    }
    if (name === acdCallTransferredV1.name) {
      const p = message.envelope.payload as PayloadOf<typeof acdCallTransferredV1>;
      await this.calls.requeue(tx, { callId: p.callId, queueId: p.queueId, fromAgentId: p.fromAgentId, at: new Date(p.transferredAt) });
      // The agent who left wraps up; supervisors see the call waiting again.
      after.push({ kind: 'push', audience: everyone([p.fromAgentId]), message: { type: 'call.state', callId: p.callId, state: 'queued', agentId: null, at: p.transferredAt, reason: `transferred to queue ${p.queueId}` } });
      return;
    }
    if (name === ivrCallCompletedV1.name) {
      const p = message.envelope.payload as PayloadOf<typeof ivrCallCompletedV1>;
      if (p.survey && (await this.calls.setSurveyScore(tx, p.callId, p.survey.score))) this.logger.info({ score: p.survey.score }, 'survey score stored with the call');
      return;
    }
    return this.voice(tx, message, after);
  }

  private async routed(tx: TenantTransaction, p: PayloadOf<typeof ivrCallRoutedV1>, after: AfterCommit[]): Promise<void> {
    const e164 = callerE164(p.callerNumber);
    const callerHash = e164 !== null ? this.cipher.lookupHash(tx.tenantId, e164) : null;
    const contact = callerHash !== null ? await this.contacts.findByNumberHash(tx, callerHash) : null;
    const call = await this.calls.applyRouted(tx, {
      callId: p.callId,
      queueId: p.queue,
      callerCipher: e164 !== null ? this.cipher.encrypt(tx.tenantId, e164) : null,
      callerHash,
      callerMasked: maskPhoneNumber(p.callerNumber),
      dialledNumber: p.dialledNumber,
      attributes: p.attributes,
      variables: p.variables,
      contactId: contact?.contact.contactId ?? null,
      routedAt: new Date(p.routedAt),
    });
    // The offer overtook the routed call (another topic): the offer and its pop lacked the caller and the IVR data. Send both again.
    if (call.state === 'offered' && call.agentId === null) {
      const audience = { agentIds: call.offeredAgentIds, supervisors: false };
      const offer = offerMessage(call);
      if (offer) after.push({ kind: 'push', audience, message: offer });
      after.push({ kind: 'pop', callId: call.callId, audience });
    }
  }

  private async offered(tx: TenantTransaction, p: PayloadOf<typeof acdCallOfferedV1>, after: AfterCommit[]): Promise<void> {
    const call = await this.calls.applyOffered(tx, {
      callId: p.callId,
      voiceCallId: p.voiceCallId,
      queueId: p.queueId,
      offerId: p.offerId,
      agentIds: p.agentIds,
      ringTimeoutMs: p.ringTimeoutMs,
      attributes: p.attributes,
      offeredAt: new Date(p.offeredAt),
    });
    await this.seats.noteOffer(tx, p.agentIds, p.queueId, new Date(p.offeredAt));
    if (call.state !== 'offered') return;
    const offer = offerMessage(call);
    if (offer) after.push({ kind: 'push', audience: { agentIds: p.agentIds, supervisors: false }, message: offer });
    after.push({ kind: 'push', audience: { agentIds: [], supervisors: true }, message: { type: 'call.state', callId: p.callId, state: 'ringing', agentId: null, at: p.offeredAt } });
    after.push({ kind: 'pop', callId: p.callId, audience: { agentIds: p.agentIds, supervisors: false } });
  }

  private async voice(tx: TenantTransaction, message: ReceivedMessage, after: AfterCommit[]): Promise<void> {
    const name = message.topic.name;
    const voiceCallId = (message.envelope.payload as { callId: string }).callId;
    const calls = await this.calls.findByVoiceCall(tx, voiceCallId);
    for (const call of calls) {
      const push = await this.voiceChange(tx, call, name, message.envelope.payload);
      if (push) after.push({ kind: 'push', audience: everyone(call.agentId ? [call.agentId, ...(push.agentId && push.agentId !== call.agentId ? [push.agentId] : [])] : call.offeredAgentIds), message: push });
    }
  }

  private async voiceChange(tx: TenantTransaction, call: CallRecord, name: string, payload: unknown): Promise<Extract<CtiServerMessage, { type: 'call.state' }> | null> {
    if (name === voiceCallBridgedV1.name) {
      const p = payload as PayloadOf<typeof voiceCallBridgedV1>;
      if (p.target.kind !== 'agent') return null;
      await this.calls.setState(tx, call.callId, { state: 'connected', at: new Date(p.bridgedAt), agentId: p.target.agentId });
      return { type: 'call.state', callId: call.callId, state: 'connected', agentId: p.target.agentId, at: p.bridgedAt };
    }
    if (name === voiceCallHeldV1.name) {
      const p = payload as PayloadOf<typeof voiceCallHeldV1>;
      const state = p.held ? 'held' : 'connected';
      await this.calls.setState(tx, call.callId, { state, at: new Date(p.at) });
      return { type: 'call.state', callId: call.callId, state, agentId: call.agentId, at: p.at };
    }
    if (name === voiceCallTransferredV1.name) {
      const p = payload as PayloadOf<typeof voiceCallTransferredV1>;
      if (call.agentId !== null) await this.calls.leaveAgent(tx, call.callId, call.agentId, new Date(p.at));
      if (p.target.kind !== 'agent') return { type: 'call.state', callId: call.callId, state: 'connected', agentId: call.agentId, at: p.at, reason: 'transferred to a number' };
      await this.calls.setState(tx, call.callId, { state: 'connected', at: new Date(p.at), agentId: p.target.agentId });
      return { type: 'call.state', callId: call.callId, state: 'connected', agentId: p.target.agentId, at: p.at, reason: 'transferred' };
    }
    if (name === voiceCallEndedV1.name) {
      const p = payload as PayloadOf<typeof voiceCallEndedV1>;
      await this.calls.setState(tx, call.callId, { state: 'ended', at: new Date(p.endedAt), endReason: p.reason, talkMs: p.talkMs });
      return { type: 'call.state', callId: call.callId, state: 'ended', agentId: call.agentId, at: p.endedAt, reason: p.reason };
    }
    return null;
  }
}
