// Receiver statistics of one RTP source, per RFC 3550 appendix A: extended highest sequence number
// with wrap cycles and resynchronisation after a large jump (A.1), cumulative loss (A.3) and the
// interarrival jitter estimate (A.8), all wrap-safe in 16/32-bit arithmetic.

const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

export interface RtpReceiveSnapshot {
  readonly packets: number;
  /** Payload octets. */
  readonly bytes: number;
  /** Expected minus received since the first packet (RFC 3550 A.3; negative with duplicates). */
  readonly lost: number;
  readonly expected: number;
  /** Interarrival jitter in timestamp units and in ms (RFC 3550 A.8). */
  readonly jitter: number;
  readonly jitterMs: number;
  /** Extended highest sequence number received (cycles × 65536 + seq). */
  readonly highestSeq: number;
}

export class RtpReceiveStats {
  private started = false;
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private badSeq = -1;
  private received = 0;
  private bytes = 0;
  private transit = 0;
  private lastTimestamp = -1;
  private jitter = 0;

  constructor(private readonly clockRate = 8000) {}

  /** One packet: its sequence number, RTP timestamp, arrival time (ms, monotonic) and payload size. */
  update(seq: number, timestamp: number, arrivalMs: number, payloadBytes: number): void {
    if (!this.started) {
      this.restart(seq);
    } else {
      const udelta = (seq - this.maxSeq) & 0xffff;
      if (udelta < MAX_DROPOUT) {
        if (seq < this.maxSeq) this.cycles += 65536;
        this.maxSeq = seq;
      } else if (udelta <= 65536 - MAX_MISORDER) {
        // A very large jump: believe it only when the next packet follows it (A.1).
        if (seq !== this.badSeq) {
          this.badSeq = (seq + 1) & 0xffff;
          return;
        }
        this.restart(seq);
      }
      // else: a duplicate or a reordered packet — counted, the highest is unchanged.
    }
    this.received++;
    this.bytes += payloadBytes;
    const arrival = Math.floor((arrivalMs * this.clockRate) / 1000) >>> 0;
    const transit = (arrival - timestamp) | 0;
    if (this.lastTimestamp >= 0 && timestamp !== this.lastTimestamp) {
      let d = (transit - this.transit) | 0;
      if (d < 0) d = -d;
      this.jitter += (d - this.jitter) / 16;
    }
    if (timestamp !== this.lastTimestamp) {
      this.transit = transit;
      this.lastTimestamp = timestamp >>> 0;
    }
  }

  private restart(seq: number): void {
    this.started = true;
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.cycles = 0;
    this.badSeq = -1;
    this.received = 0;
    this.bytes = 0;
    this.lastTimestamp = -1;
    this.jitter = 0;
  }

  /** Forget the source (e.g. its SSRC changed). */
  reset(): void {
    this.started = false;
  }

  snapshot(): RtpReceiveSnapshot {
    const highestSeq = this.cycles + this.maxSeq;
    const expected = this.started ? highestSeq - this.baseSeq + 1 : 0;
    return {
      packets: this.received,
      bytes: this.bytes,
      lost: expected - this.received,
      expected,
      jitter: this.jitter,
      jitterMs: (this.jitter * 1000) / this.clockRate,
      highestSeq,
    };
  }
}
