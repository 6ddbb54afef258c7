// Prompts and their playback. A `Prompt` is decoded once (8 kHz mono PCM16, padded to whole 20 ms
// frames) and encodes itself lazily, once per codec, into frame views shared by every call that
// plays it — so playing a prompt to 1,000 callers encodes nothing per call. A `PromptPlayer` is one
// call's cursor over one or more prompts, pulled once per tick by the leg it plays into.
import { readFile } from 'node:fs/promises';
import { type AudioSource, FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE } from './audio-frame';
import { encodeG711, type G711Codec } from './g711';
import { padToFrames } from './tone';
import { decodeWav, WavFormatError } from './wav';

export class Prompt {
  /** PCM16 at 8 kHz, a whole number of 20 ms frames. */
  readonly pcm: Int16Array;
  readonly frameCount: number;
  readonly durationMs: number;
  private readonly encoded = new Map<G711Codec, readonly Uint8Array[]>();
  private readonly pcmFrames: readonly Int16Array[];

  private constructor(
    pcm: Int16Array,
    readonly name: string,
  ) {
    this.pcm = padToFrames(pcm);
    this.frameCount = this.pcm.length / FRAME_SAMPLES;
    this.durationMs = (pcm.length * 1000) / SAMPLE_RATE;
    this.pcmFrames = Array.from({ length: this.frameCount }, (_, i) => this.pcm.subarray(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES));
  }

  static fromPcm(pcm: Int16Array, name = 'pcm'): Prompt {
    return new Prompt(pcm, name);
  }

  /** From a WAV file's bytes; it must be 8 kHz mono (PCM16, µ-law or A-law). */
  static fromWav(wav: Buffer, source = 'prompt'): Prompt {
    const audio = decodeWav(wav, source);
    if (audio.sampleRate !== SAMPLE_RATE) {
      throw new WavFormatError('sampleRate', `${audio.sampleRate} Hz; prompts must be 8000 Hz (convert: sox in.wav -r 8000 -c 1 out.wav)`, source);
    }
    if (audio.channels !== 1) {
      throw new WavFormatError('channels', `${audio.channels} channels; prompts must be mono (convert: sox in.wav -r 8000 -c 1 out.wav)`, source);
    }
    if (audio.frames === 0) throw new WavFormatError('data', 'the data chunk holds no audio', source);
    return new Prompt(audio.samples, source);
  }

  static async load(path: string): Promise<Prompt> {
    return Prompt.fromWav(await readFile(path), path);
  }

  /** Frame `index` as PCM (a view). */
  pcmFrame(index: number): Int16Array {
    return this.pcmFrames[index]!;
  }

  /** The prompt's frames encoded in `codec` (encoded on first use, then shared). */
  framesFor(codec: G711Codec): readonly Uint8Array[] {
    let frames = this.encoded.get(codec);
    if (!frames) {
      const bytes = new Uint8Array(this.pcm.length);
      encodeG711(codec, this.pcm, bytes);
      frames = Array.from({ length: this.frameCount }, (_, i) => bytes.subarray(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES));
      this.encoded.set(codec, frames);
    }
    return frames;
  }
}

/** Loaded prompts by path, so a prompt file is read and decoded once per process. */
export class PromptCache {
  private readonly entries = new Map<string, Promise<Prompt>>();

  constructor(private readonly maxEntries = 512) {}

  load(path: string): Promise<Prompt> {
    let entry = this.entries.get(path);
    if (entry) {
      this.entries.delete(path); // most recently used last
      this.entries.set(path, entry);
      return entry;
    }
    entry = Prompt.load(path);
    entry.catch(() => this.entries.delete(path));
    this.entries.set(path, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  invalidate(path: string): void {
    this.entries.delete(path);
  }
}

export type PlaybackEnd = 'completed' | 'stopped';

export interface PromptPlayerOptions {
  /** Start again from the first prompt after the last (music on hold). */
  readonly loop?: boolean;
  /** Start this many ms into the first prompt. */
  readonly offsetMs?: number;
  readonly onFinished?: (end: PlaybackEnd) => void;
}

/** One call's playback of a prompt (or a sequence of prompts), 20 ms per tick. */
export class PromptPlayer implements AudioSource {
  /** Resolves when playback completes or is stopped. */
  readonly finished: Promise<PlaybackEnd>;
  private readonly prompts: readonly Prompt[];
  private readonly loop: boolean;
  private promptIndex = 0;
  private frameIndex: number;
  private framesPlayed = 0;
  private done = false;
  private resolve!: (end: PlaybackEnd) => void;
  private readonly onFinished: ((end: PlaybackEnd) => void) | undefined;

  constructor(prompts: Prompt | readonly Prompt[], options: PromptPlayerOptions = {}) {
    this.prompts = Array.isArray(prompts) ? prompts : [prompts as Prompt];
    this.loop = options.loop ?? false;
    this.onFinished = options.onFinished;
    this.frameIndex = Math.max(0, Math.floor((options.offsetMs ?? 0) / FRAME_MS));
    this.finished = new Promise((resolve) => (this.resolve = resolve));
    if (this.prompts.length === 0) this.end('completed');
    else this.settle();
  }

  get isPlaying(): boolean {
    return !this.done;
  }

  /** Audio played so far. */
  get positionMs(): number {
    return this.framesPlayed * FRAME_MS;
  }

  /** Moves past finished prompts; ends playback after the last one unless looping. */
  private settle(): void {
    while (!this.done && this.frameIndex >= this.prompts[this.promptIndex]!.frameCount) {
      this.frameIndex -= this.prompts[this.promptIndex]!.frameCount;
      this.promptIndex++;
      if (this.promptIndex === this.prompts.length) {
        if (!this.loop) {
          this.end('completed');
          return;
        }
        this.promptIndex = 0;
      }
    }
  }

  readPcm(frame: Int16Array): boolean {
    if (this.done) {
      frame.fill(0);
      return false;
    }
    frame.set(this.prompts[this.promptIndex]!.pcmFrame(this.frameIndex));
    this.advance();
    return true;
  }

  readEncoded(codec: G711Codec): Uint8Array | null {
    if (this.done) return null;
    const bytes = this.prompts[this.promptIndex]!.framesFor(codec)[this.frameIndex]!;
    this.advance();
    return bytes;
  }

  private advance(): void {
    this.frameIndex++;
    this.framesPlayed++;
    this.settle();
  }

  /** Stops playback now (the next tick plays nothing from this player). */
  stop(): void {
    this.end('stopped');
  }

  private end(how: PlaybackEnd): void {
    if (this.done) return;
    this.done = true;
    this.onFinished?.(how);
    this.resolve(how);
  }
}
