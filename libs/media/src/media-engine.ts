// The media engine behind one serialisable API: calls and legs by id, prompts by path / TTS /
// tone, bridge, supervision, DTMF, recording. `MediaEngine` runs it in this thread; the worker
// pool (media-worker-pool.ts) runs one engine per worker thread behind the same `MediaEngineApi`,
// routing each call to one worker. Every argument and result is plain data, every event too.
//
// A leg is plain RTP (createLeg) or WebRTC (a browser: createWebRtcLeg + completeWebRtcLeg when we
// offer, answerWebRtcOffer when the browser does). A WebRTC leg joins the call once its first
// offer/answer is complete and from then on is a MediaLeg like any other (bridge, mix, record,
// play, digits), its packets carried by a WebRtcLegTransport over werift (ICE, DTLS-SRTP).
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { type DtmfToneOptions } from './dtmf-rfc4733';
import { type G711Codec } from './g711';
import { type JitterBufferOptions } from './jitter-buffer';
import { MediaCall } from './media-call';
import { MediaClock, type MediaClockStats } from './media-clock';
import { type AnyMediaLeg, MediaLeg } from './media-leg';
import { type MixMode } from './mixer';
import { MusicOnHold } from './music-on-hold';
import { PortPool } from './port-pool';
import { type PlaybackEnd, Prompt, PromptCache, PromptPlayer } from './prompt-player';
import { type RtpEndpoint, type RtpLatching, RtpSession } from './rtp-session';
import { renderTonePattern, TONE_PATTERNS } from './tone';
import { TextToSpeech } from './tts';
import { type RecordingEncoding, type RecordingPauseMode, type RecordingResult, WavRecorder } from './wav-recorder';
import {
  type AudioNegotiation,
  type IceMode,
  type MediaDirection,
  WebRtcLeg,
  WebRtcLegError,
  WebRtcLegTransport,
  WebRtcSdpError,
  type WebRtcSdpErrorReason,
} from './webrtc';

export interface MediaEngineOptions {
  /** Local media address (an IP literal) for every RTP socket. */
  readonly bindAddress: string;
  /** RTP port range; the pool spreads it over its workers. */
  readonly portMin: number;
  readonly portMax: number;
  readonly jitter?: JitterBufferOptions;
  /** 'inactive' events after this long without RTP on a leg; 0 = never (default 0). */
  readonly inactivityTimeoutMs?: number;
  /** Where TTS caches its WAV files; TTS is unavailable without it. */
  readonly ttsCacheDir?: string;
  /** Music on hold file (8 kHz mono WAV); default a rendered melody. */
  readonly holdMusicPath?: string;
  /** Clock slots per 20 ms frame (default 4). */
  readonly clockSlots?: number;
  readonly receiveBufferBytes?: number;
  /**
   * Address WebRTC legs advertise in their ICE host candidate (an IP literal: the public address
   * behind 1:1 NAT). Default `bindAddress`, which must then be a specific address, not 0.0.0.0.
   */
  readonly webrtcAddress?: string;
  /** ICE of WebRTC legs: 'full' (default; works with any peer) or 'lite' (answers checks only; browsers are full ICE). */
  readonly webrtcIce?: IceMode;
}

export interface LegSpec {
  readonly codec: G711Codec;
  /** Negotiated telephone-event payload type, null when none. */
  readonly telephoneEventPt?: number | null;
  /** From the remote SDP (c= and m=); null/absent = learn it from the first packet. */
  readonly remote?: RtpEndpoint | null;
  readonly latching?: RtpLatching;
}

export interface LegUpdateOptions {
  /** 'inactive' after this long without RTP; 0 = never. */
  readonly inactivityTimeoutMs?: number;
}

export interface LegInfo {
  readonly callId: string;
  readonly legId: string;
  /** What to put in the SDP answer/offer. */
  readonly address: string;
  readonly port: number;
}

export type PlaySpec =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'tts'; readonly text: string; readonly language?: string; readonly voice?: string }
  | { readonly kind: 'tone'; readonly pattern: keyof typeof TONE_PATTERNS }
  | { readonly kind: 'hold' };

/** How a WebRTC leg joins the call; whisper needs the leg it whispers to, so set it later with setMode (as 'held'). */
export type WebRtcJoinMode = Exclude<MixMode, 'whisper' | 'held'>;

/** A WebRTC (browser) leg: which G.711 codecs, in order of preference. */
export interface WebRtcLegSpec {
  /** 'pcmu' and/or 'pcma', most preferred first: what we offer, or accept from the browser's offer. */
  readonly codecs: readonly G711Codec[];
  /** Its mix mode from the moment it joins (a supervisor joins as 'listen'); default 'normal'. */
  readonly mode?: WebRtcJoinMode;
  /** The leg reports 'webrtc-state' failed when ICE + DTLS are not up this long after its first offer/answer step; default 15 000 ms. */
  readonly connectTimeoutMs?: number;
}

/** Our offer for a new WebRTC leg (to send to the browser, e.g. in an INVITE). */
export interface WebRtcLegOffer {
  readonly callId: string;
  readonly legId: string;
  readonly sdp: string;
}

/** What the browser's answer settled on; the leg is in the call from now on. */
export interface WebRtcLegCompletion {
  /** The codec both sides send. */
  readonly codec: G711Codec;
  /** Our direction: what the engine may send and receive on this leg. */
  readonly direction: MediaDirection;
}

/** Our answer to the browser's offer (e.g. for the 200 OK), and what it settled on. */
export interface WebRtcLegAnswer extends WebRtcLegCompletion {
  readonly sdp: string;
}

/** Our answer to an in-dialog re-offer (hold, resume, session refresh), and our direction after it. */
export interface WebRtcLegReanswer {
  readonly sdp: string;
  readonly direction: MediaDirection;
}

/** What 'webrtc-state' reports: up (ICE + DTLS-SRTP), failed (never connected in time, or lost), closed (removed). */
export type MediaEngineWebRtcState = 'connected' | 'failed' | 'closed';

export interface PlayOptions {
  readonly loop?: boolean;
}

/** The leg(s) one channel of a recording carries: a leg id, several (their audio mixed, e.g. the agent and a conference's third party), or null (or []) = silence. */
export type RecordingSideIds = string | readonly string[] | null;

export interface RecordSpec {
  readonly path: string;
  /** Caller leg (left channel) and agent leg (right channel); null = silence on that channel (e.g. until an agent is bridged); several legs = their audio mixed. */
  readonly left: RecordingSideIds;
  readonly right: RecordingSideIds;
  readonly encoding?: RecordingEncoding;
  readonly pauseMode?: RecordingPauseMode;
}

export type MediaEngineEvent =
  | { readonly type: 'digit'; readonly callId: string; readonly legId: string; readonly digit: string; readonly durationMs: number }
  | { readonly type: 'playback-finished'; readonly callId: string; readonly legId: string; readonly end: PlaybackEnd }
  | { readonly type: 'inactive'; readonly callId: string; readonly legId: string; readonly silentMs: number }
  | { readonly type: 'latched'; readonly callId: string; readonly legId: string; readonly remote: RtpEndpoint }
  | { readonly type: 'webrtc-state'; readonly callId: string; readonly legId: string; readonly state: MediaEngineWebRtcState }
  | { readonly type: 'error'; readonly callId: string; readonly message: string };

export interface MediaEngineWebRtcStats {
  /** WebRTC legs (also counted in `legs`). */
  readonly legs: number;
  /** Of those, legs whose offer is out and whose answer has not been applied yet. */
  readonly awaitingAnswer: number;
  readonly connected: number;
  readonly failed: number;
}

export interface MediaEngineStats {
  readonly calls: number;
  /** Every leg, RTP and WebRTC (also WebRTC legs still waiting for their answer). */
  readonly legs: number;
  readonly portsAvailable: number;
  readonly clock: MediaClockStats;
  /**
   * Totals over the current legs, RTP and WebRTC (SRTP counted as the RTP it carries): packets sent
   * and received, lost (RFC 3550), and late for the jitter buffer.
   */
  readonly rtp: { readonly sent: number; readonly received: number; readonly lost: number; readonly late: number };
  readonly webrtc: MediaEngineWebRtcStats;
}

/** What both the in-thread engine and the worker pool offer. */
export interface MediaEngineApi {
  createCall(callId: string): Promise<void>;
  createLeg(callId: string, legId: string, spec: LegSpec): Promise<LegInfo>;
  /**
   * A new remote after a re-INVITE/UPDATE; optionally a new inactivity timeout (e.g. 0 while the
   * far end holds with a=inactive and sends nothing, then back). On a WebRTC leg `remote` must be
   * null (ICE finds the remote; re-offers go through renegotiateWebRtcLeg) and only `options` apply.
   */
  updateLeg(callId: string, legId: string, remote: RtpEndpoint | null, options?: LegUpdateOptions): Promise<void>;
  /** Takes a leg (RTP or WebRTC, also one still waiting for its answer) out of the call and closes it. */
  removeLeg(callId: string, legId: string): Promise<void>;
  /**
   * A WebRTC leg that we offer: returns our offer (for the INVITE to the browser). The leg joins the
   * call once completeWebRtcLeg applies the answer; until then only removeLeg/hangup apply to it.
   * 'webrtc-state' failed follows when it is not connected `connectTimeoutMs` after the offer.
   */
  createWebRtcLeg(callId: string, legId: string, spec: WebRtcLegSpec): Promise<WebRtcLegOffer>;
  /** Applies the browser's answer to our offer; the leg then takes part in the call like an RTP leg. */
  completeWebRtcLeg(callId: string, legId: string, answerSdp: string): Promise<WebRtcLegCompletion>;
  /** A WebRTC leg for the browser's offer (its outgoing call): returns our answer; the leg joins the call at once. */
  answerWebRtcOffer(callId: string, legId: string, offerSdp: string, spec: WebRtcLegSpec): Promise<WebRtcLegAnswer>;
  /**
   * Answers the browser's in-dialog re-offer on a joined WebRTC leg: a=sendonly / a=inactive (hold)
   * is answered recvonly / inactive, sendrecv resumes. While the browser holds, the leg is not
   * reported inactive, and the bridge and the recording get silence from it.
   */
  renegotiateWebRtcLeg(callId: string, legId: string, offerSdp: string): Promise<WebRtcLegReanswer>;
  play(callId: string, legId: string, what: PlaySpec, options?: PlayOptions): Promise<void>;
  stopPlayback(callId: string, legId: string): Promise<void>;
  bridge(callId: string): Promise<void>;
  unbridge(callId: string): Promise<void>;
  setMode(callId: string, legId: string, mode: MixMode, whisperTo?: string | null): Promise<void>;
  sendDigits(callId: string, legId: string, digits: string, options?: DtmfToneOptions): Promise<void>;
  startRecording(callId: string, spec: RecordSpec): Promise<void>;
  /** Points the running recording's channels at other legs (null = silence; several = mixed), e.g. once the agent is bridged or has left, or a third party joins a conference. */
  setRecordingSides(callId: string, sides: { readonly left: RecordingSideIds; readonly right: RecordingSideIds }): Promise<void>;
  pauseRecording(callId: string): Promise<void>;
  resumeRecording(callId: string): Promise<void>;
  stopRecording(callId: string): Promise<RecordingResult | null>;
  /** Ends the call's media: stops, finishes the recording, closes every leg (ports back to the pool). */
  hangup(callId: string): Promise<{ recording: RecordingResult | null }>;
  stats(): Promise<MediaEngineStats>;
  on(event: 'event', listener: (event: MediaEngineEvent) => void): unknown;
  close(): Promise<void>;
}

export interface MediaEngineErrorOptions {
  /** Why a WebRTC SDP was refused: 'malformed' (answer it 400), others (488 Not Acceptable Here). */
  readonly sdpReason?: WebRtcSdpErrorReason;
  readonly cause?: unknown;
}

/** A command the engine refuses: unknown call or leg, a duplicate id, a bad argument, an unusable SDP. */
export class MediaEngineError extends Error {
  override readonly name = 'MediaEngineError';
  /** Set when the command failed on the SDP it was given. */
  readonly sdpReason: WebRtcSdpErrorReason | undefined;

  constructor(message: string, options: MediaEngineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.sdpReason = options.sdpReason;
  }
}

interface WebRtcEntry {
  readonly rtc: WebRtcLeg;
  readonly mode: WebRtcJoinMode;
  /** Set once the first offer/answer completed and the leg joined the call. */
  transport: WebRtcLegTransport | null;
}

interface CallState {
  readonly call: MediaCall;
  /** Legs taking part in the call (RTP, and WebRTC once negotiated). */
  readonly legs: Map<string, AnyMediaLeg>;
  readonly players: Map<string, PromptPlayer>;
  /** Every WebRTC leg, also those still waiting for their answer (not in `legs` yet). */
  readonly webrtc: Map<string, WebRtcEntry>;
  /** Leg ids being created (their sockets are opening): taken. */
  readonly creating: Set<string>;
}

const CONNECT_TIMEOUT_MIN_MS = 100;
const CONNECT_TIMEOUT_MAX_MS = 600_000;

function isUnspecifiedAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** Checks a WebRtcLegSpec from the outside (it may have crossed a thread or come from JSON). */
function checkedWebRtcSpec(spec: WebRtcLegSpec, where: string): { codecs: G711Codec[]; connectTimeoutMs: number | undefined; mode: WebRtcJoinMode } {
  if (spec === null || typeof spec !== 'object') throw new MediaEngineError(`${where}: the spec must be an object like { codecs: ['pcmu', 'pcma'] }`);
  const codecs: unknown = spec.codecs;
  if (!Array.isArray(codecs) || codecs.length === 0) {
    throw new MediaEngineError(`${where}: spec.codecs must list 'pcmu' and/or 'pcma' in order of preference, got ${JSON.stringify(codecs)}`);
  }
  for (const codec of codecs) {
    if (codec !== 'pcmu' && codec !== 'pcma') throw new MediaEngineError(`${where}: spec.codecs has ${JSON.stringify(codec)}; only 'pcmu' and 'pcma' are supported`);
  }
  if (new Set(codecs).size !== codecs.length) throw new MediaEngineError(`${where}: spec.codecs names a codec twice: ${JSON.stringify(codecs)}`);
  const timeout: unknown = spec.connectTimeoutMs;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < CONNECT_TIMEOUT_MIN_MS || timeout > CONNECT_TIMEOUT_MAX_MS)) {
    throw new MediaEngineError(`${where}: spec.connectTimeoutMs must be an integer from ${CONNECT_TIMEOUT_MIN_MS} to ${CONNECT_TIMEOUT_MAX_MS} ms, got ${JSON.stringify(timeout)}`);
  }
  const mode: unknown = spec.mode ?? 'normal';
  if (mode !== 'normal' && mode !== 'listen' && mode !== 'barge') {
    throw new MediaEngineError(`${where}: spec.mode must be 'normal', 'listen' or 'barge' (whisper with setMode once the leg has joined), got ${JSON.stringify(mode)}`);
  }
  return { codecs: codecs as G711Codec[], connectTimeoutMs: timeout as number | undefined, mode };
}

function checkedSdp(sdp: unknown, what: string, where: string): string {
  if (typeof sdp !== 'string' || sdp.trim() === '') throw new MediaEngineError(`${where}: the ${what} must be a non-empty SDP string`, { sdpReason: 'malformed' });
  return sdp;
}

/** A werift/SDP failure as the engine's error (SDP problems keep their reason for the signalling side). */
function webrtcFailure(where: string, error: unknown): Error {
  if (error instanceof MediaEngineError) return error;
  if (error instanceof WebRtcSdpError) return new MediaEngineError(`${where}: ${error.message}`, { sdpReason: error.reason, cause: error });
  if (error instanceof WebRtcLegError) return new MediaEngineError(`${where}: ${error.message}`, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

export class MediaEngine extends EventEmitter<{ event: [MediaEngineEvent] }> implements MediaEngineApi {
  readonly clock: MediaClock;
  private readonly pool: PortPool;
  private readonly calls = new Map<string, CallState>();
  private readonly prompts = new PromptCache();
  private readonly tts: TextToSpeech | null;
  private hold: Promise<MusicOnHold> | null = null;
  private readonly tones = new Map<string, Prompt>();

  constructor(private readonly options: MediaEngineOptions) {
    super();
    if (options.webrtcAddress !== undefined && (!isIP(options.webrtcAddress) || isUnspecifiedAddress(options.webrtcAddress))) {
      throw new MediaEngineError(`webrtcAddress must be a specific IP address to advertise in ICE candidates, got "${options.webrtcAddress}"`);
    }
    if (options.webrtcIce !== undefined && options.webrtcIce !== 'full' && options.webrtcIce !== 'lite') {
      throw new MediaEngineError(`webrtcIce must be 'full' or 'lite', got ${JSON.stringify(options.webrtcIce)}`);
    }
    this.pool = new PortPool({ min: options.portMin, max: options.portMax });
    this.clock = new MediaClock({
      slots: options.clockSlots,
      onTaskError: (error, task) => {
        const call = task instanceof MediaCall ? task.id : '?';
        this.emit('event', { type: 'error', callId: call, message: `media tick failed: ${(error as Error)?.message ?? String(error)}` });
      },
    });
    this.tts = options.ttsCacheDir ? new TextToSpeech({ cacheDir: options.ttsCacheDir }) : null;
  }

  private state(callId: string): CallState {
    const s = this.calls.get(callId);
    if (!s) throw new MediaEngineError(`no media for call "${callId}"`);
    return s;
  }

  private leg(callId: string, legId: string): AnyMediaLeg {
    const s = this.state(callId);
    const leg = s.legs.get(legId);
    if (leg) return leg;
    if (s.webrtc.has(legId)) {
      throw new MediaEngineError(`WebRTC leg "${legId}" of call "${callId}" has no media yet: its offer waits for the browser's answer (completeWebRtcLeg)`);
    }
    throw new MediaEngineError(`call "${callId}" has no leg "${legId}"`);
  }

  /** Throws unless `legId` is free in the call (no leg, no WebRTC leg, none being created). */
  private assertNewLeg(s: CallState, callId: string, legId: string): void {
    if (typeof legId !== 'string' || legId === '') throw new MediaEngineError(`call "${callId}": a leg id must be a non-empty string`);
    if (s.legs.has(legId) || s.webrtc.has(legId) || s.creating.has(legId)) throw new MediaEngineError(`call "${callId}" already has a leg "${legId}"`);
  }

  private webrtcEntry(callId: string, legId: string): WebRtcEntry {
    const s = this.state(callId);
    const entry = s.webrtc.get(legId);
    if (entry) return entry;
    if (s.legs.has(legId)) throw new MediaEngineError(`leg "${legId}" of call "${callId}" is an RTP leg, not a WebRTC leg`);
    throw new MediaEngineError(`call "${callId}" has no leg "${legId}"`);
  }

  async createCall(callId: string): Promise<void> {
    if (this.calls.has(callId)) throw new MediaEngineError(`call "${callId}" already has media`);
    const call = new MediaCall({ id: callId, clock: this.clock });
    this.calls.set(callId, { call, legs: new Map(), players: new Map(), webrtc: new Map(), creating: new Set() });
    call.start();
  }

  async createLeg(callId: string, legId: string, spec: LegSpec): Promise<LegInfo> {
    const s = this.state(callId);
    this.assertNewLeg(s, callId, legId);
    s.creating.add(legId);
    let session: RtpSession;
    try {
      session = await RtpSession.open({
        pool: this.pool,
        bindAddress: this.options.bindAddress,
        remote: spec.remote ?? null,
        latching: spec.latching,
        inactivityTimeoutMs: this.options.inactivityTimeoutMs,
        receiveBufferBytes: this.options.receiveBufferBytes,
      });
    } finally {
      s.creating.delete(legId);
    }
    if (this.calls.get(callId) !== s) {
      await session.close(); // hung up meanwhile
      throw new MediaEngineError(`call "${callId}" ended while its leg was being created`);
    }
    const leg = new MediaLeg({ id: legId, session, codec: spec.codec, telephoneEventPt: spec.telephoneEventPt ?? null, jitter: this.options.jitter });
    leg.on('digit', (d) => this.emit('event', { type: 'digit', callId, legId, digit: d.digit, durationMs: d.durationMs }));
    session.on('inactive', ({ silentMs }) => this.emit('event', { type: 'inactive', callId, legId, silentMs }));
    session.on('latched', (remote) => this.emit('event', { type: 'latched', callId, legId, remote }));
    session.on('error', (error) => this.emit('event', { type: 'error', callId, message: `leg ${legId}: ${error.message}` }));
    s.legs.set(legId, leg);
    s.call.addLeg(leg);
    return { callId, legId, address: session.localAddress, port: session.localPort };
  }

  async updateLeg(callId: string, legId: string, remote: RtpEndpoint | null, options: LegUpdateOptions = {}): Promise<void> {
    const timeout = options.inactivityTimeoutMs;
    if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0)) {
      throw new MediaEngineError(`leg "${legId}" of call "${callId}": inactivityTimeoutMs must be a number ≥ 0, got ${JSON.stringify(timeout)}`);
    }
    const entry = this.state(callId).webrtc.get(legId);
    if (entry) {
      if (remote !== null) {
        throw new MediaEngineError(`leg "${legId}" of call "${callId}" is a WebRTC leg: ICE finds its remote, so remote must be null (re-offers go through renegotiateWebRtcLeg)`);
      }
      if (!entry.transport) throw new MediaEngineError(`WebRTC leg "${legId}" of call "${callId}" has no media yet: its offer waits for the browser's answer (completeWebRtcLeg)`);
      if (timeout !== undefined) entry.transport.setInactivityTimeout(timeout);
      return;
    }
    const session = this.leg(callId, legId).session;
    if (!(session instanceof RtpSession)) throw new MediaEngineError(`leg "${legId}" of call "${callId}" is not an RTP leg`);
    session.setRemote(remote);
    if (timeout !== undefined) session.setInactivityTimeout(timeout);
  }

  async removeLeg(callId: string, legId: string): Promise<void> {
    const s = this.state(callId);
    const entry = s.webrtc.get(legId);
    const leg = s.legs.get(legId);
    if (!leg && !entry) throw new MediaEngineError(`call "${callId}" has no leg "${legId}"`);
    s.webrtc.delete(legId);
    if (!leg) {
      await entry!.rtc.close(); // an offer still waiting for its answer
      return;
    }
    s.players.get(legId)?.stop();
    s.call.removeLeg(leg);
    s.legs.delete(legId);
    await leg.close();
  }

  /** The advertised ICE address, checked when the first WebRTC leg needs it. */
  private webrtcAddress(): string {
    const address = this.options.webrtcAddress ?? this.options.bindAddress;
    if (!isIP(address) || isUnspecifiedAddress(address)) {
      throw new MediaEngineError(`WebRTC legs need an address to advertise in ICE candidates: bindAddress is "${this.options.bindAddress}", so set webrtcAddress`);
    }
    return address;
  }

  /** A new WebRTC leg on a pool port, registered in the call (so its id is taken) and reporting its state. */
  private openWebRtcLeg(s: CallState, callId: string, legId: string, spec: WebRtcLegSpec, where: string): WebRtcEntry {
    const { codecs, connectTimeoutMs, mode } = checkedWebRtcSpec(spec, where);
    const address = this.webrtcAddress();
    const rtc = new WebRtcLeg({
      address,
      bindAddress: this.options.bindAddress,
      portPool: this.pool,
      ice: this.options.webrtcIce ?? 'full',
      codecs,
      connectTimeoutMs,
      logger: { warn: (details, message) => this.emit('event', { type: 'error', callId, message: `leg ${legId}: ${message}: ${String(details.err)}` }) },
    });
    rtc.onStateChange((state) => {
      if (state === 'connected' || state === 'failed' || state === 'closed') this.emit('event', { type: 'webrtc-state', callId, legId, state });
    });
    const entry: WebRtcEntry = { rtc, mode, transport: null };
    s.webrtc.set(legId, entry);
    return entry;
  }

  /** After an await: the call and the leg are still the ones the command started with. */
  private assertStillThere(s: CallState, callId: string, legId: string, entry: WebRtcEntry, where: string): void {
    if (this.calls.get(callId) !== s || s.webrtc.get(legId) !== entry) {
      throw new MediaEngineError(`${where}: the leg was removed (or the call hung up) while its SDP was being handled`);
    }
  }

  /** The first offer/answer is done: the leg becomes a MediaLeg of the call. */
  private joinWebRtcLeg(s: CallState, callId: string, legId: string, entry: WebRtcEntry, negotiation: AudioNegotiation): void {
    const transport = new WebRtcLegTransport(entry.rtc, { codec: negotiation.codec, inactivityTimeoutMs: this.options.inactivityTimeoutMs });
    const leg = new MediaLeg({ id: legId, session: transport, codec: negotiation.codec, telephoneEventPt: transport.telephoneEventPayloadType, jitter: this.options.jitter });
    leg.on('digit', (d) => this.emit('event', { type: 'digit', callId, legId, digit: d.digit, durationMs: d.durationMs }));
    transport.on('inactive', ({ silentMs }) => this.emit('event', { type: 'inactive', callId, legId, silentMs }));
    entry.transport = transport;
    s.legs.set(legId, leg);
    s.call.addLeg(leg, { mode: entry.mode });
  }

  async createWebRtcLeg(callId: string, legId: string, spec: WebRtcLegSpec): Promise<WebRtcLegOffer> {
    const where = `WebRTC leg "${legId}" of call "${callId}"`;
    const s = this.state(callId);
    this.assertNewLeg(s, callId, legId);
    const entry = this.openWebRtcLeg(s, callId, legId, spec, where);
    try {
      const sdp = await entry.rtc.createOffer();
      this.assertStillThere(s, callId, legId, entry, where);
      return { callId, legId, sdp };
    } catch (error) {
      if (s.webrtc.get(legId) === entry) s.webrtc.delete(legId);
      await entry.rtc.close();
      throw webrtcFailure(where, error);
    }
  }

  async completeWebRtcLeg(callId: string, legId: string, answerSdp: string): Promise<WebRtcLegCompletion> {
    const where = `WebRTC leg "${legId}" of call "${callId}"`;
    const s = this.state(callId);
    const entry = this.webrtcEntry(callId, legId);
    if (entry.transport) throw new MediaEngineError(`${where} already completed its offer/answer; a re-offer goes through renegotiateWebRtcLeg`);
    const sdp = checkedSdp(answerSdp, 'answer', where);
    let negotiation: AudioNegotiation;
    try {
      negotiation = await entry.rtc.acceptAnswer(sdp);
    } catch (error) {
      // A refused answer leaves the leg as it was: the caller may apply a corrected one, or remove it.
      throw webrtcFailure(`${where}: the answer was refused`, error);
    }
    this.assertStillThere(s, callId, legId, entry, where);
    this.joinWebRtcLeg(s, callId, legId, entry, negotiation);
    return { codec: negotiation.codec, direction: negotiation.direction };
  }

  async answerWebRtcOffer(callId: string, legId: string, offerSdp: string, spec: WebRtcLegSpec): Promise<WebRtcLegAnswer> {
    const where = `WebRTC leg "${legId}" of call "${callId}"`;
    const s = this.state(callId);
    this.assertNewLeg(s, callId, legId);
    const offer = checkedSdp(offerSdp, 'offer', where);
    const entry = this.openWebRtcLeg(s, callId, legId, spec, where);
    try {
      const sdp = await entry.rtc.answerOffer(offer);
      this.assertStillThere(s, callId, legId, entry, where);
      const negotiation = entry.rtc.negotiated!;
      this.joinWebRtcLeg(s, callId, legId, entry, negotiation);
      return { sdp, codec: negotiation.codec, direction: negotiation.direction };
    } catch (error) {
      if (s.webrtc.get(legId) === entry) s.webrtc.delete(legId);
      await entry.rtc.close();
      throw webrtcFailure(where, error);
    }
  }

  async renegotiateWebRtcLeg(callId: string, legId: string, offerSdp: string): Promise<WebRtcLegReanswer> {
    const where = `WebRTC leg "${legId}" of call "${callId}"`;
    const s = this.state(callId);
    const entry = this.webrtcEntry(callId, legId);
    if (!entry.transport) throw new MediaEngineError(`${where} has not completed its first offer/answer (completeWebRtcLeg), so it cannot take a re-offer`);
    const offer = checkedSdp(offerSdp, 'offer', where);
    let sdp: string;
    try {
      sdp = await entry.rtc.answerReoffer(offer);
    } catch (error) {
      throw webrtcFailure(`${where}: the re-offer was refused`, error);
    }
    this.assertStillThere(s, callId, legId, entry, where);
    return { sdp, direction: entry.rtc.negotiated!.direction };
  }

  private async source(what: PlaySpec): Promise<Prompt> {
    switch (what.kind) {
      case 'file':
        return this.prompts.load(what.path);
      case 'tts':
        if (!this.tts) throw new MediaEngineError('text to speech is not configured (ttsCacheDir)');
        return this.prompts.load((await this.tts.synthesize({ text: what.text, language: what.language, voice: what.voice })).path);
      case 'tone': {
        const pattern = TONE_PATTERNS[what.pattern];
        if (!pattern) throw new MediaEngineError(`unknown tone pattern "${String(what.pattern)}"`);
        let prompt = this.tones.get(what.pattern);
        if (!prompt) {
          prompt = Prompt.fromPcm(renderTonePattern(pattern), what.pattern);
          this.tones.set(what.pattern, prompt);
        }
        return prompt;
      }
      case 'hold':
        this.hold ??= this.options.holdMusicPath
          ? Prompt.load(this.options.holdMusicPath).then(MusicOnHold.fromPrompt)
          : Promise.resolve(MusicOnHold.fromTones());
        return (await this.hold).loop;
      default:
        throw new MediaEngineError(`unknown playback kind "${(what as { kind: string }).kind}"`);
    }
  }

  /** Plays into one leg (replacing what it was playing); resolves once playback has started. */
  async play(callId: string, legId: string, what: PlaySpec, options: PlayOptions = {}): Promise<void> {
    this.leg(callId, legId);
    const prompt = await this.source(what);
    const s = this.state(callId);
    const leg = this.leg(callId, legId);
    s.players.get(legId)?.stop();
    const loop = options.loop ?? what.kind === 'hold';
    const player = new PromptPlayer(prompt, {
      loop,
      onFinished: (end) => {
        if (s.players.get(legId) === player) s.players.delete(legId);
        this.emit('event', { type: 'playback-finished', callId, legId, end });
      },
    });
    s.players.set(legId, player);
    leg.play(player);
  }

  async stopPlayback(callId: string, legId: string): Promise<void> {
    const leg = this.leg(callId, legId);
    this.state(callId).players.get(legId)?.stop();
    leg.stopSource();
  }

  async bridge(callId: string): Promise<void> {
    this.state(callId).call.bridge();
  }

  async unbridge(callId: string): Promise<void> {
    this.state(callId).call.unbridge();
  }

  async setMode(callId: string, legId: string, mode: MixMode, whisperTo: string | null = null): Promise<void> {
    const s = this.state(callId);
    s.call.setMode(this.leg(callId, legId), mode, whisperTo === null ? null : this.leg(callId, whisperTo));
  }

  async sendDigits(callId: string, legId: string, digits: string, options?: DtmfToneOptions): Promise<void> {
    const leg = this.leg(callId, legId);
    const transport = this.state(callId).webrtc.get(legId)?.transport;
    if (transport) {
      const where = `WebRTC leg "${legId}" of call "${callId}"`;
      if (!transport.canSendDigits) throw new MediaEngineError(`${where}: the browser did not accept telephone-event/8000, so digits cannot be sent in RTP`);
      if (transport.leg.state !== 'connected') throw new MediaEngineError(`${where} is ${transport.leg.state}, not connected: digits cannot be sent`);
      const direction = transport.leg.negotiated?.direction;
      if (direction !== 'sendrecv' && direction !== 'sendonly') throw new MediaEngineError(`${where} is on hold (${direction ?? 'unnegotiated'}): digits cannot be sent`);
    }
    leg.sendDigits(digits, options);
  }

  /** A recording side: legs of the call (none = silence). */
  private side(callId: string, ids: RecordingSideIds): AnyMediaLeg[] {
    if (ids === null) return [];
    const list: unknown[] = Array.isArray(ids) ? ids : [ids];
    return list.map((legId) => {
      if (typeof legId !== 'string') throw new MediaEngineError(`call "${callId}": a recording side must be a leg id, a list of leg ids or null, got ${JSON.stringify(ids)}`);
      return this.leg(callId, legId);
    });
  }

  async setRecordingSides(callId: string, sides: { readonly left: RecordingSideIds; readonly right: RecordingSideIds }): Promise<void> {
    const s = this.state(callId);
    if (sides === null || typeof sides !== 'object') throw new MediaEngineError(`call "${callId}": recording sides must be { left, right } (leg ids or null)`);
    const left = this.side(callId, sides.left);
    const right = this.side(callId, sides.right);
    if (!s.call.isRecording) throw new MediaEngineError(`call "${callId}" is not recording`);
    s.call.setRecordingSides({ left, right });
  }

  async startRecording(callId: string, spec: RecordSpec): Promise<void> {
    const s = this.state(callId);
    const left = this.side(callId, spec.left);
    const right = this.side(callId, spec.right);
    const recorder = await WavRecorder.open({ path: spec.path, encoding: spec.encoding, pauseMode: spec.pauseMode });
    if (!this.calls.has(callId)) {
      await recorder.close();
      throw new MediaEngineError(`call "${callId}" ended while its recording was being opened`);
    }
    recorder.onError = (error) => this.emit('event', { type: 'error', callId, message: error.message });
    s.call.record(recorder, { left, right });
  }

  async pauseRecording(callId: string): Promise<void> {
    this.state(callId).call.pauseRecording();
  }

  async resumeRecording(callId: string): Promise<void> {
    this.state(callId).call.resumeRecording();
  }

  async stopRecording(callId: string): Promise<RecordingResult | null> {
    return this.state(callId).call.stopRecording();
  }

  async hangup(callId: string): Promise<{ recording: RecordingResult | null }> {
    const s = this.calls.get(callId);
    if (!s) return { recording: null };
    this.calls.delete(callId);
    for (const player of s.players.values()) player.stop();
    // WebRTC legs still waiting for their answer are not in the call yet: close them here.
    const unanswered = [...s.webrtc.values()].filter((entry) => !entry.transport).map((entry) => entry.rtc.close());
    s.webrtc.clear();
    const [result] = await Promise.all([s.call.close(), ...unanswered]);
    return result;
  }

  async stats(): Promise<MediaEngineStats> {
    let legs = 0;
    const rtp = { sent: 0, received: 0, lost: 0, late: 0 };
    const webrtc = { legs: 0, awaitingAnswer: 0, connected: 0, failed: 0 };
    for (const s of this.calls.values()) {
      for (const leg of s.legs.values()) {
        legs++;
        const st = leg.session.transportStats();
        rtp.sent += st.packetsSent;
        rtp.received += st.packetsReceived;
        rtp.lost += st.packetsLost;
        rtp.late += leg.jitter.stats().late;
      }
      for (const entry of s.webrtc.values()) {
        webrtc.legs++;
        if (!entry.transport) {
          webrtc.awaitingAnswer++;
          legs++;
        }
        if (entry.rtc.state === 'connected') webrtc.connected++;
        else if (entry.rtc.state === 'failed') webrtc.failed++;
      }
    }
    return { calls: this.calls.size, legs, portsAvailable: this.pool.available, clock: this.clock.stats(), rtp, webrtc };
  }

  async close(): Promise<void> {
    await Promise.all([...this.calls.keys()].map((id) => this.hangup(id)));
    this.clock.close();
  }
}
