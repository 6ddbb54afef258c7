import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type PayloadOf,
  type Prompt,
  type TopicDefinition,
  voiceCallAnsweredV1,
  voiceCallBridgedV1,
  voiceCallDigitsCollectedV1,
  voiceCallEndedV1,
  voiceCallHeldV1,
  voiceCallPlaybackFinishedV1,
  voiceCallStartedV1,
  type voiceCommandIssuedV1,
  voiceCommandFailedV1,
  voiceRecordingCompletedV1,
} from '@parley/contracts';
import { type MediaEngineApi, type MediaEngineEvent, type PlaySpec } from '@parley/media';
import { createEnvelope, type EventBus } from '@parley/messaging';
import { Dialog, dialogIdOfIncoming, type InboundRequest, type SipStack, tryParseUri } from '@parley/sip';
import { type DidDirectory } from '../directory/did-directory';
import { DigitCollector } from './digit-collector';
import { answerDirection, type PlainOffer, readPlainOffer, SdpOfferError, writePlainSdp } from './rtp-sdp';
import { type TrunkDialer } from './trunk-dialer';
import { type CallRegistry } from './call-registry';

type CommandEnvelope = PayloadOf<typeof voiceCommandIssuedV1>;
type EndReason = PayloadOf<typeof voiceCallEndedV1>['reason'];

export interface VoiceCallsOptions {
  stack: SipStack;
  media: MediaEngineApi;
  directory: DidDirectory;
  bus: Pick<EventBus, 'publish'>;
  /** Address put in Contact and SDP (what carriers send to). */
  advertisedAddress: string;
  /** Where stereo recordings are written. */
  recordingsDir: string;
  /** A new call that gets no command within this long takes the emergency path (default 3 s). */
  commandTimeoutMs?: number;
  /** Spoken on the emergency path before the call is forwarded or ended. */
  fallbackPrompt?: { text: string; locale: string };
  logger: { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void };
  /** Trunks for outside numbers (primary first, then backups). */
  dialer?: TrunkDialer;
  /** Which node holds which call (commands reach every node). */
  registry: CallRegistry;
  nodeId: string;
  now?: () => number;
}

type CallState = 'ringing' | 'answered' | 'ended';

interface PendingPlayback {
  commandId: string;
  kind: 'play' | 'collect';
  remaining: Prompt[];
  collector?: DigitCollector;
  bargeIn: boolean;
}

interface Call {
  id: string;
  tenantId: string;
  state: CallState;
  invite: InboundRequest;
  offer: PlainOffer;
  local: { address: string; port: number };
  dialog?: Dialog;
  startedAt: number;
  answeredAt?: number;
  heldSince?: number;
  holdMs: number;
  commandSeen: boolean;
  emergencyTimer?: NodeJS.Timeout;
  playback?: PendingPlayback;
  collector?: DigitCollector;
  recording: boolean;
  sessionVersion: number;
  /** The second leg, when bridged to an outside number. */
  outbound?: { dialog: Dialog; trunk: string; number: string };
  dialing: boolean;
}

const CALLER_LEG = 'caller';
/** The other party's leg: the right channel of recordings. */
const AGENT_LEG = 'agent';
const STATIC_PT = { pcmu: 0, pcma: 8 } as const;

/**
 * Calls from carriers to tenants' numbers (the B2BUA's inbound side): a DID maps to its tenant, the
 * call rings and is announced (`voice.call.started.v1`), and the services drive it with commands
 * (answer, play, say, collect, record, music on hold, hang up). Every call has an id, a state and
 * its media in the engine; every change is an event. A new call no service commands within 3 s
 * (the IVR is down) takes the emergency path: answered, told so politely, and ended.
 */
export class VoiceCalls {
  private readonly calls = new Map<string, Call>();
  private readonly byDialog = new Map<string, Call>();
  private readonly byInvite = new Map<InboundRequest, Call>();
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

  /** SIP requests that belong to calls: INVITE (new or re-INVITE) and BYE. */
  async onRequest(inbound: InboundRequest): Promise<boolean> {
    const request = inbound.request;
    if (request.method === 'INVITE' && request.toTag === undefined) {
      await this.onNewInvite(inbound);
      return true;
    }
    const call = this.byDialog.get(dialogIdOfIncoming(request));
    if (!call) return false;
    if (request.method === 'BYE') {
      inbound.respond(200, 'OK');
      const fromFarEnd = call.outbound?.dialog.matches(request) ?? false;
      await this.end(call, fromFarEnd ? 'remote-hangup' : 'caller-hangup', { sendBye: false, byeFrom: fromFarEnd ? 'outbound' : 'caller' });
    } else if (request.method === 'INVITE') {
      await this.onReInvite(call, inbound);
    } else {
      inbound.respond(200, 'OK');
    }
    return true;
  }

  async onCommand(message: CommandEnvelope, tenantId: string): Promise<void> {
    const call = this.calls.get(message.callId);
    const type = message.command.type;
    if (!call || call.tenantId !== tenantId) {
      // Another node's call: not ours to answer. Nobody's: the first node to claim it reports it.
      const owner = call ? this.options.nodeId : await this.options.registry.ownerOf(message.callId);
      if (owner !== undefined && owner !== this.options.nodeId) return;
      if (!(await this.options.registry.claimFailureReport(message.commandId))) return;
      await this.publish(tenantId, voiceCommandFailedV1, { callId: message.callId, commandId: message.commandId, commandType: type, reason: 'unknown-call', detail: `call ${message.callId} is not in progress` });
      return;
    }
    call.commandSeen = true;
    if (call.emergencyTimer) clearTimeout(call.emergencyTimer);
    try {
      await this.execute(call, message);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.options.logger.warn({ tenantId, callId: call.id, command: type, err: detail }, 'voice command failed');
      await this.publish(tenantId, voiceCommandFailedV1, { callId: call.id, commandId: message.commandId, commandType: type, reason: error instanceof InvalidStateError ? 'invalid-state' : 'failed', detail });
    }
  }

  /** Ends every call (shutdown after draining timed out). */
  async endAll(reason: EndReason): Promise<void> {
    await Promise.all([...this.calls.values()].map((call) => this.end(call, reason, { sendBye: true })));
  }

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
      invite: inbound,
      offer,
      local: { address: this.options.advertisedAddress, port: leg.port },
      startedAt: this.now(),
      holdMs: 0,
      commandSeen: false,
      recording: false,
      sessionVersion: 1,
      dialing: false,
    };
    this.calls.set(id, call);
    this.byInvite.set(inbound, call);
    await this.options.registry.register(id, this.options.nodeId);
    inbound.on('cancelled', () => void this.end(call, 'caller-hangup', { sendBye: false }));
    inbound.respond(180, 'Ringing', { Contact: this.contact() });
    this.options.logger.info({ tenantId: call.tenantId, callId: id, to: route.e164 }, 'inbound call');
    await this.publish(call.tenantId, voiceCallStartedV1, {
      callId: id,
      direction: 'inbound',
      from: request.from.uri,
      to: route.e164,
      numberId: route.numberId,
      startedAt: new Date(call.startedAt).toISOString(),
    });
    call.emergencyTimer = setTimeout(() => void this.emergency(call), this.options.commandTimeoutMs ?? 3000);
    call.emergencyTimer.unref();
  }

  /** No service took the call: answer, say so, hang up politely. */
  private async emergency(call: Call): Promise<void> {
    if (call.commandSeen || call.state === 'ended') return;
    this.options.logger.warn({ tenantId: call.tenantId, callId: call.id }, 'no command for a new call: emergency path');
    try {
      this.answer(call);
      const prompt = this.options.fallbackPrompt ?? { text: 'We are sorry, we cannot take your call right now. Please call again later. Goodbye.', locale: 'en' };
      await this.options.media.play(call.id, CALLER_LEG, { kind: 'tts', text: prompt.text, language: prompt.locale });
      // Ended when the prompt finishes (see onMediaEvent), or after 30 s at the latest.
      call.emergencyTimer = setTimeout(() => void this.end(call, 'emergency-fallback', { sendBye: true }), 30_000);
      call.emergencyTimer.unref();
    } catch (error) {
      this.options.logger.error({ callId: call.id, err: String(error) }, 'emergency prompt failed');
      await this.end(call, 'emergency-fallback', { sendBye: true });
    }
  }

  private async execute(call: Call, message: CommandEnvelope): Promise<void> {
    const command = message.command;
    if (call.state === 'ended') throw new InvalidStateError('the call has ended');
    switch (command.type) {
      case 'answer':
        this.answer(call);
        return;
      case 'hangup':
        await this.end(call, 'command', { sendBye: true });
        return;
      case 'play':
        this.requireAnswered(call);
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
        await this.setHold(call, command.on, 'command');
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
        await this.bridgeNumber(call, command.number, command.callerId, command.ringTimeoutMs, message.commandId);
        return;
      default:
        throw new InvalidStateError(`${command.type} needs a browser agent leg, which this voice node cannot place yet`);
    }
  }

  private async bridgeNumber(call: Call, number: string, callerId: string | undefined, ringTimeoutMs: number, commandId: string): Promise<void> {
    const dialer = this.options.dialer;
    if (!dialer?.configured) throw new InvalidStateError('no trunk is configured for calls to outside numbers');
    if (call.outbound || call.dialing) throw new InvalidStateError('the call is already bridged or dialling');
    call.dialing = true;
    try {
      const leg = await this.options.media.createLeg(call.id, AGENT_LEG, { codec: call.offer.codec, telephoneEventPt: 101, remote: null, latching: 'when-unusable' });
      const sdp = writePlainSdp({ address: this.options.advertisedAddress, port: leg.port, codec: call.offer.codec, payloadType: STATIC_PT[call.offer.codec], telephoneEventPt: 101, direction: 'sendrecv', sessionId: parseInt(call.id.slice(9, 13), 16), sessionVersion: 1 });
      const caller = tryParseUri(call.invite.request.from.uri)?.user;
      const outcome = await dialer.dial({ number, callerId: callerId ?? caller ?? 'anonymous', sdp, contact: this.contact(), ringTimeoutMs, wanted: () => call.state === 'answered' });
      if (!outcome.ok) {
        await this.options.media.removeLeg(call.id, AGENT_LEG).catch(() => undefined);
        throw new Error(`no trunk connected ${number}: ${outcome.attempts.map((a) => `${a.trunk} ${a.status} ${a.reason}`).join('; ') || 'the caller left'}`);
      }
      if (call.state !== 'answered') {
        this.options.stack.sendRequest(outcome.dialog.createRequest('BYE'), outcome.dialog.flow).finalResponse.catch(() => undefined);
        return;
      }
      const answer = readPlainOffer(outcome.answer.bodyText);
      await this.options.media.updateLeg(call.id, AGENT_LEG, { address: answer.address, port: answer.port });
      await this.options.media.stopPlayback(call.id, CALLER_LEG);
      await this.options.media.bridge(call.id);
      call.outbound = { dialog: outcome.dialog, trunk: outcome.trunk, number };
      this.byDialog.set(`${outcome.dialog.callId}|${outcome.dialog.localTag}|${outcome.dialog.remoteTag}`, call);
      this.options.logger.info({ tenantId: call.tenantId, callId: call.id, trunk: outcome.trunk, commandId }, 'bridged to an outside number');
      await this.publish(call.tenantId, voiceCallBridgedV1, { callId: call.id, target: { kind: 'number', number }, bridgedAt: new Date(this.now()).toISOString() });
    } finally {
      call.dialing = false;
    }
  }

  private requireAnswered(call: Call): void {
    if (call.state !== 'answered') throw new InvalidStateError(`the call is ${call.state}, not answered`);
  }

  private answer(call: Call): void {
    if (call.state === 'answered') return;
    if (call.state !== 'ringing') throw new InvalidStateError(`cannot answer a call that is ${call.state}`);
    const sdp = this.localSdp(call, false);
    const ok = call.invite.respond(200, 'OK', { Contact: this.contact(), 'Content-Type': 'application/sdp' }, sdp);
    const dialog = Dialog.fromUasRequest(call.invite.request, ok, { flow: call.invite.flow, localContact: this.contactUri() });
    call.dialog = dialog;
    call.state = 'answered';
    call.answeredAt = this.now();
    this.byDialog.set(`${dialog.callId}|${dialog.localTag}|${dialog.remoteTag}`, call);
    call.invite.on('ackTimeout', () => void this.end(call, 'failed', { sendBye: true }));
    void this.publish(call.tenantId, voiceCallAnsweredV1, { callId: call.id, answeredAt: new Date(call.answeredAt).toISOString() });
  }

  private async onReInvite(call: Call, inbound: InboundRequest): Promise<void> {
    let offer: PlainOffer;
    try {
      offer = readPlainOffer(inbound.request.bodyText);
    } catch (error) {
      const status = error instanceof SdpOfferError ? error.status : 400;
      inbound.respond(status, status === 488 ? 'Not Acceptable Here' : 'Bad Request');
      return;
    }
    const wasHeld = call.heldSince !== undefined;
    const holding = offer.direction === 'sendonly' || offer.direction === 'inactive';
    call.offer = offer;
    await this.options.media.updateLeg(call.id, CALLER_LEG, { address: offer.address, port: offer.port });
    call.sessionVersion += 1;
    // The hold event goes out before the answer, so the next re-INVITE's event cannot overtake it.
    if (holding !== wasHeld) await this.noteHold(call, holding, 'caller');
    inbound.respond(200, 'OK', { Contact: this.contact(), 'Content-Type': 'application/sdp' }, this.localSdp(call, false));
  }

  private async setHold(call: Call, on: boolean, by: 'command' | 'agent'): Promise<void> {
    if (on) await this.options.media.play(call.id, CALLER_LEG, { kind: 'hold' }, { loop: true });
    else await this.options.media.stopPlayback(call.id, CALLER_LEG);
    await this.noteHold(call, on, by);
  }

  private async noteHold(call: Call, held: boolean, by: 'caller' | 'command' | 'agent'): Promise<void> {
    const now = this.now();
    if (held && call.heldSince === undefined) call.heldSince = now;
    if (!held && call.heldSince !== undefined) {
      call.holdMs += now - call.heldSince;
      call.heldSince = undefined;
    }
    await this.publish(call.tenantId, voiceCallHeldV1, { callId: call.id, held, by, at: new Date(now).toISOString() });
  }

  private async record(call: Call, type: 'record-start' | 'record-pause' | 'record-resume' | 'record-stop'): Promise<void> {
    if (type === 'record-start') {
      if (call.recording) return;
      await mkdir(join(this.options.recordingsDir, call.tenantId), { recursive: true });
      // Until an agent leg exists, the caller is on both channels' source: left = caller, right = caller.
      // Caller on the left, the other party on the right (the caller on both until a second leg exists).
      const right = call.outbound ? AGENT_LEG : CALLER_LEG;
      await this.options.media.startRecording(call.id, { path: join(this.options.recordingsDir, call.tenantId, `${call.id}.wav`), left: CALLER_LEG, right });
      call.recording = true;
    } else if (type === 'record-pause') await this.options.media.pauseRecording(call.id);
    else if (type === 'record-resume') await this.options.media.resumeRecording(call.id);
    else {
      const result = await this.options.media.stopRecording(call.id);
      call.recording = false;
      if (result) await this.publishRecording(call, result);
    }
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
    if (event.type === 'digit') {
      const playback = call.playback;
      if (playback?.bargeIn) {
        call.playback = undefined;
        await this.options.media.stopPlayback(call.id, CALLER_LEG);
        if (playback.kind === 'play') await this.publish(call.tenantId, voiceCallPlaybackFinishedV1, { callId: call.id, commandId: playback.commandId, outcome: 'barged-in' });
        else playback.collector?.start();
      }
      call.collector?.push(event.digit);
    } else if (event.type === 'playback-finished') {
      if (!call.commandSeen && call.state === 'answered') {
        await this.end(call, 'emergency-fallback', { sendBye: true });
        return;
      }
      if (event.end === 'completed' && call.playback) await this.playNext(call);
    } else if (event.type === 'inactive') {
      this.options.logger.warn({ tenantId: call.tenantId, callId: call.id, silentMs: event.silentMs }, 'no RTP: ending the call');
      await this.end(call, 'rtp-timeout', { sendBye: true });
    } else if (event.type === 'error') {
      this.options.logger.error({ tenantId: call.tenantId, callId: call.id, err: event.message }, 'media error');
    }
  }

  private async end(call: Call, reason: EndReason, options: { sendBye: boolean; byeFrom?: 'caller' | 'outbound' }): Promise<void> {
    if (call.state === 'ended') return;
    const wasRinging = call.state === 'ringing';
    call.state = 'ended';
    if (call.emergencyTimer) clearTimeout(call.emergencyTimer);
    call.collector?.cancel();
    this.calls.delete(call.id);
    this.byInvite.delete(call.invite);
    await this.options.registry.unregister(call.id).catch(() => undefined);
    if (call.dialog) for (const [key, value] of this.byDialog) if (value === call) this.byDialog.delete(key);
    if (call.outbound && options.byeFrom !== 'outbound') {
      this.options.stack.sendRequest(call.outbound.dialog.createRequest('BYE'), call.outbound.dialog.flow).finalResponse.catch(() => undefined);
    }
    if (options.sendBye || options.byeFrom === 'outbound') {
      if (wasRinging && !call.invite.finalSent) call.invite.respond(reason === 'shutdown' ? 503 : 480, reason === 'shutdown' ? 'Service Unavailable' : 'Temporarily Unavailable');
      else if (call.dialog) {
        try {
          const bye = call.dialog.createRequest('BYE');
          this.options.stack.sendRequest(bye, call.dialog.flow).finalResponse.catch(() => undefined);
        } catch (error) {
          this.options.logger.warn({ callId: call.id, err: String(error) }, 'could not send BYE');
        }
      }
    }
    let recording = null;
    try {
      recording = (await this.options.media.hangup(call.id)).recording;
    } catch (error) {
      this.options.logger.error({ callId: call.id, err: String(error) }, 'media hangup failed');
    }
    const now = this.now();
    if (call.heldSince !== undefined) call.holdMs += now - call.heldSince;
    await this.publish(call.tenantId, voiceCallEndedV1, {
      callId: call.id,
      reason,
      endedAt: new Date(now).toISOString(),
      totalMs: now - call.startedAt,
      talkMs: call.answeredAt ? Math.max(0, now - call.answeredAt - call.holdMs) : 0,
      holdMs: call.holdMs,
    });
    if (recording) await this.publishRecording(call, recording);
    this.options.logger.info({ tenantId: call.tenantId, callId: call.id, reason }, 'call ended');
  }

  private async publishRecording(call: Call, result: { path: string; durationMs: number; bytes: number }): Promise<void> {
    await this.publish(call.tenantId, voiceRecordingCompletedV1, { callId: call.id, recordingId: randomUUID(), file: result.path, durationMs: Math.round(result.durationMs), bytes: result.bytes, channels: 'stereo' });
  }

  private localSdp(call: Call, holding: boolean): string {
    return writePlainSdp({
      address: call.local.address,
      port: call.local.port,
      codec: call.offer.codec,
      payloadType: call.offer.payloadType,
      telephoneEventPt: call.offer.telephoneEventPt,
      direction: answerDirection(call.offer.direction, holding),
      sessionId: parseInt(call.id.slice(0, 8), 16),
      sessionVersion: call.sessionVersion,
    });
  }

  private contactUri(): string {
    const udp = this.options.stack.transport('udp');
    const port = udp?.sentBy.port ?? 5060;
    return `sip:parley@${this.options.advertisedAddress}:${port}`;
  }

  private contact(): string {
    return `<${this.contactUri()}>`;
  }

  private async publish<T extends TopicDefinition>(tenantId: string, topic: T, payload: PayloadOf<T>): Promise<void> {
    try {
      await this.options.bus.publish([createEnvelope(topic, tenantId, payload)]);
    } catch (error) {
      this.options.logger.error({ tenantId, topic: topic.name, err: error instanceof Error ? error.message : String(error) }, 'could not publish a voice event');
    }
  }
}

export class InvalidStateError extends Error {
  override readonly name = 'InvalidStateError';
}
