// RFC 4733 telephone events (DTMF) carried in RTP: the 4-byte payload, and a receiver that reports
// each key press once although the sender repeats the event for its whole duration and sends the
// final (end) packet three times.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     event     |E|R| volume    |          duration             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

// (The engine's dtmf-rfc4733.ts has a fuller receiver, with long events and a stale timer; this
// one is what a browser leg needs, written to the brief of the WebRTC side.)
import { DTMF_EVENT_DIGITS as DIGITS, type DtmfDigit } from '../dtmf-rfc4733';

export type { DtmfDigit };

export const TELEPHONE_EVENT_PAYLOAD_BYTES = 4;

export interface TelephoneEventPayload {
  /** 0–9, 10 = '*', 11 = '#', 12–15 = A–D; other values (flash, tones) are events, not digits. */
  event: number;
  end: boolean;
  /** Power level of the tone in -dBm0 (0–63). */
  volume: number;
  /** In timestamp units (samples at the telephone-event clock rate). */
  duration: number;
}

/** Strict: one of the 16 digits, upper case, and nothing else. */
export function isDtmfDigitValue(value: unknown): value is DtmfDigit {
  return typeof value === 'string' && (DIGITS as readonly string[]).includes(value);
}

export function dtmfDigitToEvent(digit: DtmfDigit): number {
  return DIGITS.indexOf(digit);
}

/** The digit of an event code, or undefined for events that are not DTMF digits (16 = flash, ...). */
export function eventToDtmfDigit(event: number): DtmfDigit | undefined {
  return DIGITS[event];
}

export function decodeTelephoneEvent(payload: Buffer): TelephoneEventPayload | undefined {
  if (payload.length < TELEPHONE_EVENT_PAYLOAD_BYTES) return undefined;
  const flags = payload[1]!;
  return { event: payload[0]!, end: (flags & 0x80) !== 0, volume: flags & 0x3f, duration: payload.readUInt16BE(2) };
}

export function encodeTelephoneEvent(event: TelephoneEventPayload): Buffer {
  const payload = Buffer.alloc(TELEPHONE_EVENT_PAYLOAD_BYTES);
  payload[0] = event.event & 0xff;
  payload[1] = (event.end ? 0x80 : 0) | (event.volume & 0x3f);
  payload.writeUInt16BE(Math.min(0xffff, Math.max(0, Math.round(event.duration))), 2);
  return payload;
}

export interface ReceivedDtmf {
  digit: DtmfDigit;
  durationMs: number;
}

/**
 * Turns the stream of telephone-event packets of one RTP source into key presses. An event is
 * identified by its RTP timestamp (all packets of one press share it). It is reported on its first
 * end packet; if every end packet was lost, it is reported when the next event starts.
 */
export class TelephoneEventReceiver {
  private current: { timestamp: number; event: number; duration: number } | undefined;
  private lastReportedTimestamp: number | undefined;

  constructor(private readonly clockRate = 8000) {}

  push(payload: Buffer, timestamp: number): ReceivedDtmf[] {
    const decoded = decodeTelephoneEvent(payload);
    if (!decoded || timestamp === this.lastReportedTimestamp) return [];
    const reports: ReceivedDtmf[] = [];
    if (this.current && this.current.timestamp !== timestamp) {
      // A new event began before we saw the end of the previous one: its end packets were lost.
      const lost = this.report(this.current.timestamp, this.current.event, this.current.duration);
      if (lost) reports.push(lost);
      this.current = undefined;
    }
    if (decoded.end) {
      this.current = undefined;
      const ended = this.report(timestamp, decoded.event, decoded.duration);
      if (ended) reports.push(ended);
    } else {
      this.current = { timestamp, event: decoded.event, duration: Math.max(decoded.duration, this.current?.duration ?? 0) };
    }
    return reports;
  }

  private report(timestamp: number, event: number, duration: number): ReceivedDtmf | undefined {
    this.lastReportedTimestamp = timestamp;
    const digit = eventToDtmfDigit(event);
    return digit ? { digit, durationMs: Math.round((duration * 1000) / this.clockRate) } : undefined;
  }
}
