import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type PayloadOf,
  type TopicDefinition,
  voiceCallAnsweredV1,
  voiceCallBridgedV1,
  voiceCallConferenceEndedV1,
  voiceCallConferenceStartedV1,
  voiceCallConsultationAnsweredV1,
  voiceCallConsultationEndedV1,
  voiceCallConsultationFailedV1,
  voiceCallConsultationStartedV1,
  voiceCallDigitsCollectedV1,
  voiceCallEndedV1,
  voiceCallHeldV1,
  voiceCallMonitoredV1,
  voiceCallPlaybackFinishedV1,
  voiceCallReleasedV1,
  voiceCallStartedV1,
  voiceCallTransferFailedV1,
  voiceCallTransferredV1,
  voiceCallUnbridgedV1,
  type voiceCommandIssuedV1,
  voiceCommandFailedV1,
  voiceRecordingCompletedV1,
} from '@parley/contracts';
import { type MediaEngineApi, type MediaEngineEvent, type PlaySpec } from '@parley/media';
import { createEnvelope, type EventBus } from '@parley/messaging';
import { Dialog, dialogIdOfIncoming, type InboundRequest, parseNameAddr, type SipStack, tryParseUri } from '@parley/sip';
import { type DidDirectory } from '../directory/did-directory';
import { type AgentDialer } from './agent-dialer';
import { type CallRegistry } from './call-registry';
import {
  type AfterHangup,
  type BridgeTarget,
  type Call,
  CALLER_LEG,
  DialFailedError,
  type DialogRole,
  InvalidStateError,
  type Monitor,
  type PendingPlayback,
  type Peer,
  type ThirdParty,
} from './call-model';
import { checkConferenceFromConsultation, checkConsultCancel, checkConsultComplete, checkNewThirdParty, conferenceParticipants } from './consultation';
import { DigitCollector } from './digit-collector';
import { checkRelease } from './release';
import { answerDirection, type PlainOffer, readPlainOffer, SdpOfferError, sdpDirection, writePlainSdp } from './rtp-sdp';
import { type TrunkDialer } from './trunk-dialer';

export { InvalidStateError } from './call-model';

type CommandEnvelope = PayloadOf<typeof voiceCommandIssuedV1>;
type EndReason = PayloadOf<typeof voiceCallEndedV1>['reason'];
type MonitorMode = Monitor['mode'];
type OriginateCommand = Extract<CommandEnvelope['command'], { type: 'originate' }>;
type ConsultationOutcome = PayloadOf<typeof voiceCallConsultationEndedV1>['outcome'];

export interface VoiceCallsOptions {
  stack: SipStack;
  media: MediaEngineApi;
  directory: DidDirectory;
  bus: Pick<EventBus, 'publish'>;
  /** Address put in Contact and SDP (what carriers send to). */
  advertisedAddress: string;
  /** Where stereo recordings are written. */
  recordingsDir: string;
  /** A call nobody commands for this long takes the emergency path (new calls) or ends (after its party left); default 3 s. */
  commandTimeoutMs?: number;
  /** Spoken on the emergency path when the tenant set no fallback prompt of its own. */
  fallbackPrompt?: { text: string; locale: string };
  logger: { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void };
  /** Trunks for outside numbers (primary first, then backups). */
  dialer?: TrunkDialer;
  /** Agents' and supervisors' softphones (down their WebSocket flows). */
  agents?: AgentDialer;
  /** Which node holds which call (commands reach every node). */
  registry: CallRegistry;
  nodeId: string;
  now?: () => number;
}

/** The other party's leg: the right channel of recordings. */
const PEER_LEG = 'peer';
/** A consulted or conferenced third party's leg. */
const THIRD_LEG = 'third';
const STATIC_PT = { pcmu: 0, pcma: 8 } as const;
const TRANSFER_RING_TIMEOUT_MS = 30_000;
const MONITOR_RING_TIMEOUT_MS = 20_000;
const DEFAULT_FALLBACK = { text: 'We are sorry, we cannot take your call right now. Please call again later. Goodbye.', locale: 'en' };

/**
 * The B2BUA's calls. A call comes in from a carrier to a tenant's number, rings and is announced
 * (`voice.call.started.v1`); the services drive it with commands (answer, play, say, collect,
 * record, music on hold, bridge to an agent's browser or to an outside number, hold, transfer,
 * monitor, hang up). Every call has an id, a state and its media in the engine; every change is an
 * event. The bridged party (an agent over WebRTC, or a number through a trunk) may hold, hang up or
 * transfer (REFER) from its side; a `release` command sends it away and leaves the caller on music
 * for the releaser's next command (the ACD moving the call to another queue). The agent may bring
 * in a third party: consult it (the caller on hold), then complete (attended transfer), cancel, or
 * make it a three-way conference (recorded on the right with the agent). A new call nobody
 * commands within 3 s takes the emergency path: answered, the tenant's fallback prompt, then the
 * tenant's backup number if one is set, else a polite goodbye.
 */
export class VoiceCalls {
  private readonly calls = new Map<string, Call>();
  private readonly byDialog = new Map<string, { call: Call; role: DialogRole }>();
  private draining = false;
  private readonly now: () => number;

  constructor(private readonly options: VoiceCallsOptions) {
    this.now = options.now ?? Date.now;
    options.media.on('event', (event: MediaEngineEvent) => void this.onMediaEvent(event));
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  /** Stops taking new calls (503 with Retry-After); calls in progress carry on. */
  drain(): void {
    this.draining = true;
  }

  /** SIP requests that belong to calls: new INVITEs, and in-dialog requests of any side of a call. */
  async onRequest(inbound: InboundRequest): Promise<boolean> {
    const request = inbound.request;
    if (request.method === 'INVITE' && request.toTag === undefined) {
      await this.onNewInvite(inbound);
      return true;
    }
    const entry = this.byDialog.get(dialogIdOfIncoming(request));
    if (!entry) return false;
    const { call, role } = entry;
    switch (request.method) {
      case 'BYE':
        inbound.respond(200, 'OK');
        if (role.kind === 'caller') await this.end(call, 'caller-hangup', { byeCaller: false });
        else if (role.kind === 'peer') await this.onPeerGone(call, call.peer?.target.kind === 'agent' ? 'agent-hangup' : 'remote-hangup', { byePeer: false });
        else if (role.kind === 'third') await this.onThirdPartyGone(call, { byeThird: false });
        else await this.stopMonitor(call, role.supervisorId, { bye: false });
        return true;
      case 'INVITE':
      case 'UPDATE':
        if (request.method === 'UPDATE' && request.body.length === 0) {
          inbound.respond(200, 'OK', { Contact: this.contact(inbound.flow.transport) }); // a session refresh
          return true;
        }
        if (role.kind === 'caller') await this.onCallerReOffer(call, inbound);
        else if (role.kind === 'peer') await this.onPeerReOffer(call, inbound);
        else if (role.kind === 'third') await this.onThirdPartyReOffer(call, inbound);
        else await this.onMonitorReOffer(call, role.supervisorId, inbound);
        return true;
      case 'REFER':
        if (role.kind !== 'peer') inbound.respond(403, 'Forbidden', { Warning: '399 parley "only the bridged agent can transfer this call"' });
        else if (call.third) inbound.respond(403, 'Forbidden', { Warning: '399 parley "a consultation or conference is in progress: complete or cancel it first"' });
        else await this.onRefer(call, inbound);
        return true;
      default:
        inbound.respond(200, 'OK'); // NOTIFY, INFO, OPTIONS in a dialog
        return true;
    }
  }

  async onCommand(message: CommandEnvelope, tenantId: string): Promise<void> {
    if (message.command.type === 'originate') {
      await this.originate(message, tenantId, message.command);
      return;
    }
    const call = this.calls.get(message.callId);
    const type = message.command.type;
    if (!call || call.tenantId !== tenantId) {
      // Another node's call: not ours to answer. Nobody's: the first node to claim it reports it.
      const owner = call ? this.options.nodeId : await this.options.registry.ownerOf(message.callId);
      if (owner !== undefined && owner !== this.options.nodeId) return;
      // Nor for a tenant this node does not serve (another deployment sharing the bus).
      if (!this.options.directory.tenantById(tenantId)) return;
      if (!(await this.options.registry.claimFailureReport(message.commandId))) return;
      await this.publish(tenantId, voiceCommandFailedV1, { callId: message.callId, commandId: message.commandId, commandType: type, reason: 'unknown-call', detail: `call ${message.callId} is not in progress` });
      return;
    }
    // The bus delivers at least once (and an outbox relay may send a command twice): once per id.
    if (call.commandIds.has(message.commandId)) return;
    call.commandIds.add(message.commandId);
    call.commandSeen = true;
    call.emergency = false;
    this.disarm(call);
    const run = async (): Promise<void> => {
      try {
        await this.execute(call, message);
      } catch (error) {
        await this.reportFailure(call, message, error);
      }
    };
    // A hang-up never waits behind the call's other commands.
    if (message.command.type === 'hangup') return run();
    // One queue per call: its commands run in order, while the bus moves on to other calls'
    // commands (a partition is not held by one call's media round trips).
    const next = call.commands.then(run);
    call.commands = next;
  }

  private async reportFailure(call: Call, message: CommandEnvelope, error: unknown): Promise<void> {
    const detail = error instanceof Error ? error.message : String(error);
    this.options.logger.warn({ tenantId: call.tenantId, callId: call.id, command: message.command.type, err: detail }, 'voice command failed');
    await this.publish(call.tenantId, voiceCommandFailedV1, {
      callId: call.id,
      commandId: message.commandId,
      commandType: message.command.type,
      reason: error instanceof InvalidStateError ? 'invalid-state' : 'failed',
      ...(error instanceof DialFailedError ? { sipStatus: error.sipStatus } : {}),
      detail,
    });
  }

  /**
   * Runs a command that waits on a far end (a dial rings for up to a minute) without holding the
   * command stream: the next commands of this call (a hangup, a prompt) and of every other call on
   * the same partition go on meanwhile. Its state checks run before the first await, so a second
   * bridge is refused at once; a failure is reported like any other.
   */
  private detach(call: Call, message: CommandEnvelope, work: () => Promise<void>): void {
    void work().catch((error: unknown) => this.reportFailure(call, message, error));
  }

  /** Ends every call (shutdown after draining timed out). */
  async endAll(reason: EndReason): Promise<void> {
    await Promise.all([...this.calls.values()].map((call) => this.end(call, reason, { byeCaller: true })));
  }

  // ---------------------------------------------------------------- a new call

  private async onNewInvite(inbound: InboundRequest): Promise<void> {
    if (this.draining) {
      inbound.respond(503, 'Service Unavailable', { 'Retry-After': 30 });
      return;
    }
    const request = inbound.request;
    const dialled = tryParseUri(request.uri)?.user ?? tryParseUri(request.to.uri)?.user ?? '';
    const route = this.options.directory.routeFor(decodeURIComponent(dialled));
    if (!route) {
      inbound.respond(404, 'Not Found');
      return;
    }
    let offer: PlainOffer;
    try {
      offer = readPlainOffer(request.bodyText);
    } catch (error) {
      const status = error instanceof SdpOfferError ? error.status : 400;
      inbound.respond(status, status === 488 ? 'Not Acceptable Here' : 'Bad Request', { Warning: `399 parley "${(error as Error).message.replace(/"/g, "'")}"` });
      return;
    }
    const id = randomUUID();
    // Ring at once: the media set-up below is a round trip to a media worker, and the carrier's
    // post-dial delay should not wait for it (a 503 can still follow if there is no media).
    inbound.respond(180, 'Ringing', { Contact: this.contact() });
    let leg: { port: number };
    try {
      await this.options.media.createCall(id);
      leg = await this.options.media.createLeg(id, CALLER_LEG, { codec: offer.codec, telephoneEventPt: offer.telephoneEventPt, remote: { address: offer.address, port: offer.port }, latching: 'when-unusable' });
    } catch (error) {
      // No RTP port (pool exhausted or ports taken): refuse this call, keep the node up.
      this.options.logger.error({ tenantId: route.tenantId, err: error instanceof Error ? error.message : String(error) }, 'no media for a new call');
      await this.options.media.hangup(id).catch(() => undefined);
      inbound.respond(503, 'Service Unavailable', { 'Retry-After': 5 });
      return;
    }
    const call: Call = {
      id,
      tenantId: route.tenantId,
      state: 'ringing',
      direction: 'inbound',
      invite: inbound,
      remoteNumber: decodeURIComponent(tryParseUri(request.from.uri)?.user ?? 'anonymous'),
      offer,
      local: { address: this.options.advertisedAddress, port: leg.port },
      startedAt: this.now(),
      early: false,
      callerHeld: false,
      holdMs: 0,
      commandSeen: false,
      recording: false,
      sessionVersion: 1,
      dialing: false,
      ringingAgents: new Set(),
      monitors: new Map(),
      commands: Promise.resolve(),
      commandIds: new Set(),
      legCounter: 0,
      emergency: false,
    };
    this.calls.set(id, call);
    await this.options.registry.register(id, this.options.nodeId);
    inbound.on('cancelled', () => void this.end(call, 'caller-hangup', { byeCaller: false }));
    // CANCELled while the media was being set up (the transaction answered 487 already).
    const cancelledEarly = inbound.finalSent;
    this.options.logger.info({ tenantId: call.tenantId, callId: id, to: route.e164 }, 'inbound call');
    await this.publish(call.tenantId, voiceCallStartedV1, {
      callId: id,
      direction: 'inbound',
      from: request.from.uri,
      to: route.e164,
      numberId: route.numberId,
      startedAt: new Date(call.startedAt).toISOString(),
    });
    if (cancelledEarly) {
      await this.end(call, 'caller-hangup', { byeCaller: false });
      return;
    }
    this.arm(call, () => this.emergencyPath(call));
  }

  // ---------------------------------------------------------------- a new outbound call

  /**
   * `originate`: every node reads it, one claims the new call id and dials the number through the
   * trunks. The call is announced like any other (started; answered, or ended with why); once
   * answered it takes commands (a bridge to the agent who asked for the callback...).
   */
  private async originate(message: CommandEnvelope, tenantId: string, command: OriginateCommand): Promise<void> {
    if (this.calls.has(message.callId) || this.draining) return;
    if (!this.options.directory.tenantById(tenantId)) return;
    if (!(await this.options.registry.claim(message.callId, this.options.nodeId))) return;
    const id = message.callId;
    const refuse = async (detail: string, reason: 'failed' | 'invalid-state'): Promise<void> => {
      await this.options.registry.unregister(id).catch(() => undefined);
      await this.options.media.hangup(id).catch(() => undefined);
      await this.publish(tenantId, voiceCommandFailedV1, { callId: id, commandId: message.commandId, commandType: 'originate', reason, detail });
    };
    const dialer = this.options.dialer;
    if (!dialer?.configured) return refuse('no trunk is configured for calls to outside numbers', 'invalid-state');
    const codec = 'pcmu' as const;
    let leg: { port: number };
    try {
      await this.options.media.createCall(id);
      leg = await this.options.media.createLeg(id, CALLER_LEG, { codec, telephoneEventPt: 101, remote: null, latching: 'when-unusable' });
    } catch (error) {
      return refuse(`no media for the call: ${error instanceof Error ? error.message : String(error)}`, 'failed');
    }
    const call: Call = {
      id,
      tenantId,
      direction: 'outbound',
      remoteNumber: command.to,
      state: 'ringing',
      offer: { address: this.options.advertisedAddress, port: 0, codec, payloadType: STATIC_PT[codec], telephoneEventPt: 101, direction: 'sendrecv', sessionVersion: 0 },
      local: { address: this.options.advertisedAddress, port: leg.port },
      startedAt: this.now(),
      early: false,
      callerHeld: false,
      holdMs: 0,
      commandSeen: true,
      recording: false,
      sessionVersion: 1,
      dialing: false,
      ringingAgents: new Set(),
      monitors: new Map(),
      commands: Promise.resolve(),
      commandIds: new Set([message.commandId]),
      legCounter: 0,
      emergency: false,
    };
    this.calls.set(id, call);
    this.options.logger.info({ tenantId, callId: id, to: command.to }, 'outbound call');
    await this.publish(tenantId, voiceCallStartedV1, { callId: id, direction: 'outbound', from: command.callerId, to: command.to, startedAt: new Date(call.startedAt).toISOString() });
    // The dial rings for up to ringTimeoutMs: it must not hold the command stream.
    void this.dialOut(call, message, command, dialer).catch((error: unknown) => {
      this.options.logger.error({ tenantId, callId: id, err: error instanceof Error ? error.message : String(error) }, 'outbound call failed');
      return this.end(call, 'failed', { byeCaller: true });
    });
  }

  private async dialOut(call: Call, message: CommandEnvelope, command: OriginateCommand, dialer: TrunkDialer): Promise<void> {
    const sdp = writePlainSdp({ address: call.local.address, port: call.local.port, codec: call.offer.codec, payloadType: call.offer.payloadType, telephoneEventPt: 101, direction: 'sendrecv', sessionId: parseInt(call.id.slice(0, 8), 16), sessionVersion: 1 });
    const outcome = await dialer.dial({
      number: command.to,
      callerId: command.callerId,
      sdp,
      contact: this.contact(),
      ringTimeoutMs: command.ringTimeoutMs,
      wanted: () => call.state === 'ringing',
      onEarlyMedia: (early) => {
        try {
          const remote = readPlainOffer(early);
          void this.options.media.updateLeg(call.id, CALLER_LEG, { address: remote.address, port: remote.port }).catch(() => undefined);
        } catch {
          // Unreadable early media: nothing to hear before the answer.
        }
      },
    });
    if (!outcome.ok) {
      if (call.state === 'ended') return; // hung up by command while it rang
      const last = outcome.attempts[outcome.attempts.length - 1];
      const status = last?.status ?? 487;
      const reason: EndReason = status === 486 || status === 600 ? 'busy' : status === 408 || status === 480 || status === 487 ? 'no-answer' : 'failed';
      await this.publish(call.tenantId, voiceCommandFailedV1, {
        callId: call.id,
        commandId: message.commandId,
        commandType: 'originate',
        reason: 'failed',
        sipStatus: status,
        detail: `${command.to} was not reached: ${outcome.attempts.map((a) => `${a.trunk} ${a.status} ${a.reason}`).join('; ') || 'cancelled'}`,
      });
      await this.end(call, reason, { byeCaller: false, sipStatus: status });
      return;
    }
    if (call.state !== 'ringing') {
      this.sendBye(call, outcome.dialog);
      return;
    }
    let answer: PlainOffer;
    try {
      answer = readPlainOffer(outcome.answer.bodyText);
      if (answer.codec !== call.offer.codec) throw new SdpOfferError(488, `the answer chose ${answer.codec}, but ${call.offer.codec} was offered`);
    } catch (error) {
      this.sendBye(call, outcome.dialog);
      await this.end(call, 'failed', { byeCaller: false, sipStatus: 488 });
      this.options.logger.warn({ tenantId: call.tenantId, callId: call.id, err: error instanceof Error ? error.message : String(error) }, "the called party's answer cannot be used");
      return;
    }
    await this.options.media.updateLeg(call.id, CALLER_LEG, { address: answer.address, port: answer.port });
    call.offer = { ...answer, direction: 'sendrecv' };
    call.dialog = outcome.dialog;
    call.state = 'answered';
    call.answeredAt = this.now();
    this.byDialog.set(outcome.dialog.id, { call, role: { kind: 'caller' } });
    await this.publish(call.tenantId, voiceCallAnsweredV1, { callId: call.id, answeredAt: new Date(call.answeredAt).toISOString() });
    // Whoever asked for the call drives it now; nobody doing so within the timeout ends it.
    this.arm(call, () => this.end(call, 'failed', { byeCaller: true }));
  }

  /** Runs `then` unless a command arrives within the command timeout. */
  private arm(call: Call, then: () => Promise<void>): void {
    this.disarm(call);
    call.commandSeen = false;
    call.commandTimer = setTimeout(() => {
      call.commandTimer = undefined;
      if (!call.commandSeen && call.state !== 'ended') void then();
    }, this.options.commandTimeoutMs ?? 3000);
    call.commandTimer.unref();
  }

  private disarm(call: Call): void {
    if (call.commandTimer) clearTimeout(call.commandTimer);
    call.commandTimer = undefined;
  }

  /** Nobody took the call (the IVR is down): answer, say so, then the backup number or goodbye. */
  private async emergencyPath(call: Call): Promise<void> {
    const settings = this.options.directory.voiceSettingsOf(call.tenantId);
    this.options.logger.warn({ tenantId: call.tenantId, callId: call.id, backup: settings.backupNumber !== null }, 'no command for a new call: emergency path');
    call.emergency = true;
    try {
      this.answer(call);
      const prompt = settings.fallbackPrompt ?? this.options.fallbackPrompt ?? DEFAULT_FALLBACK;
      await this.options.media.play(call.id, CALLER_LEG, { kind: 'tts', text: prompt.text, language: prompt.locale });
      // Continued when the prompt finishes (see onMediaEvent), or after 30 s at the latest.
      call.commandTimer = setTimeout(() => void this.afterFallbackPrompt(call), 30_000);
      call.commandTimer.unref();
    } catch (error) {
      this.options.logger.error({ tenantId: call.tenantId, callId: call.id, err: String(error) }, 'emergency prompt failed');
      await this.afterFallbackPrompt(call);
    }
  }

  private async afterFallbackPrompt(call: Call): Promise<void> {
    if (!call.emergency || call.state === 'ended') return;
    this.disarm(call);
    const backup = this.options.directory.voiceSettingsOf(call.tenantId).backupNumber;
    if (backup && this.options.dialer?.configured && !call.peer && !call.dialing) {
      try {
        await this.bridgeNumber(call, { number: backup, ringTimeoutMs: TRANSFER_RING_TIMEOUT_MS, afterHangup: 'end' });
        call.emergency = false;
        this.options.logger.warn({ tenantId: call.tenantId, callId: call.id }, 'emergency path: forwarded to the backup number');
        return;
      } catch (error) {
        this.options.logger.error({ tenantId: call.tenantId, callId: call.id, err: error instanceof Error ? error.message : String(error) }, 'emergency path: the backup number did not answer');
      }
    }
    await this.end(call, 'emergency-fallback', { byeCaller: true });
  }

  // ---------------------------------------------------------------- commands

  private async execute(call: Call, message: CommandEnvelope): Promise<void> {
    const command = message.command;
    if (call.state === 'ended') throw new InvalidStateError('the call has ended');
    switch (command.type) {
      case 'answer':
        this.answer(call);
        return;
      case 'hangup':
        await this.end(call, 'command', { byeCaller: true });
        return;
      case 'play':
        // Before the answer, prompts go out as early media (183 Session Progress).
        if (call.state === 'ringing') this.sendEarlyMedia(call);
        await this.startPrompts(call, { commandId: message.commandId, kind: 'play', remaining: [...command.prompts], bargeIn: command.bargeIn });
        return;
      case 'collect': {
        this.requireAnswered(call);
        call.collector?.cancel();
        const collector = new DigitCollector(
          { maxDigits: command.maxDigits, terminator: command.terminator, firstDigitTimeoutMs: command.firstDigitTimeoutMs, interDigitTimeoutMs: command.interDigitTimeoutMs },
          (digits, outcome) => {
            if (call.collector === collector) call.collector = undefined;
            void this.publish(call.tenantId, voiceCallDigitsCollectedV1, { callId: call.id, commandId: message.commandId, digits, outcome });
          },
        );
        call.collector = collector;
        if (command.prompts.length === 0) collector.start();
        else await this.startPrompts(call, { commandId: message.commandId, kind: 'collect', remaining: [...command.prompts], collector, bargeIn: true });
        return;
      }
      case 'music-on-hold':
        this.requireAnswered(call);
        if (command.on) await this.options.media.play(call.id, CALLER_LEG, { kind: 'hold' }, { loop: true });
        else await this.options.media.stopPlayback(call.id, CALLER_LEG);
        return;
      case 'hold':
        this.requireAnswered(call);
        await this.holdCaller(call, command.on, 'command');
        return;
      case 'record-start':
      case 'record-pause':
      case 'record-resume':
      case 'record-stop':
        this.requireAnswered(call);
        await this.record(call, command.type);
        return;
      case 'bridge-number':
        this.requireAnswered(call);
        this.detach(call, message, () => this.bridgeNumber(call, { number: command.number, callerId: command.callerId, ringTimeoutMs: command.ringTimeoutMs, afterHangup: command.afterHangup }));
        return;
      case 'bridge-agent':
        this.detach(call, message, () => this.bridgeAgent(call, { agentId: command.agentId, ringTimeoutMs: command.ringTimeoutMs, afterHangup: command.afterHangup }));
        return;
      case 'transfer':
        this.requireAnswered(call);
        this.detach(call, message, () => this.transfer(call, command.target, 'command'));
        return;
      case 'monitor':
        this.requireAnswered(call);
        this.detach(call, message, () => this.monitor(call, command.supervisorId, command.mode));
        return;
      case 'originate':
        throw new InvalidStateError(`call ${call.id} exists already: originate needs a new call id`);
      case 'consult':
        checkNewThirdParty(call, 'consult');
        this.detach(call, message, () => this.bringInThirdParty(call, message.commandId, command.target, 'consult', command.ringTimeoutMs));
        return;
      case 'conference': {
        const target = command.target;
        if (target) {
          checkNewThirdParty(call, 'conference');
          this.detach(call, message, () => this.bringInThirdParty(call, message.commandId, target, 'conference', command.ringTimeoutMs));
        } else {
          checkConferenceFromConsultation(call);
          await this.conferenceFromConsultation(call);
        }
        return;
      }
      case 'consult-complete':
        checkConsultComplete(call);
        await this.completeConsultation(call, 'command');
        return;
      case 'consult-cancel':
        checkConsultCancel(call);
        await this.dropThirdParty(call, { outcome: 'cancelled' });
        return;
      case 'release':
        checkRelease(call);
        await this.release(call);
        return;
      default: {
        const unknown: never = command;
        throw new InvalidStateError(`unknown command ${JSON.stringify(unknown)}`);
      }
    }
  }

  private requireAnswered(call: Call): void {
    if (call.state !== 'answered') throw new InvalidStateError(`the call is ${call.state}, not answered`);
  }

  private answer(call: Call): void {
    if (call.state === 'answered') return;
    if (call.state !== 'ringing') throw new InvalidStateError(`cannot answer a call that is ${call.state}`);
    const invite = call.invite;
    if (!invite) throw new InvalidStateError('an outbound call is answered by the called party, not by a command');
    const sdp = this.callerSdp(call);
    const ok = invite.respond(200, 'OK', { Contact: this.contact(), 'Content-Type': 'application/sdp' }, sdp);
    const dialog = Dialog.fromUasRequest(invite.request, ok, { flow: invite.flow, localContact: this.contactUri() });
    call.dialog = dialog;
    call.state = 'answered';
    call.answeredAt = this.now();
    this.byDialog.set(dialog.id, { call, role: { kind: 'caller' } });
    invite.on('ackTimeout', () => void this.end(call, 'failed', { byeCaller: true }));
    void this.publish(call.tenantId, voiceCallAnsweredV1, { callId: call.id, answeredAt: new Date(call.answeredAt).toISOString() });
  }

  /** 183 Session Progress with our SDP: the caller hears what we play before the call is answered (and billed). */
  private sendEarlyMedia(call: Call): void {
    if (call.early || call.state !== 'ringing' || !call.invite) return;
    call.invite.respond(183, 'Session Progress', { Contact: this.contact(), 'Content-Type': 'application/sdp' }, this.callerSdp(call));
    call.early = true;
  }

  // ---------------------------------------------------------------- bridging

  private nextLegId(call: Call, prefix: string): string {
    call.legCounter += 1;
    return `${prefix}-${call.legCounter}`;
  }

  private async bridgeNumber(call: Call, spec: { number: string; callerId?: string; ringTimeoutMs: number; afterHangup: AfterHangup }): Promise<void> {
    const dialer = this.options.dialer;
    if (!dialer?.configured) throw new InvalidStateError('no trunk is configured for calls to outside numbers');
    if (call.peer || call.dialing) throw new InvalidStateError('the call is already bridged or dialling');
    call.dialing = true;
    const legId = this.nextLegId(call, PEER_LEG);
    let bridgedEarly = false;
    try {
      const codec = call.offer.codec;
      const leg = await this.options.media.createLeg(call.id, legId, { codec, telephoneEventPt: 101, remote: null, latching: 'when-unusable' });
      const sdpOffer = { address: this.options.advertisedAddress, port: leg.port, codec, payloadType: STATIC_PT[codec], telephoneEventPt: 101, direction: 'sendrecv' as const, sessionId: parseInt(call.id.slice(9, 13), 16), sessionVersion: 1 };
      const outcome = await dialer.dial({
        number: spec.number,
        callerId: spec.callerId ?? call.remoteNumber,
        sdp: writePlainSdp(sdpOffer),
        contact: this.contact(),
        ringTimeoutMs: spec.ringTimeoutMs,
        wanted: () => call.state === 'answered',
        // The far end's ringback or announcements (183 with SDP) reach the caller before the answer.
        onEarlyMedia: (sdp) => {
          if (call.state !== 'answered') return;
          try {
            const early = readPlainOffer(sdp);
            bridgedEarly = true;
            void this.options.media
              .updateLeg(call.id, legId, { address: early.address, port: early.port })
              .then(() => this.options.media.stopPlayback(call.id, CALLER_LEG))
              .then(() => this.options.media.bridge(call.id))
              .catch(() => undefined);
          } catch {
            // Early media we cannot read: the caller keeps hearing what it heard.
          }
        },
      });
      if (!outcome.ok) {
        if (bridgedEarly) await this.options.media.unbridge(call.id).catch(() => undefined);
        await this.options.media.removeLeg(call.id, legId).catch(() => undefined);
        const last = outcome.attempts[outcome.attempts.length - 1];
        throw new DialFailedError(last?.status ?? 487, `no trunk connected ${spec.number}: ${outcome.attempts.map((a) => `${a.trunk} ${a.status} ${a.reason}`).join('; ') || 'the caller left'}`);
      }
      if (call.state !== 'answered') {
        this.options.stack.sendRequest(outcome.dialog.createRequest('BYE'), outcome.dialog.flow).finalResponse.catch(() => undefined);
        return;
      }
      const answer = readPlainOffer(outcome.answer.bodyText);
      await this.options.media.updateLeg(call.id, legId, { address: answer.address, port: answer.port });
      const peer: Peer = { target: { kind: 'number', number: spec.number }, legId, dialog: outcome.dialog, afterHangup: spec.afterHangup, plain: { port: leg.port, offer: answer, sessionVersion: 1 }, held: false, trunk: outcome.trunk };
      await this.connectPeer(call, peer);
      this.options.logger.info({ tenantId: call.tenantId, callId: call.id, trunk: outcome.trunk }, 'bridged to an outside number');
    } finally {
      call.dialing = false;
    }
  }

  private async bridgeAgent(call: Call, spec: { agentId: string; ringTimeoutMs: number; afterHangup: AfterHangup }): Promise<void> {
    const agents = this.options.agents;
    if (!agents) throw new InvalidStateError('this voice node does not place calls to agents');
    if (call.peer || call.answeredBy !== undefined) throw new InvalidStateError('the call is already bridged');
    // Agents ring side by side (ring-all); an outside number being dialled is not joined.
    if (call.dialing && call.ringingAgents.size === 0) throw new InvalidStateError('the call is already dialling a number');
    if (call.ringingAgents.has(spec.agentId)) throw new InvalidStateError(`agent ${spec.agentId} is already being rung for this call`);
    const tenant = this.options.directory.tenantById(call.tenantId);
    if (!tenant) throw new InvalidStateError(`tenant ${call.tenantId} is unknown to this voice node`);
    call.dialing = true;
    call.ringingAgents.add(spec.agentId);
    const legId = this.nextLegId(call, PEER_LEG);
    let legCreated = false;
    const taken = (): boolean => call.peer !== undefined || (call.answeredBy !== undefined && call.answeredBy !== spec.agentId);
    try {
      const codecs = call.offer.codec === 'pcmu' ? (['pcmu', 'pcma'] as const) : (['pcma', 'pcmu'] as const);
      const { sdp } = await this.options.media.createWebRtcLeg(call.id, legId, { codecs: [...codecs] });
      legCreated = true;
      const outcome = await agents.dial({
        tenantId: call.tenantId,
        userId: spec.agentId,
        sipDomain: tenant.sipDomain,
        display: call.remoteNumber,
        sdp,
        ringTimeoutMs: spec.ringTimeoutMs,
        headers: { 'X-Parley-Call-Id': call.id },
        // Stops ringing when the caller leaves or another agent of a ring-all offer answers.
        wanted: () => call.state !== 'ended' && !taken(),
      });
      if (!outcome.ok) {
        // No SIP status for this one: the agent did not miss the offer, another one answered it.
        if (taken()) throw new InvalidStateError(`another agent answered first; agent ${spec.agentId}'s phone stopped ringing`);
        throw new DialFailedError(outcome.status, `agent ${spec.agentId} did not take the call: ${outcome.status} ${outcome.reason}`);
      }
      if (call.state === 'ended' || taken()) {
        this.options.stack.sendRequest(outcome.dialog.createRequest('BYE'), outcome.dialog.flow).finalResponse.catch(() => undefined);
        if (call.state === 'ended') return;
        throw new InvalidStateError(`another agent answered first; agent ${spec.agentId}'s answer was hung up`);
      }
      call.answeredBy = spec.agentId;
      try {
        await this.options.media.completeWebRtcLeg(call.id, legId, outcome.answer.bodyText);
      } catch (error) {
        this.options.stack.sendRequest(outcome.dialog.createRequest('BYE'), outcome.dialog.flow).finalResponse.catch(() => undefined);
        throw new DialFailedError(488, `the agent's answer cannot be used: ${error instanceof Error ? error.message : String(error)}`);
      }
      // A caller still ringing is answered when the agent answers.
      if (call.state === 'ringing') this.answer(call);
      const peer: Peer = { target: { kind: 'agent', agentId: spec.agentId }, legId, dialog: outcome.dialog, afterHangup: spec.afterHangup, held: false };
      legCreated = false;
      await this.connectPeer(call, peer);
      this.options.logger.info({ tenantId: call.tenantId, callId: call.id, agentId: spec.agentId }, 'bridged to an agent');
    } finally {
      call.ringingAgents.delete(spec.agentId);
      if (call.answeredBy === spec.agentId) call.answeredBy = undefined;
      call.dialing = call.ringingAgents.size > 0;
      if (legCreated) await this.options.media.removeLeg(call.id, legId).catch(() => undefined);
    }
  }

  /** The peer answered: bridge, point the recording's right channel at it, announce. */
  private async connectPeer(call: Call, peer: Peer): Promise<void> {
    call.peer = peer;
    this.byDialog.set(peer.dialog.id, { call, role: { kind: 'peer' } });
    call.playback = undefined;
    await this.options.media.stopPlayback(call.id, CALLER_LEG);
    await this.pointRecording(call);
    await this.options.media.bridge(call.id);
    await this.publish(call.tenantId, voiceCallBridgedV1, { callId: call.id, target: peer.target, bridgedAt: new Date(this.now()).toISOString() });
  }

  /** Takes the peer out of the call (its media leg and dialog); BYE it when asked. */
  private async releasePeer(call: Call, options: { bye: boolean }): Promise<Peer | undefined> {
    const peer = call.peer;
    if (!peer) return undefined;
    call.peer = undefined;
    this.byDialog.delete(peer.dialog.id);
    if (options.bye) this.sendBye(call, peer.dialog);
    if (call.state === 'ended') return peer;
    // A supervisor whispering to the agent who leaves goes back to listening.
    for (const monitor of call.monitors.values()) {
      if (monitor.mode === 'whisper' && monitor.dialog) await this.applyMonitorMode(call, monitor, 'listen').catch(() => undefined);
    }
    await this.options.media.unbridge(call.id).catch(() => undefined);
    await this.pointRecording(call).catch(() => undefined);
    await this.options.media.removeLeg(call.id, peer.legId).catch(() => undefined);
    if (peer.held) await this.options.media.stopPlayback(call.id, CALLER_LEG).catch(() => undefined);
    return peer;
  }

  /**
   * `release`: the bridged party leaves (BYE) and the caller stays on music on hold for the next
   * command of whoever released it (the ACD, to bridge it to another agent). Unlike the party
   * hanging up, the call does not go on by itself: no unbridged event (the IVR would carry on with
   * its flow), no transferred event, and no command timer (the releaser owns the call now).
   */
  private async release(call: Call): Promise<void> {
    const peer = await this.releasePeer(call, { bye: true });
    if (!peer || call.state === 'ended') return;
    await this.options.media.play(call.id, CALLER_LEG, { kind: 'hold' }, { loop: true });
    await this.publish(call.tenantId, voiceCallReleasedV1, { callId: call.id, party: peer.target, by: 'command', at: new Date(this.now()).toISOString() });
    this.options.logger.info({ tenantId: call.tenantId, callId: call.id, party: peer.target.kind }, 'released the bridged party: the caller waits on music');
  }

  /** The bridged party hung up (or its media failed). */
  private async onPeerGone(call: Call, reason: 'agent-hangup' | 'remote-hangup' | 'failed', options: { byePeer: boolean }): Promise<void> {
    const third = call.third;
    if (third?.party && call.peer && call.state === 'answered') {
      // The agent left a consultation or a conference: the caller goes on with the third party.
      await this.completeConsultation(call, 'agent', { byeAgent: options.byePeer });
      return;
    }
    if (third) {
      // Still ringing: the dial stops (it is no longer wanted), the caller is off hold.
      call.third = undefined;
      await this.resumeCaller(call);
      await this.publishConsultationEnded(call, third, 'cancelled');
    }
    const peer = await this.releasePeer(call, { bye: options.byePeer });
    if (!peer || call.state === 'ended') return;
    if (peer.afterHangup === 'end') {
      await this.end(call, reason === 'failed' ? 'failed' : reason, { byeCaller: true });
      return;
    }
    await this.publish(call.tenantId, voiceCallUnbridgedV1, { callId: call.id, party: peer.target, reason, at: new Date(this.now()).toISOString() });
    // The call goes on (a survey...): whoever asked for that must now say what comes next.
    this.arm(call, () => this.end(call, reason === 'failed' ? 'failed' : reason, { byeCaller: true }));
  }

  // ---------------------------------------------------------------- transfer

  /** Blind transfer: the current party leaves, the caller goes to the target. */
  private async transfer(call: Call, target: BridgeTarget, by: 'agent' | 'command'): Promise<void> {
    if (!call.peer && by === 'command' && call.dialing) throw new InvalidStateError('a bridge is being placed; transfer once it is connected');
    if (call.third) throw new InvalidStateError('a consultation or conference is in progress: consult-complete or consult-cancel it first');
    const previous = await this.releasePeer(call, { bye: true });
    const afterHangup = previous?.afterHangup ?? 'end';
    await this.publish(call.tenantId, voiceCallTransferredV1, { callId: call.id, target, by, at: new Date(this.now()).toISOString() });
    // The caller hears music while the target rings.
    await this.options.media.play(call.id, CALLER_LEG, { kind: 'hold' }, { loop: true }).catch(() => undefined);
    try {
      if (target.kind === 'agent') await this.bridgeAgent(call, { agentId: target.agentId, ringTimeoutMs: TRANSFER_RING_TIMEOUT_MS, afterHangup });
      else await this.bridgeNumber(call, { number: target.number, ringTimeoutMs: TRANSFER_RING_TIMEOUT_MS, afterHangup });
    } catch (error) {
      if (call.state === 'ended') return;
      const detail = error instanceof Error ? error.message : String(error);
      this.options.logger.warn({ tenantId: call.tenantId, callId: call.id, err: detail }, 'transfer failed');
      await this.publish(call.tenantId, voiceCallTransferFailedV1, {
        callId: call.id,
        target,
        ...(error instanceof DialFailedError ? { sipStatus: error.sipStatus } : {}),
        detail,
        at: new Date(this.now()).toISOString(),
      });
      // The caller stays on music; a service that does not take the call over ends it politely.
      this.arm(call, () => this.end(call, 'failed', { byeCaller: true }));
    }
  }

  /** REFER from the bridged agent (RFC 3515): blind transfer to a number or another agent. */
  private async onRefer(call: Call, inbound: InboundRequest): Promise<void> {
    const referTo = inbound.request.headers.get('refer-to');
    let target: BridgeTarget | undefined;
    if (referTo !== undefined) {
      try {
        const user = decodeURIComponent(tryParseUri(parseNameAddr(referTo, 'Refer-To').uri)?.user ?? '');
        if (/^\+[1-9][0-9]{6,14}$/.test(user)) target = { kind: 'number', number: user };
        else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(user)) target = { kind: 'agent', agentId: user.toLowerCase() };
      } catch {
        target = undefined;
      }
    }
    if (!target) {
      inbound.respond(400, 'Bad Request', { Warning: '399 parley "Refer-To must be a sip: URI whose user is an E.164 number or an agent id"' });
      return;
    }
    const peer = call.peer;
    if (!peer || call.state !== 'answered') {
      inbound.respond(481, 'Call/Transaction Does Not Exist');
      return;
    }
    inbound.respond(202, 'Accepted', { Contact: this.contact(inbound.flow.transport) });
    // Blind transfer: the transferor is done as soon as we take the call over (final NOTIFY, then BYE).
    try {
      const notify = peer.dialog.createRequest('NOTIFY', {
        headers: { Event: `refer;id=${inbound.request.cseq.seq}`, 'Subscription-State': 'terminated;reason=noresource' },
        body: 'SIP/2.0 200 OK\r\n',
        contentType: 'message/sipfrag;version=2.0',
      });
      this.options.stack.sendRequest(notify, peer.dialog.flow).finalResponse.catch(() => undefined);
    } catch (error) {
      this.options.logger.warn({ callId: call.id, err: String(error) }, 'could not send the NOTIFY for a REFER');
    }
    await this.transfer(call, target, 'agent');
  }

  // ---------------------------------------------------------------- consultation and conference

  /**
   * `consult` (the caller on hold with music, the agent talks to the target once it answers) or
   * `conference` with a target (the caller and the agent keep talking while it rings; all three
   * talk once it answers). A target that is not reached brings the caller back to the agent.
   */
  private async bringInThirdParty(call: Call, commandId: string, target: BridgeTarget, purpose: ThirdParty['purpose'], ringTimeoutMs: number): Promise<void> {
    const third: ThirdParty = { target, commandId, purpose, state: 'ringing' };
    call.third = third;
    if (purpose === 'consult') await this.holdCallerForConsultation(call);
    await this.publish(call.tenantId, voiceCallConsultationStartedV1, { callId: call.id, commandId, target, purpose, at: new Date(this.now()).toISOString() });
    let party: Peer;
    try {
      party = await this.dialThirdParty(call, third, ringTimeoutMs);
    } catch (error) {
      if (call.third !== third || call.state !== 'answered') return; // cancelled, or the call is over
      call.third = undefined;
      await this.resumeCaller(call);
      const detail = error instanceof Error ? error.message : String(error);
      this.options.logger.warn({ tenantId: call.tenantId, callId: call.id, err: detail }, `${purpose}: the third party was not reached`);
      await this.publish(call.tenantId, voiceCallConsultationFailedV1, {
        callId: call.id,
        commandId,
        target,
        ...(error instanceof DialFailedError ? { sipStatus: error.sipStatus } : {}),
        detail,
        at: new Date(this.now()).toISOString(),
      });
      return;
    }
    if (call.third !== third || call.state !== 'answered') {
      // Cancelled (or the call ended) just as it answered.
      this.sendBye(call, party.dialog);
      if (call.state !== 'ended') await this.options.media.removeLeg(call.id, party.legId).catch(() => undefined);
      return;
    }
    third.party = party;
    third.state = 'consulting';
    this.byDialog.set(party.dialog.id, { call, role: { kind: 'third' } });
    await this.publish(call.tenantId, voiceCallConsultationAnsweredV1, { callId: call.id, commandId, target, at: new Date(this.now()).toISOString() });
    if (purpose === 'conference') await this.startConference(call, third);
  }

  /** Dials the third party on a new leg of the call (in the mix once it answers); its leg is removed when it is not reached. */
  private async dialThirdParty(call: Call, third: ThirdParty, ringTimeoutMs: number): Promise<Peer> {
    const target = third.target;
    const wanted = (): boolean => call.state === 'answered' && call.third === third;
    const legId = this.nextLegId(call, THIRD_LEG);
    if (target.kind === 'agent') {
      const agents = this.options.agents;
      if (!agents) throw new InvalidStateError('this voice node does not place calls to agents');
      const tenant = this.options.directory.tenantById(call.tenantId);
      if (!tenant) throw new InvalidStateError(`tenant ${call.tenantId} is unknown to this voice node`);
      const codecs = call.offer.codec === 'pcmu' ? (['pcmu', 'pcma'] as const) : (['pcma', 'pcmu'] as const);
      const { sdp } = await this.options.media.createWebRtcLeg(call.id, legId, { codecs: [...codecs] });
      try {
        const outcome = await agents.dial({
          tenantId: call.tenantId,
          userId: target.agentId,
          sipDomain: tenant.sipDomain,
          display: call.remoteNumber,
          sdp,
          ringTimeoutMs,
          headers: { 'X-Parley-Call-Id': call.id, 'X-Parley-Consult': third.purpose },
          wanted,
        });
        if (!outcome.ok) throw new DialFailedError(outcome.status, `agent ${target.agentId} did not take the ${third.purpose} call: ${outcome.status} ${outcome.reason}`);
        if (!wanted()) {
          this.sendBye(call, outcome.dialog);
          throw new InvalidStateError(`the ${third.purpose} call to agent ${target.agentId} is no longer wanted`);
        }
        try {
          await this.options.media.completeWebRtcLeg(call.id, legId, outcome.answer.bodyText);
        } catch (error) {
          this.sendBye(call, outcome.dialog);
          throw new DialFailedError(488, `agent ${target.agentId}'s answer cannot be used: ${error instanceof Error ? error.message : String(error)}`);
        }
        return { target, legId, dialog: outcome.dialog, afterHangup: 'end', held: false };
      } catch (error) {
        if (call.state !== 'ended') await this.options.media.removeLeg(call.id, legId).catch(() => undefined);
        throw error;
      }
    }
    const dialer = this.options.dialer;
    if (!dialer?.configured) throw new InvalidStateError('no trunk is configured for calls to outside numbers');
    const codec = call.offer.codec;
    const leg = await this.options.media.createLeg(call.id, legId, { codec, telephoneEventPt: 101, remote: null, latching: 'when-unusable' });
    try {
      const outcome = await dialer.dial({
        number: target.number,
        callerId: call.remoteNumber,
        sdp: writePlainSdp({ address: this.options.advertisedAddress, port: leg.port, codec, payloadType: STATIC_PT[codec], telephoneEventPt: 101, direction: 'sendrecv', sessionId: parseInt(call.id.slice(9, 13), 16), sessionVersion: 1 }),
        contact: this.contact(),
        ringTimeoutMs,
        wanted,
        // The far end's ringback reaches the agent (the leg is in the mix already).
        onEarlyMedia: (sdp) => {
          try {
            const early = readPlainOffer(sdp);
            void this.options.media.updateLeg(call.id, legId, { address: early.address, port: early.port }).catch(() => undefined);
          } catch {
            // Unreadable early media: the agent hears silence until the answer.
          }
        },
      });
      if (!outcome.ok) {
        const last = outcome.attempts[outcome.attempts.length - 1];
        throw new DialFailedError(last?.status ?? 487, `no trunk connected ${target.number}: ${outcome.attempts.map((a) => `${a.trunk} ${a.status} ${a.reason}`).join('; ') || 'cancelled'}`);
      }
      if (!wanted()) {
        this.sendBye(call, outcome.dialog);
        throw new InvalidStateError(`the ${third.purpose} call to ${target.number} is no longer wanted`);
      }
      let answer: PlainOffer;
      try {
        answer = readPlainOffer(outcome.answer.bodyText);
      } catch (error) {
        this.sendBye(call, outcome.dialog);
        throw new DialFailedError(488, `${target.number}'s answer cannot be used: ${error instanceof Error ? error.message : String(error)}`);
      }
      await this.options.media.updateLeg(call.id, legId, { address: answer.address, port: answer.port });
      return { target, legId, dialog: outcome.dialog, afterHangup: 'end', plain: { port: leg.port, offer: answer, sessionVersion: 1 }, held: false, trunk: outcome.trunk };
    } catch (error) {
      if (call.state !== 'ended') await this.options.media.removeLeg(call.id, legId).catch(() => undefined);
      throw error;
    }
  }

  /** The caller hears music and nobody, and nobody hears the caller (the agent and the third party talk). */
  private async holdCallerForConsultation(call: Call): Promise<void> {
    await this.options.media.setMode(call.id, CALLER_LEG, 'held');
    await this.options.media.play(call.id, CALLER_LEG, { kind: 'hold' }, { loop: true });
  }

  /** The caller hears and is heard again (music stops unless the agent holds the call from the softphone). */
  private async resumeCaller(call: Call): Promise<void> {
    if (call.state === 'ended') return;
    await this.options.media.setMode(call.id, CALLER_LEG, 'normal').catch(() => undefined);
    if (!call.peer?.held) await this.options.media.stopPlayback(call.id, CALLER_LEG).catch(() => undefined);
  }

  private async conferenceFromConsultation(call: Call): Promise<void> {
    const third = call.third;
    if (!third) return;
    await this.publishConsultationEnded(call, third, 'conference');
    await this.startConference(call, third);
  }

  private async startConference(call: Call, third: ThirdParty): Promise<void> {
    third.state = 'conference';
    await this.resumeCaller(call);
    await this.pointRecording(call);
    const agent = call.peer?.target;
    if (!agent) return;
    await this.publish(call.tenantId, voiceCallConferenceStartedV1, { callId: call.id, participants: conferenceParticipants(agent, third.target), at: new Date(this.now()).toISOString() });
  }

  /**
   * The agent leaves a consultation or a conference (consult-complete, or its BYE): the third party
   * becomes the call's peer (bridged to the caller; the recording's right channel follows it).
   */
  private async completeConsultation(call: Call, by: 'agent' | 'command', options: { byeAgent: boolean } = { byeAgent: true }): Promise<void> {
    const third = call.third;
    const party = third?.party;
    if (!third || !party) return;
    call.third = undefined;
    const agent = await this.releasePeer(call, { bye: options.byeAgent });
    await this.options.media.setMode(call.id, CALLER_LEG, 'normal');
    const at = new Date(this.now()).toISOString();
    if (third.state === 'conference') {
      await this.publish(call.tenantId, voiceCallConferenceEndedV1, { callId: call.id, left: agent?.target ?? { kind: 'caller' }, reason: 'agent-left', remaining: [{ kind: 'caller' }, third.target], at });
    } else {
      await this.publishConsultationEnded(call, third, by === 'command' ? 'completed' : 'agent-hangup');
    }
    await this.publish(call.tenantId, voiceCallTransferredV1, { callId: call.id, target: third.target, by, at, attended: true });
    await this.connectPeer(call, { ...party, afterHangup: agent?.afterHangup ?? 'end' });
    this.options.logger.info({ tenantId: call.tenantId, callId: call.id, state: third.state }, 'attended transfer: the caller is with the third party');
  }

  /** consult-cancel: the third party is hung up (or its dial stopped); the caller is back with the agent. */
  private async dropThirdParty(call: Call, options: { outcome: 'cancelled' }): Promise<void> {
    const third = call.third;
    if (!third) return;
    call.third = undefined;
    if (third.party) {
      this.byDialog.delete(third.party.dialog.id);
      this.sendBye(call, third.party.dialog);
      await this.pointRecording(call).catch(() => undefined);
      await this.options.media.removeLeg(call.id, third.party.legId).catch(() => undefined);
    }
    await this.resumeCaller(call);
    if (third.state === 'conference') await this.publishThirdLeftConference(call, third);
    else await this.publishConsultationEnded(call, third, options.outcome);
  }

  /** The third party hung up (or its media failed): the caller and the agent carry on. */
  private async onThirdPartyGone(call: Call, options: { byeThird: boolean }): Promise<void> {
    const third = call.third;
    if (!third?.party || call.state === 'ended') return;
    call.third = undefined;
    this.byDialog.delete(third.party.dialog.id);
    if (options.byeThird) this.sendBye(call, third.party.dialog);
    await this.pointRecording(call).catch(() => undefined);
    await this.options.media.removeLeg(call.id, third.party.legId).catch(() => undefined);
    await this.resumeCaller(call);
    if (third.state === 'conference') await this.publishThirdLeftConference(call, third);
    else await this.publishConsultationEnded(call, third, 'consulted-hangup');
  }

  private async publishThirdLeftConference(call: Call, third: ThirdParty): Promise<void> {
    const remaining = call.peer ? [{ kind: 'caller' as const }, call.peer.target] : [{ kind: 'caller' as const }];
    await this.publish(call.tenantId, voiceCallConferenceEndedV1, { callId: call.id, left: third.target, reason: 'third-party-left', remaining, at: new Date(this.now()).toISOString() });
  }

  private async publishConsultationEnded(call: Call, third: ThirdParty, outcome: ConsultationOutcome): Promise<void> {
    await this.publish(call.tenantId, voiceCallConsultationEndedV1, { callId: call.id, target: third.target, outcome, at: new Date(this.now()).toISOString() });
  }

  /** The third party's re-INVITE (hold, resume, session refresh): answered; the others carry on. */
  private async onThirdPartyReOffer(call: Call, inbound: InboundRequest): Promise<void> {
    const party = call.third?.party;
    if (!party) {
      inbound.respond(481, 'Call/Transaction Does Not Exist');
      return;
    }
    const answered = await this.reanswer(call, party, inbound);
    if (!answered) return;
    party.held = answered.holding;
    inbound.respond(200, 'OK', { Contact: this.contact(inbound.flow.transport), 'Content-Type': 'application/sdp' }, answered.sdp);
  }

  // ---------------------------------------------------------------- supervisors

  private async monitor(call: Call, supervisorId: string, mode: MonitorMode): Promise<void> {
    const existing = call.monitors.get(supervisorId);
    if (existing) {
      if (existing.dialog === undefined) throw new InvalidStateError('the supervisor is still being called');
      await this.applyMonitorMode(call, existing, mode);
      return;
    }
    const agents = this.options.agents;
    if (!agents) throw new InvalidStateError('this voice node does not place calls to supervisors');
    if (mode === 'whisper' && !call.peer) throw new InvalidStateError('whisper needs an agent on the call');
    const tenant = this.options.directory.tenantById(call.tenantId);
    if (!tenant) throw new InvalidStateError(`tenant ${call.tenantId} is unknown to this voice node`);
    const monitor: Monitor = { supervisorId, legId: this.nextLegId(call, 'monitor'), mode };
    call.monitors.set(supervisorId, monitor);
    let created = false;
    try {
      const { sdp } = await this.options.media.createWebRtcLeg(call.id, monitor.legId, { codecs: ['pcmu', 'pcma'], mode: 'listen' });
      created = true;
      const outcome = await agents.dial({
        tenantId: call.tenantId,
        userId: supervisorId,
        sipDomain: tenant.sipDomain,
        display: `monitor-${mode}`,
        sdp,
        ringTimeoutMs: MONITOR_RING_TIMEOUT_MS,
        headers: { 'X-Parley-Call-Id': call.id, 'X-Parley-Monitor': mode },
        wanted: () => call.state !== 'ended' && call.monitors.get(supervisorId) === monitor,
      });
      if (!outcome.ok) throw new DialFailedError(outcome.status, `supervisor ${supervisorId} did not take the monitor call: ${outcome.status} ${outcome.reason}`);
      if (call.state === 'ended' || call.monitors.get(supervisorId) !== monitor) {
        this.sendBye(call, outcome.dialog);
        return;
      }
      await this.options.media.completeWebRtcLeg(call.id, monitor.legId, outcome.answer.bodyText);
      monitor.dialog = outcome.dialog;
      this.byDialog.set(outcome.dialog.id, { call, role: { kind: 'monitor', supervisorId } });
      created = false;
      await this.applyMonitorMode(call, monitor, mode);
    } catch (error) {
      if (call.monitors.get(supervisorId) === monitor) call.monitors.delete(supervisorId);
      throw error;
    } finally {
      if (created) await this.options.media.removeLeg(call.id, monitor.legId).catch(() => undefined);
    }
  }

  private async applyMonitorMode(call: Call, monitor: Monitor, mode: MonitorMode): Promise<void> {
    const whisperTo = mode === 'whisper' ? call.peer?.legId : undefined;
    if (mode === 'whisper' && !whisperTo) throw new InvalidStateError('whisper needs an agent on the call');
    await this.options.media.setMode(call.id, monitor.legId, mode, whisperTo ?? null);
    monitor.mode = mode;
    await this.publish(call.tenantId, voiceCallMonitoredV1, { callId: call.id, supervisorId: monitor.supervisorId, mode, active: true, at: new Date(this.now()).toISOString() });
  }

  private async stopMonitor(call: Call, supervisorId: string, options: { bye: boolean }): Promise<void> {
    const monitor = call.monitors.get(supervisorId);
    if (!monitor) return;
    call.monitors.delete(supervisorId);
    if (monitor.dialog) {
      this.byDialog.delete(monitor.dialog.id);
      if (options.bye) this.sendBye(call, monitor.dialog);
    }
    if (call.state !== 'ended') await this.options.media.removeLeg(call.id, monitor.legId).catch(() => undefined);
    await this.publish(call.tenantId, voiceCallMonitoredV1, { callId: call.id, supervisorId, mode: monitor.mode, active: false, at: new Date(this.now()).toISOString() });
  }

  // ---------------------------------------------------------------- re-offers (hold, unhold, refresh)

  private async onCallerReOffer(call: Call, inbound: InboundRequest): Promise<void> {
    let offer: PlainOffer;
    try {
      offer = readPlainOffer(inbound.request.bodyText);
    } catch (error) {
      const status = error instanceof SdpOfferError ? error.status : 400;
      inbound.respond(status, status === 488 ? 'Not Acceptable Here' : 'Bad Request');
      return;
    }
    const holding = offer.direction === 'sendonly' || offer.direction === 'inactive';
    call.offer = offer;
    await this.options.media.updateLeg(call.id, CALLER_LEG, { address: offer.address, port: offer.port });
    call.sessionVersion += 1;
    // The hold event goes out before the answer, so the next re-INVITE's event cannot overtake it.
    if (holding !== call.callerHeld) {
      call.callerHeld = holding;
      await this.noteHold(call, holding, 'caller');
    }
    inbound.respond(200, 'OK', { Contact: this.contact(), 'Content-Type': 'application/sdp' }, this.callerSdp(call));
  }

  /** The bridged party holds (a=sendonly/inactive) or resumes: the caller hears music meanwhile. */
  private async onPeerReOffer(call: Call, inbound: InboundRequest): Promise<void> {
    const peer = call.peer;
    if (!peer) {
      inbound.respond(481, 'Call/Transaction Does Not Exist');
      return;
    }
    const answered = await this.reanswer(call, peer, inbound);
    if (!answered) return;
    const { sdp: answerSdp, holding } = answered;
    if (holding !== peer.held) {
      peer.held = holding;
      // During a consultation the caller hears music already; in a conference the third party is still there.
      if (!call.third) {
        if (holding) await this.options.media.play(call.id, CALLER_LEG, { kind: 'hold' }, { loop: true });
        else await this.options.media.stopPlayback(call.id, CALLER_LEG);
      }
      await this.noteHold(call, holding, 'agent');
    }
    inbound.respond(200, 'OK', { Contact: this.contact(inbound.flow.transport), 'Content-Type': 'application/sdp' }, answerSdp);
  }

  /** Our answer to a peer-like party's re-offer (RTP or WebRTC); undefined when it was refused (answered 4xx here). */
  private async reanswer(call: Call, peer: Peer, inbound: InboundRequest): Promise<{ sdp: string; holding: boolean } | undefined> {
    const body = inbound.request.bodyText;
    try {
      if (peer.plain) {
        const offer = readPlainOffer(body);
        await this.options.media.updateLeg(call.id, peer.legId, { address: offer.address, port: offer.port });
        peer.plain.offer = offer;
        peer.plain.sessionVersion += 1;
        const sdp = writePlainSdp({
          address: this.options.advertisedAddress,
          port: peer.plain.port,
          codec: offer.codec,
          payloadType: offer.payloadType,
          telephoneEventPt: offer.telephoneEventPt,
          direction: answerDirection(offer.direction, false),
          sessionId: parseInt(call.id.slice(9, 13), 16),
          sessionVersion: peer.plain.sessionVersion,
        });
        return { sdp, holding: offer.direction === 'sendonly' || offer.direction === 'inactive' };
      }
      const direction = sdpDirection(body);
      const { sdp } = await this.options.media.renegotiateWebRtcLeg(call.id, peer.legId, body);
      return { sdp, holding: direction === 'sendonly' || direction === 'inactive' };
    } catch (error) {
      const status = error instanceof SdpOfferError ? error.status : 488;
      inbound.respond(status, status === 400 ? 'Bad Request' : 'Not Acceptable Here', { Warning: `399 parley "${(error instanceof Error ? error.message : String(error)).replace(/"/g, "'")}"` });
      return undefined;
    }
  }

  private async onMonitorReOffer(call: Call, supervisorId: string, inbound: InboundRequest): Promise<void> {
    const monitor = call.monitors.get(supervisorId);
    if (!monitor) {
      inbound.respond(481, 'Call/Transaction Does Not Exist');
      return;
    }
    try {
      const { sdp } = await this.options.media.renegotiateWebRtcLeg(call.id, monitor.legId, inbound.request.bodyText);
      inbound.respond(200, 'OK', { Contact: this.contact(inbound.flow.transport), 'Content-Type': 'application/sdp' }, sdp);
    } catch (error) {
      inbound.respond(488, 'Not Acceptable Here', { Warning: `399 parley "${(error instanceof Error ? error.message : String(error)).replace(/"/g, "'")}"` });
    }
  }

  private async holdCaller(call: Call, on: boolean, by: 'command'): Promise<void> {
    if (on) await this.options.media.play(call.id, CALLER_LEG, { kind: 'hold' }, { loop: true });
    else await this.options.media.stopPlayback(call.id, CALLER_LEG);
    await this.noteHold(call, on, by);
  }

  private async noteHold(call: Call, held: boolean, by: 'caller' | 'command' | 'agent'): Promise<void> {
    const now = this.now();
    if (held && call.heldSince === undefined) call.heldSince = now;
    const anyHeld = held || call.callerHeld || (call.peer?.held ?? false);
    if (!anyHeld && call.heldSince !== undefined) {
      call.holdMs += now - call.heldSince;
      call.heldSince = undefined;
    }
    await this.publish(call.tenantId, voiceCallHeldV1, { callId: call.id, held, by, at: new Date(now).toISOString() });
  }

  // ---------------------------------------------------------------- recording and prompts

  private async record(call: Call, type: 'record-start' | 'record-pause' | 'record-resume' | 'record-stop'): Promise<void> {
    if (type === 'record-start') {
      if (call.recording) return;
      await mkdir(join(this.options.recordingsDir, call.tenantId), { recursive: true });
      // Caller on the left, the bridged party on the right (silence there until somebody is bridged).
      await this.options.media.startRecording(call.id, { path: join(this.options.recordingsDir, call.tenantId, `${call.id}.wav`), ...this.recordingSides(call) });
      call.recording = true;
    } else if (type === 'record-pause') await this.options.media.pauseRecording(call.id);
    else if (type === 'record-resume') await this.options.media.resumeRecording(call.id);
    else {
      const result = await this.options.media.stopRecording(call.id);
      call.recording = false;
      if (result) await this.publishRecording(call, result);
    }
  }

  /**
   * The recording's channels: the caller on the left; on the right whoever the caller talks with —
   * the bridged party, and a conference's third party while it is in the conference (mixed). A
   * consulted party is not recorded: the caller, on hold, is not part of that conversation.
   */
  private recordingSides(call: Call): { left: string; right: string[] } {
    const right = call.peer ? [call.peer.legId] : [];
    const conferenced = call.third?.state === 'conference' ? call.third.party : undefined;
    if (conferenced) right.push(conferenced.legId);
    return { left: CALLER_LEG, right };
  }

  /** Points a running recording at the parties the call has now (after a bridge, a release, a conference joined or left). */
  private async pointRecording(call: Call): Promise<void> {
    if (!call.recording || call.state === 'ended') return;
    await this.options.media.setRecordingSides(call.id, this.recordingSides(call));
  }

  private async startPrompts(call: Call, playback: PendingPlayback): Promise<void> {
    if (call.playback) {
      const previous = call.playback;
      call.playback = undefined;
      await this.options.media.stopPlayback(call.id, CALLER_LEG);
      if (previous.kind === 'play') await this.publish(call.tenantId, voiceCallPlaybackFinishedV1, { callId: call.id, commandId: previous.commandId, outcome: 'stopped' });
    }
    call.playback = playback;
    await this.playNext(call);
  }

  private async playNext(call: Call): Promise<void> {
    const playback = call.playback;
    if (!playback) return;
    const next = playback.remaining.shift();
    if (!next) {
      call.playback = undefined;
      if (playback.kind === 'collect') playback.collector?.start();
      else await this.publish(call.tenantId, voiceCallPlaybackFinishedV1, { callId: call.id, commandId: playback.commandId, outcome: 'completed' });
      return;
    }
    const spec: PlaySpec = next.kind === 'file' ? { kind: 'file', path: next.uri } : { kind: 'tts', text: next.text, language: next.locale, ...(next.voice ? { voice: next.voice } : {}) };
    try {
      await this.options.media.play(call.id, CALLER_LEG, spec);
    } catch (error) {
      call.playback = undefined;
      await this.publish(call.tenantId, voiceCallPlaybackFinishedV1, { callId: call.id, commandId: playback.commandId, outcome: 'failed', detail: error instanceof Error ? error.message : String(error) });
      playback.collector?.start();
    }
  }

  private async onMediaEvent(event: MediaEngineEvent): Promise<void> {
    const call = this.calls.get(event.callId);
    if (!call) return;
    switch (event.type) {
      case 'digit': {
        if (event.legId !== CALLER_LEG) return; // digits from the agent's keypad are for the caller's ears only
        const playback = call.playback;
        if (playback?.bargeIn) {
          call.playback = undefined;
          await this.options.media.stopPlayback(call.id, CALLER_LEG);
          if (playback.kind === 'play') await this.publish(call.tenantId, voiceCallPlaybackFinishedV1, { callId: call.id, commandId: playback.commandId, outcome: 'barged-in' });
          else playback.collector?.start();
        }
        call.collector?.push(event.digit);
        return;
      }
      case 'playback-finished':
        if (event.legId !== CALLER_LEG) return;
        if (call.emergency) {
          await this.afterFallbackPrompt(call);
          return;
        }
        if (event.end === 'completed' && call.playback) await this.playNext(call);
        return;
      case 'inactive':
        if (call.third?.party?.legId === event.legId) {
          this.options.logger.warn({ tenantId: call.tenantId, callId: call.id, leg: event.legId, silentMs: event.silentMs }, 'no RTP from the third party: dropping it');
          await this.onThirdPartyGone(call, { byeThird: true });
          return;
        }
        if (event.legId !== CALLER_LEG && event.legId !== call.peer?.legId) return;
        this.options.logger.warn({ tenantId: call.tenantId, callId: call.id, leg: event.legId, silentMs: event.silentMs }, 'no RTP: ending the call');
        await this.end(call, 'rtp-timeout', { byeCaller: true });
        return;
      case 'webrtc-state':
        if (event.state !== 'failed') return;
        if (call.peer?.legId === event.legId) {
          this.options.logger.warn({ tenantId: call.tenantId, callId: call.id }, "the agent's WebRTC media failed");
          await this.onPeerGone(call, 'failed', { byePeer: true });
        } else if (call.third?.party?.legId === event.legId) {
          this.options.logger.warn({ tenantId: call.tenantId, callId: call.id }, "the third party's WebRTC media failed");
          await this.onThirdPartyGone(call, { byeThird: true });
        } else {
          for (const monitor of call.monitors.values()) if (monitor.legId === event.legId) await this.stopMonitor(call, monitor.supervisorId, { bye: true });
        }
        return;
      case 'error':
        this.options.logger.error({ tenantId: call.tenantId, callId: call.id, err: event.message }, 'media error');
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- the end

  private async end(call: Call, reason: EndReason, options: { byeCaller: boolean; sipStatus?: number }): Promise<void> {
    if (call.state === 'ended') return;
    const wasRinging = call.state === 'ringing';
    call.state = 'ended';
    this.disarm(call);
    call.collector?.cancel();
    this.calls.delete(call.id);
    await this.options.registry.unregister(call.id).catch(() => undefined);
    if (call.dialog) this.byDialog.delete(call.dialog.id);
    const third = call.third;
    call.third = undefined;
    if (third?.party) {
      this.byDialog.delete(third.party.dialog.id);
      this.sendBye(call, third.party.dialog);
      if (third.state === 'conference' && call.peer) {
        await this.publish(call.tenantId, voiceCallConferenceEndedV1, { callId: call.id, left: { kind: 'caller' }, reason: 'caller-left', remaining: [], at: new Date(this.now()).toISOString() });
      }
    }
    const peer = call.peer;
    call.peer = undefined;
    if (peer) {
      this.byDialog.delete(peer.dialog.id);
      this.sendBye(call, peer.dialog);
    }
    for (const monitor of [...call.monitors.values()]) await this.stopMonitor(call, monitor.supervisorId, { bye: true });
    if (options.byeCaller) {
      if (wasRinging && call.invite && !call.invite.finalSent) call.invite.respond(reason === 'shutdown' ? 503 : 480, reason === 'shutdown' ? 'Service Unavailable' : 'Temporarily Unavailable');
      else if (call.dialog) this.sendBye(call, call.dialog);
    }
    let recording = null;
    try {
      recording = (await this.options.media.hangup(call.id)).recording;
    } catch (error) {
      this.options.logger.error({ tenantId: call.tenantId, callId: call.id, err: String(error) }, 'media hangup failed');
    }
    const now = this.now();
    if (call.heldSince !== undefined) call.holdMs += now - call.heldSince;
    await this.publish(call.tenantId, voiceCallEndedV1, {
      callId: call.id,
      reason,
      ...(options.sipStatus !== undefined ? { sipStatus: options.sipStatus } : {}),
      endedAt: new Date(now).toISOString(),
      totalMs: now - call.startedAt,
      talkMs: call.answeredAt ? Math.max(0, now - call.answeredAt - call.holdMs) : 0,
      holdMs: call.holdMs,
    });
    if (recording) await this.publishRecording(call, recording);
    this.options.logger.info({ tenantId: call.tenantId, callId: call.id, reason }, 'call ended');
  }

  private sendBye(call: Call, dialog: Dialog): void {
    try {
      this.options.stack.sendRequest(dialog.createRequest('BYE'), dialog.flow).finalResponse.catch(() => undefined);
    } catch (error) {
      this.options.logger.warn({ tenantId: call.tenantId, callId: call.id, err: String(error) }, 'could not send BYE');
    }
  }

  private async publishRecording(call: Call, result: { path: string; durationMs: number; bytes: number }): Promise<void> {
    await this.publish(call.tenantId, voiceRecordingCompletedV1, { callId: call.id, recordingId: randomUUID(), file: result.path, durationMs: Math.round(result.durationMs), bytes: result.bytes, channels: 'stereo' });
  }

  private callerSdp(call: Call): string {
    return writePlainSdp({
      address: call.local.address,
      port: call.local.port,
      codec: call.offer.codec,
      payloadType: call.offer.payloadType,
      telephoneEventPt: call.offer.telephoneEventPt,
      direction: answerDirection(call.offer.direction, false),
      sessionId: parseInt(call.id.slice(0, 8), 16),
      sessionVersion: call.sessionVersion,
    });
  }

  private contactUri(transport?: string): string {
    if (transport === 'ws' || transport === 'wss') return `sip:parley@${this.options.advertisedAddress};transport=${transport}`;
    const udp = this.options.stack.transport('udp');
    const port = udp?.sentBy.port ?? 5060;
    return `sip:parley@${this.options.advertisedAddress}:${port}`;
  }

  private contact(transport?: string): string {
    return `<${this.contactUri(transport)}>`;
  }

  private async publish<T extends TopicDefinition>(tenantId: string, topic: T, payload: PayloadOf<T>): Promise<void> {
    try {
      await this.options.bus.publish([createEnvelope(topic, tenantId, payload)]);
    } catch (error) {
      this.options.logger.error({ tenantId, topic: topic.name, err: error instanceof Error ? error.message : String(error) }, 'could not publish a voice event');
    }
  }
}
