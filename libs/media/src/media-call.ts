// One call's media graph, driven by the media clock as ONE task per call (so its legs are always
// processed together, in one slot, and a call is self-contained: it could live in a worker thread
// with its own clock). Per tick:
//   1. every leg pulls its jitter buffer (receive);
//   2. the recorder gets the caller's and the agent's inbound frames (left / right; a channel of
//      several legs, e.g. the agent and a conference's third party, gets their frames mixed);
//   3. every leg sends one frame: its own source if one is playing (prompt, music on hold), else
//      the bridge — two parties: the other leg's payload as is (transcoded if codecs differ, never
//      decoded); three or more / supervisors: the per-listener mix — else silence.
import { FRAME_SAMPLES, mixInto } from './audio-frame';
import { type ClockTask, type MediaClock, sharedMediaClock } from './media-clock';
import { type AnyMediaLeg } from './media-leg';
import { MIX_MODES, type MixMode, Mixer, type MixerParticipant } from './mixer';
import { type RecordingResult, type WavRecorder } from './wav-recorder';

export interface MediaCallOptions {
  readonly id?: string;
  /** Default: the process's shared clock. */
  readonly clock?: MediaClock;
}

export class MediaCallError extends Error {
  override readonly name = 'MediaCallError';
}

/** What one channel of a recording carries: one leg's audio, several legs' mixed, or null (or none) = silence. */
export type RecordingSide = AnyMediaLeg | readonly AnyMediaLeg[] | null;

/** The legs a recording takes its channels from. */
export interface RecordingSides {
  readonly left: RecordingSide;
  readonly right: RecordingSide;
}

interface Recording {
  readonly recorder: WavRecorder;
  readonly left: readonly AnyMediaLeg[];
  readonly right: readonly AnyMediaLeg[];
}

function legsOf(side: RecordingSide): readonly AnyMediaLeg[] {
  if (side === null) return [];
  return Array.isArray(side) ? side : [side as AnyMediaLeg];
}

export class MediaCall implements ClockTask {
  readonly id: string;
  private readonly clock: MediaClock;
  private readonly legs: AnyMediaLeg[] = [];
  private readonly modes = new Map<AnyMediaLeg, { mode: MixMode; whisperTo: AnyMediaLeg | null }>();
  private mixer: Mixer | null = null;
  private readonly participants = new Map<AnyMediaLeg, MixerParticipant>();
  private bridged = false;
  private recording: Recording | null = null;
  /** Scratch frames for recording channels that mix several legs. */
  private readonly leftMix = new Int16Array(FRAME_SAMPLES);
  private readonly rightMix = new Int16Array(FRAME_SAMPLES);
  private running = false;
  private ticks = 0;

  constructor(options: MediaCallOptions = {}) {
    this.id = options.id ?? 'call';
    this.clock = options.clock ?? sharedMediaClock();
  }

  get legCount(): number {
    return this.legs.length;
  }

  get isRecording(): boolean {
    return this.recording !== null;
  }

  get isBridged(): boolean {
    return this.bridged;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Ticks run so far. */
  get tickCount(): number {
    return this.ticks;
  }

  /** Adds a leg (a normal party unless a supervisor mode is given). */
  addLeg(leg: AnyMediaLeg, options: { mode?: MixMode; whisperTo?: AnyMediaLeg | null } = {}): void {
    if (this.legs.includes(leg)) throw new MediaCallError(`leg ${leg.id} is already in call ${this.id}`);
    this.legs.push(leg);
    this.modes.set(leg, { mode: 'normal', whisperTo: null });
    this.setMode(leg, options.mode ?? 'normal', options.whisperTo ?? null);
  }

  /** Takes a leg out (it is not closed; a recording using it stops getting its audio). */
  removeLeg(leg: AnyMediaLeg): void {
    const i = this.legs.indexOf(leg);
    if (i < 0) return;
    this.legs.splice(i, 1);
    this.modes.delete(leg);
    leg.inboundPayload = null; // no longer received each tick
    const rec = this.recording;
    if (rec && (rec.left.includes(leg) || rec.right.includes(leg))) {
      // Its part of the channel goes silent (not its last frame, repeated).
      this.recording = { recorder: rec.recorder, left: rec.left.filter((l) => l !== leg), right: rec.right.filter((l) => l !== leg) };
    }
    this.rebuildMixer();
  }

  /** A supervisor's mode: listen, whisper (to `whisperTo`, the agent's leg) or barge; a party's: normal or held. */
  setMode(leg: AnyMediaLeg, mode: MixMode, whisperTo: AnyMediaLeg | null = null): void {
    if (!this.modes.has(leg)) throw new MediaCallError(`leg ${leg.id} is not in call ${this.id}`);
    if (!MIX_MODES.includes(mode)) throw new MediaCallError(`leg ${leg.id}: unknown mix mode ${JSON.stringify(mode)} (one of ${MIX_MODES.join(', ')})`);
    if (mode === 'whisper' && (!whisperTo || !this.modes.has(whisperTo) || whisperTo === leg)) {
      throw new MediaCallError(`whisper needs the leg it whispers to (another leg of call ${this.id})`);
    }
    this.modes.set(leg, { mode, whisperTo: mode === 'whisper' ? whisperTo : null });
    this.rebuildMixer();
  }

  private rebuildMixer(): void {
    const plainPair = this.legs.length <= 2 && [...this.modes.values()].every((m) => m.mode === 'normal' || m.mode === 'barge');
    this.participants.clear();
    if (plainPair) {
      this.mixer = null;
      return;
    }
    const mixer = new Mixer();
    for (const leg of this.legs) {
      const m = this.modes.get(leg)!;
      this.participants.set(leg, mixer.add(leg.id, { mode: m.mode, whisperTo: m.whisperTo?.id ?? null }));
    }
    this.mixer = mixer;
  }

  /** Connects the legs: each hears the others (per their modes) whenever it has no source playing. */
  bridge(): void {
    this.bridged = true;
  }

  unbridge(): void {
    this.bridged = false;
  }

  /**
   * Records the call in stereo: `left` is the caller leg's received audio, `right` the agent's
   * (null: silence on that channel, e.g. until an agent is bridged; several legs: their audio
   * mixed, e.g. the agent and a conference's third party). Replaces a running recording (which is
   * closed; its result is dropped — stop it first to keep it).
   */
  record(recorder: WavRecorder, sides: RecordingSides): void {
    const checked = this.checkSides(sides);
    const previous = this.recording;
    this.recording = { recorder, ...checked };
    if (previous && previous.recorder !== recorder) void previous.recorder.close().catch(() => undefined);
  }

  /** Points the running recording's channels at other legs (e.g. the agent bridged after the recording began, a third party joining a conference). */
  setRecordingSides(sides: RecordingSides): void {
    const rec = this.recording;
    if (!rec) throw new MediaCallError(`call ${this.id} is not recording`);
    this.recording = { recorder: rec.recorder, ...this.checkSides(sides) };
  }

  private checkSides(sides: RecordingSides): { left: readonly AnyMediaLeg[]; right: readonly AnyMediaLeg[] } {
    const left = legsOf(sides.left);
    const right = legsOf(sides.right);
    for (const [name, legs] of [['left', left], ['right', right]] as const) {
      for (const leg of legs) {
        if (!this.legs.includes(leg)) throw new MediaCallError(`recording ${name} side: leg ${leg.id} is not a leg of call ${this.id}`);
      }
      // The same leg twice would be recorded twice as loud.
      if (new Set(legs).size !== legs.length) throw new MediaCallError(`recording ${name} side names a leg of call ${this.id} twice`);
    }
    return { left: [...left], right: [...right] };
  }

  /** Stops recording and closes the file; null when nothing was recording. */
  async stopRecording(): Promise<RecordingResult | null> {
    const rec = this.recording;
    this.recording = null;
    return rec ? rec.recorder.close() : null;
  }

  pauseRecording(): void {
    this.recording?.recorder.pause();
  }

  resumeRecording(): void {
    this.recording?.recorder.resume();
  }

  /** Starts ticking on the clock. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.clock.add(this);
  }

  /** Stops ticking (legs and recording stay open). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.clock.remove(this);
  }

  /** Stops, finishes the recording and closes every leg. */
  async close(): Promise<{ recording: RecordingResult | null }> {
    this.stop();
    const recording = await this.stopRecording();
    await Promise.all(this.legs.map((leg) => leg.close()));
    this.legs.length = 0;
    this.modes.clear();
    this.participants.clear();
    return { recording };
  }

  tick(frame: number): void {
    this.ticks++;
    const legs = this.legs;
    for (let i = 0; i < legs.length; i++) legs[i]!.receive(frame);

    const rec = this.recording;
    if (rec) this.writeRecording(rec);

    if (!this.bridged) {
      for (let i = 0; i < legs.length; i++) if (!legs[i]!.sendFromSource()) legs[i]!.sendSilence();
      return;
    }
    const mixer = this.mixer;
    if (mixer === null) {
      // Two parties: relay payloads, no decode / encode.
      for (let i = 0; i < legs.length; i++) {
        const leg = legs[i]!;
        if (leg.sendFromSource()) continue;
        const other = legs.length === 2 ? legs[1 - i]! : null;
        if (other) leg.sendEncoded(other.inboundPayload, other.codec);
        else leg.sendSilence();
      }
      return;
    }
    for (let i = 0; i < legs.length; i++) {
      const leg = legs[i]!;
      this.participants.get(leg)!.setInput(leg.inboundPayload ? leg.inboundPcm() : null);
    }
    mixer.mix();
    for (let i = 0; i < legs.length; i++) {
      const leg = legs[i]!;
      if (!leg.sendFromSource()) leg.sendPcm(this.participants.get(leg)!.output);
    }
  }

  private writeRecording(rec: Recording): void {
    const { left, right } = rec;
    if (left.length > 1 || right.length > 1) {
      rec.recorder.writeFrame(this.channelPcm(left, this.leftMix), this.channelPcm(right, this.rightMix));
      return;
    }
    const l = left[0] ?? null;
    const r = right[0] ?? null;
    if (l !== null && r !== null && l.codec !== r.codec) {
      rec.recorder.writeFrame(l.inboundPayload ? l.inboundPcm() : null, r.inboundPayload ? r.inboundPcm() : null);
    } else {
      // One codec (or one side silent): G.711 bytes straight into the file.
      const codec = l?.codec ?? r?.codec ?? 'pcmu';
      rec.recorder.writeEncodedFrame(codec, l === null ? null : l.inboundPayload, r === null ? null : r.inboundPayload);
    }
  }

  /** One channel's frame: its leg's audio, or its legs' audio mixed into `mix`; null when none of them sent any. */
  private channelPcm(legs: readonly AnyMediaLeg[], mix: Int16Array): Int16Array | null {
    if (legs.length === 1) return legs[0]!.inboundPayload ? legs[0]!.inboundPcm() : null;
    let heard = false;
    mix.fill(0);
    for (const leg of legs) {
      if (!leg.inboundPayload) continue;
      mixInto(mix, leg.inboundPcm());
      heard = true;
    }
    return heard ? mix : null;
  }
}
