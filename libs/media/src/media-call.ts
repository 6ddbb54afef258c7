// One call's media graph, driven by the media clock as ONE task per call (so its legs are always
// processed together, in one slot, and a call is self-contained: it could live in a worker thread
// with its own clock). Per tick:
//   1. every leg pulls its jitter buffer (receive);
//   2. the recorder gets the caller's and the agent's inbound frames (left / right);
//   3. every leg sends one frame: its own source if one is playing (prompt, music on hold), else
//      the bridge — two parties: the other leg's payload as is (transcoded if codecs differ, never
//      decoded); three or more / supervisors: the per-listener mix — else silence.
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

/** The legs a recording takes its channels from; null = silence on that channel. */
export interface RecordingSides {
  readonly left: AnyMediaLeg | null;
  readonly right: AnyMediaLeg | null;
}

interface Recording extends RecordingSides {
  readonly recorder: WavRecorder;
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
    if (rec && (rec.left === leg || rec.right === leg)) {
      // Its channel goes silent (not its last frame, repeated).
      this.recording = { recorder: rec.recorder, left: rec.left === leg ? null : rec.left, right: rec.right === leg ? null : rec.right };
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
   * (null: silence on that channel, e.g. until an agent is bridged). Replaces a running recording
   * (which is closed; its result is dropped — stop it first to keep it).
   */
  record(recorder: WavRecorder, sides: RecordingSides): void {
    this.checkSides(sides);
    const previous = this.recording;
    this.recording = { recorder, left: sides.left, right: sides.right };
    if (previous && previous.recorder !== recorder) void previous.recorder.close().catch(() => undefined);
  }

  /** Points the running recording's channels at other legs (e.g. the agent bridged after the recording began). */
  setRecordingSides(sides: RecordingSides): void {
    const rec = this.recording;
    if (!rec) throw new MediaCallError(`call ${this.id} is not recording`);
    this.checkSides(sides);
    this.recording = { recorder: rec.recorder, left: sides.left, right: sides.right };
  }

  private checkSides(sides: RecordingSides): void {
    for (const leg of [sides.left, sides.right]) {
      if (leg !== null && !this.legs.includes(leg)) throw new MediaCallError(`recording sides must be legs of call ${this.id}`);
    }
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
    if (rec) {
      const { left, right } = rec;
      if (left !== null && right !== null && left.codec !== right.codec) {
        rec.recorder.writeFrame(left.inboundPayload ? left.inboundPcm() : null, right.inboundPayload ? right.inboundPcm() : null);
      } else {
        // One codec (or one side silent): G.711 bytes straight into the file.
        const codec = left?.codec ?? right?.codec ?? 'pcmu';
        rec.recorder.writeEncodedFrame(codec, left === null ? null : left.inboundPayload, right === null ? null : right.inboundPayload);
      }
    }

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
}
