// RFC 3550 reception statistics for one remote RTP source, as carried in an RTCP report block:
// extended highest sequence number and loss (A.1, A.3), interarrival jitter (A.8), and the
// LSR/DLSR pair that lets the sender compute the round-trip time.

export interface ReportBlock {
  ssrc: number;
  /** Fraction of packets lost since the previous report, in 1/256. */
  fractionLost: number;
  /** Cumulative packets lost (24 bits, never negative here). */
  packetsLost: number;
  /** Extended highest sequence number received (cycles << 16 | highest). */
  highestSequence: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last sender report received, or 0. */
  lsr: number;
  /** Delay since that sender report in 1/65536 s, or 0. */
  dlsr: number;
}

const SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

export class ReceptionStatistics {
  private source: number | undefined;
  private baseSequence = 0;
  private maxSequence = 0;
  private cycles = 0;
  /** A.1 bad_seq: after a big jump, the sequence number that would confirm the source restarted. */
  private badSequence: number | undefined;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit: number | undefined;
  private jitter = 0;
  private lastSenderReport: { lsr: number; arrivalMs: number } | undefined;

  constructor(private readonly clockRate = 8000) {}

  get packetsReceived(): number {
    return this.received;
  }

  /** Cumulative packets lost from the current source (expected − received, never negative). */
  get packetsLost(): number {
    if (this.source === undefined) return 0;
    return Math.max(0, this.cycles + this.maxSequence - this.baseSequence + 1 - this.received);
  }

  /**
   * Counts one packet. `forJitter` is false for packets whose timestamp does not follow the
   * sampling clock (RFC 4733 events keep their start timestamp), which would distort jitter.
   */
  onPacket(ssrc: number, sequenceNumber: number, timestamp: number, arrivalMs: number, forJitter = true): void {
    if (this.source !== ssrc) this.reset(ssrc, sequenceNumber);
    else {
      const delta = (sequenceNumber - this.maxSequence + SEQ_MOD) % SEQ_MOD;
      if (delta > 0 && delta < MAX_DROPOUT) {
        if (sequenceNumber < this.maxSequence) this.cycles += SEQ_MOD;
        this.maxSequence = sequenceNumber;
        this.badSequence = undefined;
      } else if (delta >= MAX_DROPOUT && delta <= SEQ_MOD - MAX_MISORDER) {
        // A big jump: two packets in a row from the new place mean the sender restarted its sequence.
        if (sequenceNumber !== this.badSequence) {
          this.badSequence = (sequenceNumber + 1) % SEQ_MOD;
          return;
        }
        this.reset(ssrc, sequenceNumber);
      }
    }
    this.received++;
    if (!forJitter) return;
    const arrival = Math.floor((arrivalMs * this.clockRate) / 1000) >>> 0;
    const transit = (arrival - timestamp) >>> 0;
    if (this.transit !== undefined) {
      const d = Math.abs((transit - this.transit) | 0);
      this.jitter += (d - this.jitter) / 16;
    }
    this.transit = transit;
  }

  onSenderReport(ssrc: number, ntpTimestamp: bigint, arrivalMs: number): void {
    if (ssrc !== this.source) return;
    this.lastSenderReport = { lsr: Number((ntpTimestamp >> 16n) & 0xffffffffn), arrivalMs };
  }

  /** The report block for the next RTCP packet (updates the interval counters), or undefined before any packet. */
  reportBlock(nowMs: number): ReportBlock | undefined {
    if (this.source === undefined) return undefined;
    const extendedMax = this.cycles + this.maxSequence;
    const expected = extendedMax - this.baseSequence + 1;
    const lost = Math.max(0, Math.min(0x7fffff, expected - this.received));
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    const sr = this.lastSenderReport;
    return {
      ssrc: this.source,
      fractionLost,
      packetsLost: lost,
      highestSequence: extendedMax >>> 0,
      jitter: Math.floor(this.jitter),
      lsr: sr ? sr.lsr : 0,
      dlsr: sr ? Math.floor(((nowMs - sr.arrivalMs) / 1000) * 65536) >>> 0 : 0,
    };
  }

  private reset(ssrc: number, sequenceNumber: number): void {
    this.source = ssrc;
    this.baseSequence = sequenceNumber;
    this.maxSequence = sequenceNumber;
    this.cycles = 0;
    this.badSequence = undefined;
    this.received = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.transit = undefined;
    this.jitter = 0;
    this.lastSenderReport = undefined;
  }
}
