// Streaming stereo call recording: caller on the left channel, agent on the right, 8 kHz, PCM16
// (32 KB/s) or µ-law (16 KB/s). Frames are interleaved into a preallocated chunk (no allocation per
// frame) and written about once a second with positional writes, in order, off the event loop.
//
// The header is written first with "unknown" sizes (0xFFFFFFFF: players read to the end of file),
// then rewritten with the true sizes after every chunk and on close — so a file cut off by a crash
// still has a header that matches what reached the disk.
//
// Pause: by default ('drop') nothing is written while paused, so the file holds recording time and
// its duration is shorter than the call (e.g. card digits are absent, not silent). With
// pauseMode 'silence' paused frames are written as silence and the file keeps call time.
import { open as openFile, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE } from './audio-frame';
import { ALAW_DECODE, ALAW_TO_ULAW, encodeUlawSample, type G711Codec, ULAW_DECODE } from './g711';
import { wavHeaderSize, writeWavHeader } from './wav';

export type RecordingEncoding = 'pcm16' | 'pcmu';
export type RecordingPauseMode = 'drop' | 'silence';

export interface WavRecorderOptions {
  readonly path: string;
  /** Default 'pcm16'. */
  readonly encoding?: RecordingEncoding;
  readonly pauseMode?: RecordingPauseMode;
  /** Frames buffered per disk write; default 50 (1 s). */
  readonly flushFrames?: number;
}

export interface RecordingResult {
  readonly path: string;
  /** Audio in the file (recording time). */
  readonly durationMs: number;
  /** File size. */
  readonly bytes: number;
  readonly dataBytes: number;
  /** Time spent paused (dropped, or written as silence). */
  readonly pausedMs: number;
}

export class WavRecorderError extends Error {
  override readonly name = 'WavRecorderError';
}

const LITTLE_ENDIAN = endianness() === 'LE';

export class WavRecorder {
  readonly path: string;
  readonly encoding: RecordingEncoding;
  readonly pauseMode: RecordingPauseMode;
  private readonly handle: FileHandle;
  private readonly headerSize: number;
  private readonly frameBytes: number;
  private readonly chunkFrames: number;
  private readonly header: Buffer;
  private chunk: Buffer;
  private chunk16: Int16Array;
  private chunkFrame = 0;
  private spare: Buffer[] = [];
  private filePosition: number;
  private framesWritten = 0;
  private framesPaused = 0;
  private paused = false;
  private closed = false;
  private failure: Error | null = null;
  private tail: Promise<void> = Promise.resolve();
  /** Called once if a disk write fails (the recording stops; close() rejects). */
  onError: ((error: Error) => void) | null = null;

  private constructor(options: WavRecorderOptions, handle: FileHandle) {
    this.path = options.path;
    this.encoding = options.encoding ?? 'pcm16';
    this.pauseMode = options.pauseMode ?? 'drop';
    this.handle = handle;
    this.headerSize = wavHeaderSize(this.encoding);
    this.frameBytes = FRAME_SAMPLES * 2 * (this.encoding === 'pcm16' ? 2 : 1);
    this.chunkFrames = options.flushFrames ?? 50;
    this.header = Buffer.alloc(this.headerSize);
    this.filePosition = this.headerSize;
    this.chunk = this.newChunk();
    this.chunk16 = this.view16(this.chunk);
  }

  /** Creates (truncates) the file and writes the provisional header. */
  static async open(options: WavRecorderOptions): Promise<WavRecorder> {
    const flushFrames = options.flushFrames ?? 50;
    if (!Number.isInteger(flushFrames) || flushFrames < 1 || flushFrames > 3000) {
      throw new WavRecorderError(`flushFrames must be 1-3000, got ${flushFrames}`);
    }
    let handle: FileHandle;
    try {
      handle = await openFile(options.path, 'w');
    } catch (error) {
      throw new WavRecorderError(`cannot create recording ${options.path}: ${(error as Error).message}`);
    }
    const recorder = new WavRecorder(options, handle);
    recorder.writeHeader(0xffffffff);
    await recorder.tail;
    if (recorder.failure) throw recorder.failure;
    return recorder;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Audio in the file so far (including frames not yet flushed). */
  get durationMs(): number {
    return this.framesWritten * FRAME_MS;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /**
   * One 20 ms frame: `left` (caller) and `right` (agent) PCM16, 160 samples each; null = silence.
   * Shorter frames are padded with silence, longer ones cut.
   */
  writeFrame(left: Int16Array | null, right: Int16Array | null): void {
    if (!this.beginFrame()) return;
    const base = this.chunkFrame * FRAME_SAMPLES * 2;
    const l = this.paused ? null : left; // paused here = pauseMode 'silence'
    const r = this.paused ? null : right;
    if (this.encoding === 'pcm16') {
      interleavePcm(this.chunk16, base, l);
      interleavePcm(this.chunk16, base + 1, r);
    } else {
      interleaveUlawFromPcm(this.chunk, base, l);
      interleaveUlawFromPcm(this.chunk, base + 1, r);
    }
    this.endFrame();
  }

  /**
   * One 20 ms frame straight from G.711 payloads (160 bytes each; null = silence): a µ-law recording
   * of µ-law legs copies bytes, nothing is decoded.
   */
  writeEncodedFrame(codec: G711Codec, left: Uint8Array | null, right: Uint8Array | null): void {
    if (!this.beginFrame()) return;
    const base = this.chunkFrame * FRAME_SAMPLES * 2;
    const l = this.paused ? null : left;
    const r = this.paused ? null : right;
    if (this.encoding === 'pcm16') {
      const table = codec === 'pcmu' ? ULAW_DECODE : ALAW_DECODE;
      interleaveDecoded(this.chunk16, base, l, table);
      interleaveDecoded(this.chunk16, base + 1, r, table);
    } else {
      const table = codec === 'pcmu' ? null : ALAW_TO_ULAW;
      interleaveUlaw(this.chunk, base, l, table);
      interleaveUlaw(this.chunk, base + 1, r, table);
    }
    this.endFrame();
  }

  /** False when the frame is not to be written (closed, failed, or paused in 'drop' mode). */
  private beginFrame(): boolean {
    if (this.closed || this.failure) return false;
    if (this.paused) {
      this.framesPaused++;
      if (this.pauseMode === 'drop') return false;
    }
    return true;
  }

  private endFrame(): void {
    this.framesWritten++;
    if (++this.chunkFrame === this.chunkFrames) this.flush();
  }

  private newChunk(): Buffer {
    // A fresh ArrayBuffer: aligned for the Int16Array view.
    return Buffer.from(new ArrayBuffer(this.chunkFrames * this.frameBytes));
  }

  private view16(chunk: Buffer): Int16Array {
    return new Int16Array(chunk.buffer, chunk.byteOffset, chunk.length >> 1);
  }

  /** Queues the filled part of the chunk, then the header with the sizes that write will make true. */
  private flush(): void {
    if (this.chunkFrame === 0) return;
    const chunk = this.chunk;
    const length = this.chunkFrame * this.frameBytes;
    const position = this.filePosition;
    this.filePosition += length;
    this.chunk = this.spare.pop() ?? this.newChunk();
    this.chunk16 = this.view16(this.chunk);
    this.chunkFrame = 0;
    const dataBytes = this.filePosition - this.headerSize;
    this.enqueue(async () => {
      if (this.encoding === 'pcm16' && !LITTLE_ENDIAN) chunk.subarray(0, length).swap16();
      await this.handle.write(chunk, 0, length, position);
      this.spare.push(chunk);
    });
    this.writeHeader(dataBytes);
  }

  private writeHeader(dataBytes: number): void {
    this.enqueue(async () => {
      writeWavHeader(this.header, { encoding: this.encoding, sampleRate: SAMPLE_RATE, channels: 2, dataBytes });
      await this.handle.write(this.header, 0, this.headerSize, 0);
    });
  }

  private enqueue(step: () => Promise<void>): void {
    this.tail = this.tail.then(async () => {
      if (this.failure) return;
      try {
        await step();
      } catch (error) {
        this.failure = new WavRecorderError(`writing recording ${this.path} failed: ${(error as Error).message}`);
        this.onError?.(this.failure);
      }
    });
  }

  /** Writes what is buffered, fixes the header, closes the file. Rejects if any write failed. */
  async close(): Promise<RecordingResult> {
    if (!this.closed) {
      this.closed = true;
      this.flush(); // also rewrites the header with the final sizes (frames are even-sized: no pad byte)
      await this.tail;
      await this.handle.close().catch(() => undefined);
    }
    if (this.failure) throw this.failure;
    const dataBytes = this.filePosition - this.headerSize;
    return {
      path: this.path,
      durationMs: this.framesWritten * FRAME_MS,
      bytes: this.filePosition,
      dataBytes,
      pausedMs: this.framesPaused * FRAME_MS,
    };
  }
}

// One channel of a stereo frame: every other sample from `at`; a missing or short source is silence.

function interleavePcm(out: Int16Array, at: number, src: Int16Array | null): void {
  const n = src ? Math.min(src.length, FRAME_SAMPLES) : 0;
  for (let i = 0; i < n; i++) out[at + 2 * i] = src![i]!;
  for (let i = n; i < FRAME_SAMPLES; i++) out[at + 2 * i] = 0;
}

function interleaveDecoded(out: Int16Array, at: number, src: Uint8Array | null, table: Int16Array): void {
  const n = src ? Math.min(src.length, FRAME_SAMPLES) : 0;
  for (let i = 0; i < n; i++) out[at + 2 * i] = table[src![i]!]!;
  for (let i = n; i < FRAME_SAMPLES; i++) out[at + 2 * i] = 0;
}

function interleaveUlawFromPcm(out: Buffer, at: number, src: Int16Array | null): void {
  const n = src ? Math.min(src.length, FRAME_SAMPLES) : 0;
  for (let i = 0; i < n; i++) out[at + 2 * i] = encodeUlawSample(src![i]!);
  for (let i = n; i < FRAME_SAMPLES; i++) out[at + 2 * i] = 0xff;
}

/** µ-law bytes as they are (table null) or through a conversion table (A-law → µ-law). */
function interleaveUlaw(out: Buffer, at: number, src: Uint8Array | null, table: Uint8Array | null): void {
  const n = src ? Math.min(src.length, FRAME_SAMPLES) : 0;
  if (table) for (let i = 0; i < n; i++) out[at + 2 * i] = table[src![i]!]!;
  else for (let i = 0; i < n; i++) out[at + 2 * i] = src![i]!;
  for (let i = n; i < FRAME_SAMPLES; i++) out[at + 2 * i] = 0xff;
}
