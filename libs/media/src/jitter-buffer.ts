// A jitter buffer for 20 ms frames, ordered by RTP sequence number (16-bit, wrap-safe). Packets are
// copied into preallocated slots (no allocation per packet); `pull()` runs once per 20 ms tick and
// returns the next frame, or null for a gap (lost or not yet arrived: the caller plays silence).
//
// Playout starts once `depth` frames are buffered; when the buffer runs dry (the sender stalled, or
// stopped for silence suppression) playout pauses without skipping and primes again. Packets for a
// frame already played are late and dropped. Adaptive mode raises the depth by one frame per late
// packet (up to maxDepthMs) and lowers it after 5 s without one; in both modes frames above the
// depth for a whole second (after a burst) are skipped so latency does not stay high.

export type JitterBufferMode = 'fixed' | 'adaptive';

export interface JitterBufferOptions {
  /** Initial (fixed mode: constant) depth; default 60 ms. */
  readonly depthMs?: number;
  readonly mode?: JitterBufferMode;
  /** Adaptive bounds; default 40 and 200 ms. */
  readonly minDepthMs?: number;
  readonly maxDepthMs?: number;
  readonly frameMs?: number;
  /** Slots (a power of two); packets further ahead than this many frames restart the buffer. Default 32. */
  readonly capacity?: number;
  /** Largest payload kept; larger packets are dropped. Default 320 bytes (G.711 at 40 ms). */
  readonly maxPayload?: number;
}

export type JitterPushResult = 'queued' | 'duplicate' | 'late' | 'resync' | 'oversize';

export interface JitterBufferStats {
  readonly received: number;
  readonly played: number;
  /** Ticks that played nothing although later frames were buffered (loss concealment). */
  readonly missing: number;
  readonly late: number;
  readonly duplicates: number;
  /** Frames skipped to bring latency back to the depth. */
  readonly dropped: number;
  readonly underruns: number;
  readonly resyncs: number;
  readonly oversize: number;
  readonly depthMs: number;
  /** Delay the buffer added at the last pull: frames held × frame length. */
  readonly delayMs: number;
}

export class JitterBufferConfigError extends Error {
  override readonly name = 'JitterBufferConfigError';
}

const SHRINK_PULLS = 50; // 1 s of 20 ms ticks
const ADAPT_PULLS = 250; // 5 s

export class JitterBuffer {
  readonly frameMs: number;
  readonly mode: JitterBufferMode;
  private readonly capacity: number;
  private readonly mask: number;
  private readonly maxPayload: number;
  private readonly minFrames: number;
  private readonly maxFrames: number;
  private targetFrames: number;
  private readonly slotSeq: Int32Array;
  private readonly slotLength: Int32Array;
  private readonly slotTimestamp: Float64Array;
  private readonly slotData: Buffer;
  private readonly slotView: (Buffer | null)[];
  private count = 0;
  private playing = false;
  private anchored = false;
  private nextSeq = 0;
  private highest = 0;
  private stretch = 0;
  private windowPulls = 0;
  private adaptPulls = 0;
  private windowMinSpan = Infinity;
  private windowLate = 0;
  private lastSpan = 0;
  /** RTP timestamp of the frame the last `pull()` returned. */
  lastTimestamp = 0;
  /** The last `pull()` returned null for a lost packet (later ones are waiting), not for an empty buffer. */
  lastPullMissing = false;
  private received = 0;
  private played = 0;
  private missing = 0;
  private late = 0;
  private duplicates = 0;
  private dropped = 0;
  private underruns = 0;
  private resyncs = 0;
  private oversize = 0;

  constructor(options: JitterBufferOptions = {}) {
    this.frameMs = options.frameMs ?? 20;
    this.mode = options.mode ?? 'adaptive';
    this.capacity = options.capacity ?? 32;
    this.maxPayload = options.maxPayload ?? 320;
    this.mask = this.capacity - 1;
    if (!Number.isInteger(this.capacity) || this.capacity < 8 || (this.capacity & (this.capacity - 1)) !== 0) {
      throw new JitterBufferConfigError(`jitter buffer capacity must be a power of two ≥ 8, got ${this.capacity}`);
    }
    const frames = (ms: number, name: string): number => {
      const n = Math.round(ms / this.frameMs);
      if (!Number.isFinite(ms) || n < 1 || n > this.capacity / 2) {
        throw new JitterBufferConfigError(`jitter buffer ${name} must be 1 to ${(this.capacity / 2) * this.frameMs} ms, got ${ms}`);
      }
      return n;
    };
    this.targetFrames = frames(options.depthMs ?? 60, 'depthMs');
    this.minFrames = this.mode === 'adaptive' ? frames(options.minDepthMs ?? 40, 'minDepthMs') : this.targetFrames;
    this.maxFrames = this.mode === 'adaptive' ? frames(options.maxDepthMs ?? 200, 'maxDepthMs') : this.targetFrames;
    if (this.minFrames > this.targetFrames || this.targetFrames > this.maxFrames) {
      throw new JitterBufferConfigError('jitter buffer needs minDepthMs ≤ depthMs ≤ maxDepthMs');
    }
    this.slotSeq = new Int32Array(this.capacity).fill(-1);
    this.slotLength = new Int32Array(this.capacity);
    this.slotTimestamp = new Float64Array(this.capacity);
    this.slotData = Buffer.alloc(this.capacity * this.maxPayload);
    this.slotView = new Array<Buffer | null>(this.capacity).fill(null);
  }

  /** Current target depth in ms. */
  get depthMs(): number {
    return this.targetFrames * this.frameMs;
  }

  /** Frames waiting. */
  get size(): number {
    return this.count;
  }

  /** Copies the payload `data[offset, offset + length)` of packet `seq` into the buffer. */
  push(seq: number, timestamp: number, data: Uint8Array, offset = 0, length = data.length - offset): JitterPushResult {
    if (length > this.maxPayload || length < 0) {
      this.oversize++;
      return 'oversize';
    }
    seq &= 0xffff;
    if (!this.anchored) {
      this.anchored = true;
      this.nextSeq = seq;
      this.highest = seq;
    }
    let result: JitterPushResult = 'queued';
    const delta = ((seq - this.nextSeq) << 16) >> 16;
    if (delta < 0) {
      if (this.playing || ((this.highest - seq) & 0xffff) >= this.capacity) {
        this.late++;
        this.windowLate++;
        if (this.mode === 'adaptive' && this.targetFrames < this.maxFrames) {
          this.targetFrames++;
          this.stretch++;
        }
        return 'late';
      }
      this.nextSeq = seq; // an earlier packet overtaken by later ones while priming
    } else if (delta >= this.capacity) {
      this.clear();
      this.anchored = true;
      this.nextSeq = seq;
      this.highest = seq;
      this.resyncs++;
      result = 'resync';
    }
    const slot = seq & this.mask;
    if (this.slotSeq[slot] === seq) {
      this.duplicates++;
      return 'duplicate';
    }
    if (this.slotSeq[slot]! >= 0) this.count--; // a stale frame more than capacity behind: replaced
    this.slotSeq[slot] = seq;
    this.slotLength[slot] = length;
    this.slotTimestamp[slot] = timestamp >>> 0;
    const base = slot * this.maxPayload;
    if (data instanceof Buffer) data.copy(this.slotData, base, offset, offset + length);
    else this.slotData.set(data.subarray(offset, offset + length), base);
    this.count++;
    this.received++;
    if (((seq - this.highest) << 16) >> 16 > 0) this.highest = seq;
    return result;
  }

  /**
   * The frame for this 20 ms tick: its payload (a view valid until the next `pull`/`push` of the
   * same slot — use it now), or null for silence (priming, underrun or a lost packet).
   */
  pull(): Buffer | null {
    this.lastPullMissing = false;
    if (this.count === 0) {
      this.lastSpan = 0;
      if (this.playing) {
        this.playing = false;
        this.underruns++;
      }
      this.closeWindow(0);
      return null;
    }
    let span = (((this.highest - this.nextSeq) & 0xffff) + 1) | 0;
    if (!this.playing) {
      this.lastSpan = span;
      if (span < this.targetFrames) return null;
      this.playing = true;
      this.stretch = 0;
    }
    if (this.stretch > 0) {
      this.stretch--;
      this.lastSpan = span;
      return null;
    }
    const excess = this.closeWindow(span);
    if (excess > 0) {
      for (let i = 0; i < excess && this.count > 1; i++) {
        this.discard(this.nextSeq);
        this.nextSeq = (this.nextSeq + 1) & 0xffff;
        this.dropped++;
      }
      span = (((this.highest - this.nextSeq) & 0xffff) + 1) | 0;
    }
    this.lastSpan = span;
    const seq = this.nextSeq;
    this.nextSeq = (seq + 1) & 0xffff;
    const slot = seq & this.mask;
    if (this.slotSeq[slot] !== seq) {
      this.missing++;
      this.lastPullMissing = true;
      return null;
    }
    const length = this.slotLength[slot]!;
    let view = this.slotView[slot];
    if (!view || view.length !== length) {
      const base = slot * this.maxPayload;
      view = this.slotData.subarray(base, base + length);
      this.slotView[slot] = view;
    }
    this.slotSeq[slot] = -1;
    this.count--;
    this.played++;
    this.lastTimestamp = this.slotTimestamp[slot]!;
    return view;
  }

  /**
   * Tracks the smallest span over a 1 s window and returns, at its end, the frames held above the
   * depth all along (to skip); every 5 s lowers an adaptive depth that saw no late packet.
   */
  private closeWindow(span: number): number {
    if (span < this.windowMinSpan) this.windowMinSpan = span;
    if (++this.adaptPulls >= ADAPT_PULLS) {
      if (this.mode === 'adaptive' && this.windowLate === 0 && this.targetFrames > this.minFrames) this.targetFrames--;
      this.adaptPulls = 0;
      this.windowLate = 0;
    }
    if (++this.windowPulls < SHRINK_PULLS) return 0;
    const excess = this.windowMinSpan - this.targetFrames - 1;
    this.windowPulls = 0;
    this.windowMinSpan = Infinity;
    return Number.isFinite(excess) && excess > 0 ? excess : 0;
  }

  private discard(seq: number): void {
    const slot = seq & this.mask;
    if (this.slotSeq[slot] === seq) {
      this.slotSeq[slot] = -1;
      this.count--;
    }
  }

  private clear(): void {
    this.slotSeq.fill(-1);
    this.count = 0;
    this.playing = false;
    this.stretch = 0;
  }

  /** Forgets everything (e.g. the remote SSRC changed); the next packet anchors a new stream. */
  reset(): void {
    this.clear();
    this.anchored = false;
    this.windowPulls = 0;
    this.adaptPulls = 0;
    this.windowMinSpan = Infinity;
    this.windowLate = 0;
  }

  stats(): JitterBufferStats {
    return {
      received: this.received,
      played: this.played,
      missing: this.missing,
      late: this.late,
      duplicates: this.duplicates,
      dropped: this.dropped,
      underruns: this.underruns,
      resyncs: this.resyncs,
      oversize: this.oversize,
      depthMs: this.depthMs,
      delayMs: this.lastSpan * this.frameMs,
    };
  }
}
