// The media engine behind one serialisable API: calls and legs by id, prompts by path / TTS /
// tone, bridge, supervision, DTMF, recording. `MediaEngine` runs it in this thread; the worker
// pool (media-worker-pool.ts) runs one engine per worker thread behind the same `MediaEngineApi`,
// routing each call to one worker. Every argument and result is plain data, every event too.
import { EventEmitter } from 'node:events';
import { type DtmfToneOptions } from './dtmf-rfc4733';
import { type G711Codec } from './g711';
import { type JitterBufferOptions } from './jitter-buffer';
import { MediaCall } from './media-call';
import { MediaClock, type MediaClockStats } from './media-clock';
import { MediaLeg } from './media-leg';
import { type MixMode } from './mixer';
import { MusicOnHold } from './music-on-hold';
import { PortPool } from './port-pool';
import { type PlaybackEnd, Prompt, PromptCache, PromptPlayer } from './prompt-player';
import { type RtpEndpoint, type RtpLatching, RtpSession } from './rtp-session';
import { renderTonePattern, TONE_PATTERNS } from './tone';
import { TextToSpeech } from './tts';
import { type RecordingEncoding, type RecordingPauseMode, type RecordingResult, WavRecorder } from './wav-recorder';

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

export interface PlayOptions {
  readonly loop?: boolean;
}

export interface RecordSpec {
  readonly path: string;
  /** Caller leg (left channel) and agent leg (right channel). */
  readonly left: string;
  readonly right: string;
  readonly encoding?: RecordingEncoding;
  readonly pauseMode?: RecordingPauseMode;
}

export type MediaEngineEvent =
  | { readonly type: 'digit'; readonly callId: string; readonly legId: string; readonly digit: string; readonly durationMs: number }
  | { readonly type: 'playback-finished'; readonly callId: string; readonly legId: string; readonly end: PlaybackEnd }
  | { readonly type: 'inactive'; readonly callId: string; readonly legId: string; readonly silentMs: number }
  | { readonly type: 'latched'; readonly callId: string; readonly legId: string; readonly remote: RtpEndpoint }
  | { readonly type: 'error'; readonly callId: string; readonly message: string };

export interface MediaEngineStats {
  readonly calls: number;
  readonly legs: number;
  readonly portsAvailable: number;
  readonly clock: MediaClockStats;
  /** Totals over the current legs: RTP packets sent and received, lost (RFC 3550), and late for the jitter buffer. */
  readonly rtp: { readonly sent: number; readonly received: number; readonly lost: number; readonly late: number };
}

/** What both the in-thread engine and the worker pool offer. */
export interface MediaEngineApi {
  createCall(callId: string): Promise<void>;
  createLeg(callId: string, legId: string, spec: LegSpec): Promise<LegInfo>;
  /**
   * A new remote after a re-INVITE/UPDATE; optionally a new inactivity timeout (e.g. 0 while the
   * far end holds with a=inactive and sends nothing, then back).
   */
  updateLeg(callId: string, legId: string, remote: RtpEndpoint | null, options?: LegUpdateOptions): Promise<void>;
  removeLeg(callId: string, legId: string): Promise<void>;
  play(callId: string, legId: string, what: PlaySpec, options?: PlayOptions): Promise<void>;
  stopPlayback(callId: string, legId: string): Promise<void>;
  bridge(callId: string): Promise<void>;
  unbridge(callId: string): Promise<void>;
  setMode(callId: string, legId: string, mode: MixMode, whisperTo?: string | null): Promise<void>;
  sendDigits(callId: string, legId: string, digits: string, options?: DtmfToneOptions): Promise<void>;
  startRecording(callId: string, spec: RecordSpec): Promise<void>;
  pauseRecording(callId: string): Promise<void>;
  resumeRecording(callId: string): Promise<void>;
  stopRecording(callId: string): Promise<RecordingResult | null>;
  /** Ends the call's media: stops, finishes the recording, closes every leg (ports back to the pool). */
  hangup(callId: string): Promise<{ recording: RecordingResult | null }>;
  stats(): Promise<MediaEngineStats>;
  on(event: 'event', listener: (event: MediaEngineEvent) => void): unknown;
  close(): Promise<void>;
}

/** A command the engine refuses: unknown call or leg, a duplicate id, a bad argument. */
export class MediaEngineError extends Error {
  override readonly name = 'MediaEngineError';
}

interface CallState {
  readonly call: MediaCall;
  readonly legs: Map<string, MediaLeg>;
  readonly players: Map<string, PromptPlayer>;
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

  private leg(callId: string, legId: string): MediaLeg {
    const leg = this.state(callId).legs.get(legId);
    if (!leg) throw new MediaEngineError(`call "${callId}" has no leg "${legId}"`);
    return leg;
  }

  async createCall(callId: string): Promise<void> {
    if (this.calls.has(callId)) throw new MediaEngineError(`call "${callId}" already has media`);
    const call = new MediaCall({ id: callId, clock: this.clock });
    this.calls.set(callId, { call, legs: new Map(), players: new Map() });
    call.start();
  }

  async createLeg(callId: string, legId: string, spec: LegSpec): Promise<LegInfo> {
    const s = this.state(callId);
    if (s.legs.has(legId)) throw new MediaEngineError(`call "${callId}" already has a leg "${legId}"`);
    const session = await RtpSession.open({
      pool: this.pool,
      bindAddress: this.options.bindAddress,
      remote: spec.remote ?? null,
      latching: spec.latching,
      inactivityTimeoutMs: this.options.inactivityTimeoutMs,
      receiveBufferBytes: this.options.receiveBufferBytes,
    });
    if (!this.calls.has(callId)) {
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
    const session = this.leg(callId, legId).session;
    session.setRemote(remote);
    if (options.inactivityTimeoutMs !== undefined) session.setInactivityTimeout(options.inactivityTimeoutMs);
  }

  async removeLeg(callId: string, legId: string): Promise<void> {
    const s = this.state(callId);
    const leg = this.leg(callId, legId);
    s.players.get(legId)?.stop();
    s.call.removeLeg(leg);
    s.legs.delete(legId);
    await leg.close();
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
    this.leg(callId, legId).sendDigits(digits, options);
  }

  async startRecording(callId: string, spec: RecordSpec): Promise<void> {
    const s = this.state(callId);
    const left = this.leg(callId, spec.left);
    const right = this.leg(callId, spec.right);
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
    return s.call.close();
  }

  async stats(): Promise<MediaEngineStats> {
    let legs = 0;
    const rtp = { sent: 0, received: 0, lost: 0, late: 0 };
    for (const s of this.calls.values()) {
      for (const leg of s.legs.values()) {
        legs++;
        const st = leg.session.getStats();
        rtp.sent += st.sent.packets;
        rtp.received += st.receivedTotal.packets;
        rtp.lost += Math.max(0, st.received.lost);
        rtp.late += leg.jitter.stats().late;
      }
    }
    return { calls: this.calls.size, legs, portsAvailable: this.pool.available, clock: this.clock.stats(), rtp };
  }

  async close(): Promise<void> {
    await Promise.all([...this.calls.keys()].map((id) => this.hangup(id)));
    this.clock.close();
  }
}
