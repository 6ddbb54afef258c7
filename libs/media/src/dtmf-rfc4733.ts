// DTMF as RFC 4733 telephone-events (the successor of RFC 2833): the 4-byte payload, a receiver
// that turns a packet stream into digits, and a sender that produces a digit's packet sequence.
//
// Payload (RFC 4733 §2.3):  event (8) | E (1) R (1) volume (6) | duration (16, timestamp units)
// One event = one RTP timestamp (the event's start); updates repeat it with a growing duration,
// the end is sent three times (§2.5.1.4). Long events (> 65535 units) continue in a new segment
// with a new timestamp and no marker (§2.5.1.3).

export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

/** Event codes 0-15 (RFC 4733 §3.2) in order. */
export const DTMF_EVENT_DIGITS: readonly DtmfDigit[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'];

export class DtmfDigitError extends Error {
  override readonly name = 'DtmfDigitError';
}

export function digitOfEvent(event: number): DtmfDigit | null {
  return DTMF_EVENT_DIGITS[event] ?? null;
}

/** The event code of a digit (lower-case a-d accepted); throws `DtmfDigitError` for anything else. */
export function eventOfDigit(digit: string): number {
  const index = DTMF_EVENT_DIGITS.indexOf(digit.toUpperCase() as DtmfDigit);
  if (index < 0 || digit.length !== 1) throw new DtmfDigitError(`"${digit}" is not a DTMF digit (0-9, *, #, A-D)`);
  return index;
}

export function isDtmfDigit(value: string): value is DtmfDigit {
  return value.length === 1 && DTMF_EVENT_DIGITS.includes(value as DtmfDigit);
}

export interface TelephoneEvent {
  readonly event: number;
  readonly end: boolean;
  /** Power level as a positive number: the tone is at −volume dBm0 (0-63). */
  readonly volume: number;
  /** In RTP timestamp units since the event's timestamp. */
  readonly duration: number;
}

/** Reads the first event of a telephone-event payload, or null when shorter than 4 bytes. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | null {
  if (payload.length < 4) return null;
  return { event: payload[0]!, end: (payload[1]! & 0x80) !== 0, volume: payload[1]! & 0x3f, duration: (payload[2]! << 8) | payload[3]! };
}

export function writeTelephoneEvent(out: Uint8Array, offset: number, event: number, end: boolean, volume: number, duration: number): void {
  out[offset] = event & 0xff;
  out[offset + 1] = (end ? 0x80 : 0) | (volume & 0x3f);
  out[offset + 2] = (duration >> 8) & 0xff;
  out[offset + 3] = duration & 0xff;
}

/** One received digit. */
export interface DtmfDigitEvent {
  readonly digit: DtmfDigit;
  readonly durationMs: number;
  /** −dBm0 level, as sent (10 = −10 dBm0). */
  readonly volume: number;
  /** RTP timestamp of the event's start. */
  readonly timestamp: number;
  /** False when the end packets were all lost and the digit was closed by a later event or a timeout. */
  readonly endReceived: boolean;
}

export interface DtmfReceiverOptions {
  readonly clockRate?: number;
  /** Called once per digit, when its first end packet arrives (or it is closed without one). */
  readonly onDigit: (event: DtmfDigitEvent) => void;
  /** Called when a new digit starts (useful to stop a prompt on the first packet: barge-in). */
  readonly onStart?: (digit: DtmfDigit) => void;
  /** Ticks (20 ms) without an update after which an unfinished event is closed; default 25 (500 ms). */
  readonly staleTicks?: number;
}

export interface DtmfReceiverCounters {
  digits: number;
  /** Repeated end packets and updates of an event already reported. */
  redundant: number;
  /** Packets of events that are not digits (e.g. 16 flash) or older than the current event. */
  ignored: number;
  malformed: number;
}

/**
 * Turns RFC 4733 packets into digits. Feed every telephone-event packet with `push`; call `tick()`
 * once per 20 ms so an event whose end packets were all lost is still reported. Events that are
 * not digits (16 flash, tones) are ignored.
 */
export class DtmfReceiver {
  readonly counters: DtmfReceiverCounters = { digits: 0, redundant: 0, ignored: 0, malformed: 0 };
  private readonly clockRate: number;
  private readonly staleTicks: number;
  private active = false;
  private timestamp = 0;
  private event = 0;
  private duration = 0;
  /** Duration of earlier segments of a long event. */
  private carried = 0;
  private volume = 0;
  private ended = false;
  private idleTicks = 0;

  constructor(private readonly options: DtmfReceiverOptions) {
    this.clockRate = options.clockRate ?? 8000;
    this.staleTicks = options.staleTicks ?? 25;
  }

  /** One telephone-event packet: its RTP timestamp, marker bit and payload. */
  push(timestamp: number, payload: Uint8Array, marker = false): void {
    if (payload.length < 4) {
      this.counters.malformed++;
      return;
    }
    const event = payload[0]!;
    const end = (payload[1]! & 0x80) !== 0;
    const volume = payload[1]! & 0x3f;
    const duration = (payload[2]! << 8) | payload[3]!;
    if (this.active && timestamp === this.timestamp) {
      if (this.ended || event !== this.event) {
        this.counters.redundant++;
        return;
      }
      this.idleTicks = 0;
      if (duration > this.duration) this.duration = duration;
      this.volume = volume;
      if (end) this.finish(true);
      return;
    }
    if (this.active && ((timestamp - this.timestamp) | 0) < 0) {
      this.counters.ignored++; // a late packet of an older event
      return;
    }
    const continuation =
      this.active && !this.ended && !marker && event === this.event && ((timestamp - this.timestamp - this.duration) | 0) <= 0;
    if (continuation) {
      this.carried += (timestamp - this.timestamp) >>> 0;
    } else {
      if (this.active && !this.ended) this.finish(false);
      this.carried = 0;
    }
    this.active = true;
    this.timestamp = timestamp;
    this.event = event;
    this.duration = duration;
    this.volume = volume;
    this.ended = false;
    this.idleTicks = 0;
    const digit = digitOfEvent(event);
    if (!digit) {
      this.counters.ignored++;
      this.ended = true; // track it so its repeats are not taken for new events, report nothing
      return;
    }
    if (!continuation) this.options.onStart?.(digit);
    if (end) this.finish(true);
  }

  /** Once per 20 ms: closes an event that stopped getting updates without an end packet. */
  tick(): void {
    if (this.active && !this.ended && ++this.idleTicks >= this.staleTicks) this.finish(false);
  }

  /** Closes an unfinished event now (e.g. when the call ends). */
  flush(): void {
    if (this.active && !this.ended) this.finish(false);
  }

  private finish(endReceived: boolean): void {
    this.ended = true;
    const digit = digitOfEvent(this.event);
    if (!digit) return;
    this.counters.digits++;
    this.options.onDigit({
      digit,
      durationMs: Math.round(((this.carried + this.duration) * 1000) / this.clockRate),
      volume: this.volume,
      timestamp: (this.timestamp - this.carried) >>> 0,
      endReceived,
    });
  }
}

export interface DtmfToneOptions {
  /** Tone length, 40-8000 ms; default 100. */
  readonly durationMs?: number;
  /** −dBm0 level, 0-63; default 10. */
  readonly volume?: number;
  /** Silence (audio) after the digit before the next one; default 60 ms. */
  readonly gapMs?: number;
}

/** One packet of a digit's sequence; all packets of a digit carry the same RTP timestamp. */
export interface DtmfPacketPlan {
  /** 0-based 20 ms tick on which it is sent. */
  readonly tick: number;
  readonly marker: boolean;
  readonly end: boolean;
  readonly duration: number;
  readonly payload: Buffer;
}

function checkedTone(options: DtmfToneOptions | undefined): { durationMs: number; volume: number; gapMs: number } {
  const durationMs = options?.durationMs ?? 100;
  const volume = options?.volume ?? 10;
  const gapMs = options?.gapMs ?? 60;
  if (!Number.isFinite(durationMs) || durationMs < 40 || durationMs > 8000) throw new DtmfDigitError(`DTMF duration must be 40-8000 ms, got ${durationMs}`);
  if (!Number.isInteger(volume) || volume < 0 || volume > 63) throw new DtmfDigitError(`DTMF volume must be 0-63 (−dBm0), got ${volume}`);
  if (!Number.isFinite(gapMs) || gapMs < 0) throw new DtmfDigitError(`DTMF gap must be ≥ 0 ms, got ${gapMs}`);
  return { durationMs, volume, gapMs };
}

/**
 * The packets a sender emits for one digit at 20 ms packetisation: the first with the marker bit,
 * an update every tick with the duration so far, then the end packet three times.
 */
export function dtmfPacketPlan(digit: string, options?: DtmfToneOptions & { clockRate?: number }): DtmfPacketPlan[] {
  const event = eventOfDigit(digit);
  const { durationMs, volume } = checkedTone(options);
  const clockRate = options?.clockRate ?? 8000;
  const perTick = (clockRate * 20) / 1000;
  const total = Math.min(0xffff, Math.round((durationMs * clockRate) / 1000));
  const plan: DtmfPacketPlan[] = [];
  let tick = 0;
  for (let duration = perTick; duration < total; duration += perTick, tick++) {
    const payload = Buffer.alloc(4);
    writeTelephoneEvent(payload, 0, event, false, volume, duration);
    plan.push({ tick, marker: tick === 0, end: false, duration, payload });
  }
  for (let i = 0; i < 3; i++) {
    const payload = Buffer.alloc(4);
    writeTelephoneEvent(payload, 0, event, true, volume, total);
    plan.push({ tick, marker: tick === 0 && i === 0, end: true, duration: total, payload });
  }
  return plan;
}

/** Where the sender puts a packet: payload (reused: copy it before returning), marker, event timestamp. */
export type DtmfPacketSink = (payload: Uint8Array, marker: boolean, eventTimestamp: number) => void;

export interface DtmfSenderOptions {
  /** The negotiated telephone-event payload type (101 is common; take it from the SDP). */
  readonly payloadType: number;
  readonly clockRate?: number;
}

interface QueuedDigit {
  readonly event: number;
  readonly digit: DtmfDigit;
  readonly total: number;
  readonly volume: number;
  readonly gapTicks: number;
}

/**
 * Sends queued digits as RFC 4733 packets, driven by the leg's 20 ms tick. While `tick` returns
 * true the tick belongs to DTMF and the leg sends no audio (but still advances its timestamp).
 */
export class DtmfSender {
  readonly payloadType: number;
  private readonly perTick: number;
  private readonly clockRate: number;
  private readonly queue: QueuedDigit[] = [];
  private current: QueuedDigit | null = null;
  private eventTimestamp = 0;
  private elapsed = 0;
  private gapLeft = 0;
  private readonly payload = Buffer.alloc(4);
  /** Called after a digit's end packets went out. */
  onDigitSent: ((digit: DtmfDigit) => void) | null = null;

  constructor(options: DtmfSenderOptions) {
    if (!Number.isInteger(options.payloadType) || options.payloadType < 96 || options.payloadType > 127) {
      throw new DtmfDigitError(`telephone-event payload type must be dynamic (96-127), got ${options.payloadType}`);
    }
    this.payloadType = options.payloadType;
    this.clockRate = options.clockRate ?? 8000;
    this.perTick = (this.clockRate * 20) / 1000;
  }

  /** Queues digits (validated all first: nothing is queued when one is invalid). */
  enqueue(digits: string, options?: DtmfToneOptions): void {
    const { durationMs, volume, gapMs } = checkedTone(options);
    const events = [...digits].map(eventOfDigit);
    const total = Math.min(0xffff, Math.round((durationMs * this.clockRate) / 1000));
    for (const event of events) {
      this.queue.push({ event, digit: DTMF_EVENT_DIGITS[event]!, total, volume, gapTicks: Math.ceil(gapMs / 20) });
    }
  }

  /** True while a digit is being sent or waiting. */
  get busy(): boolean {
    return this.current !== null || this.queue.length > 0 || this.gapLeft > 0;
  }

  /** Digits waiting (not counting the one being sent). */
  get pending(): number {
    return this.queue.length;
  }

  cancel(): void {
    this.queue.length = 0;
    this.current = null;
    this.gapLeft = 0;
  }

  /**
   * One 20 ms tick. `timestamp` is the RTP timestamp this tick's audio would carry (a new digit
   * takes it as its event timestamp). Sends 0, 1 or 3 packets through `sink`; true = no audio now.
   */
  tick(timestamp: number, sink: DtmfPacketSink): boolean {
    if (!this.current) {
      if (this.gapLeft > 0) {
        this.gapLeft--;
        return false;
      }
      const next = this.queue.shift();
      if (!next) return false;
      this.current = next;
      this.eventTimestamp = timestamp >>> 0;
      this.elapsed = 0;
    }
    const digit = this.current;
    this.elapsed += this.perTick;
    if (this.elapsed < digit.total) {
      writeTelephoneEvent(this.payload, 0, digit.event, false, digit.volume, this.elapsed);
      sink(this.payload, this.elapsed === this.perTick, this.eventTimestamp);
      return true;
    }
    writeTelephoneEvent(this.payload, 0, digit.event, true, digit.volume, digit.total);
    const marker = this.elapsed === this.perTick;
    for (let i = 0; i < 3; i++) sink(this.payload, marker && i === 0, this.eventTimestamp);
    this.current = null;
    this.gapLeft = digit.gapTicks;
    this.onDigitSent?.(digit.digit);
    return true;
  }
}
