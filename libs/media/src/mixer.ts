// Per-listener mixing of 20 ms PCM frames for conferences and supervision. Everyone hears the sum of
// the others, never themselves. Supervisor modes (ITU "listen / whisper / barge"):
// - listen: hears everyone, nobody hears them;
// - whisper: hears everyone, only `whisperTo` (the agent) hears them;
// - barge: a full participant (everyone hears everyone).
// And for a party put on hold inside a conference (a caller while the agent consults a colleague):
// - held: hears nobody (only what is played to it, e.g. music on hold), nobody hears it.
// One shared Int32 sum per tick, then per listener: sum − own voice + whispers addressed to them,
// saturated to 16 bits. No allocation per tick.
import { FRAME_SAMPLES } from './audio-frame';

export const MIX_MODES = ['normal', 'listen', 'whisper', 'barge', 'held'] as const;
export type MixMode = (typeof MIX_MODES)[number];

export interface MixerParticipantOptions {
  readonly mode?: MixMode;
  /** For 'whisper': who hears this participant. */
  readonly whisperTo?: string | null;
}

export class MixerError extends Error {
  override readonly name = 'MixerError';
}

export class MixerParticipant {
  /** This tick's audio from the participant; fill it (or use `setInput`) before `mix()`. */
  readonly input: Int16Array;
  /** False = the participant is silent this tick (no packet, muted). */
  hasInput = false;
  /** After `mix()`: what this participant hears. */
  readonly output: Int16Array;

  constructor(
    readonly id: string,
    public mode: MixMode,
    public whisperTo: string | null,
    samples: number,
  ) {
    this.input = new Int16Array(samples);
    this.output = new Int16Array(samples);
  }

  /** Copies a frame in (null = silence this tick). */
  setInput(frame: Int16Array | null): void {
    if (frame) {
      this.input.set(frame.length > this.input.length ? frame.subarray(0, this.input.length) : frame);
      if (frame.length < this.input.length) this.input.fill(0, frame.length);
      this.hasInput = true;
    } else {
      this.hasInput = false;
    }
  }

  /** Heard by everyone (normal participants and barging supervisors). */
  get heardByAll(): boolean {
    return this.mode === 'normal' || this.mode === 'barge';
  }
}

export class Mixer {
  private readonly participants: MixerParticipant[] = [];
  private readonly sum: Int32Array;

  constructor(readonly samples = FRAME_SAMPLES) {
    this.sum = new Int32Array(samples);
  }

  get size(): number {
    return this.participants.length;
  }

  add(id: string, options: MixerParticipantOptions = {}): MixerParticipant {
    if (this.get(id)) throw new MixerError(`participant "${id}" is already in the mix`);
    const participant = new MixerParticipant(id, options.mode ?? 'normal', options.whisperTo ?? null, this.samples);
    this.check(participant.mode, participant.whisperTo, id);
    this.participants.push(participant);
    return participant;
  }

  remove(id: string): boolean {
    const index = this.participants.findIndex((p) => p.id === id);
    if (index < 0) return false;
    this.participants.splice(index, 1);
    return true;
  }

  get(id: string): MixerParticipant | undefined {
    return this.participants.find((p) => p.id === id);
  }

  /** Changes a participant's mode (e.g. a supervisor goes from listen to whisper to barge). */
  setMode(id: string, mode: MixMode, whisperTo: string | null = null): void {
    const participant = this.get(id);
    if (!participant) throw new MixerError(`no participant "${id}" in the mix`);
    this.check(mode, whisperTo, id);
    participant.mode = mode;
    participant.whisperTo = mode === 'whisper' ? whisperTo : null;
  }

  private check(mode: MixMode, whisperTo: string | null, id: string): void {
    if (!MIX_MODES.includes(mode)) throw new MixerError(`participant "${id}": unknown mode ${JSON.stringify(mode)} (one of ${MIX_MODES.join(', ')})`);
    if (mode === 'whisper' && (!whisperTo || whisperTo === id)) {
      throw new MixerError(`participant "${id}" whispers to nobody: whisper needs whisperTo (the agent's id)`);
    }
  }

  /** Computes every participant's `output` from this tick's inputs. */
  mix(): void {
    const n = this.samples;
    const sum = this.sum;
    sum.fill(0);
    const parts = this.participants;
    for (const p of parts) {
      if (!p.hasInput || !p.heardByAll) continue;
      const input = p.input;
      for (let i = 0; i < n; i++) sum[i] = sum[i]! + input[i]!;
    }
    for (const listener of parts) {
      const out = listener.output;
      if (listener.mode === 'held') {
        out.fill(0);
        continue;
      }
      const own = listener.hasInput && listener.heardByAll ? listener.input : null;
      let whisper: Int16Array | null = null;
      let extra = false;
      for (const w of parts) {
        if (w.mode === 'whisper' && w.hasInput && w.whisperTo === listener.id) {
          if (whisper === null) whisper = w.input;
          else extra = true;
        }
      }
      for (let i = 0; i < n; i++) {
        let v = sum[i]!;
        if (own) v -= own[i]!;
        if (whisper) v += whisper[i]!;
        out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      if (extra) {
        // Several whisperers to one listener: add the others (rare).
        let first = true;
        for (const w of parts) {
          if (w.mode !== 'whisper' || !w.hasInput || w.whisperTo !== listener.id) continue;
          if (first) {
            first = false;
            continue;
          }
          for (let i = 0; i < n; i++) {
            const v = out[i]! + w.input[i]!;
            out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
          }
        }
      }
    }
  }
}
