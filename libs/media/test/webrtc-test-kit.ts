// Helpers for the WebRTC leg integration tests: G.711 tone frames (an encoder of their own, so the
// tests do not trust the code under test), a UDP tap that sits between two
// legs like a NAT (so tests can read RTP headers on the wire), and small waiting helpers.
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

export const SAMPLES_PER_FRAME = 160;

/** ITU-T G.711 µ-law encoder for one 16-bit linear sample. */
export function linearToMulaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let value = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = value < 0 ? 0x80 : 0;
  if (sign) value = -value;
  value = Math.min(value, CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (value & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (value >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** ITU-T G.711 A-law encoder for one 16-bit linear sample (13-bit segments, even bits inverted). */
export function linearToAlaw(sample: number): number {
  let value = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3;
  let mask: number;
  if (value >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    value = -value - 1;
  }
  let segment = 0;
  while (segment < 8 && value > (0x20 << segment) - 1) segment++;
  if (segment >= 8) return 0x7f ^ mask;
  const mantissa = segment < 2 ? (value >> 1) & 0x0f : (value >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

export function mulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return u & 0x80 ? -magnitude : magnitude;
}

export function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  let magnitude = (a & 0x0f) << 4;
  magnitude = exponent === 0 ? magnitude + 8 : (magnitude + 0x108) << (exponent - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

/** Consecutive 20 ms µ-law frames of a sine tone (phase continuous across frames). */
export function mulawToneFrames(frequencyHz: number, frames: number, amplitude = 8000): Buffer[] {
  const out: Buffer[] = [];
  for (let frame = 0; frame < frames; frame++) {
    const payload = Buffer.alloc(SAMPLES_PER_FRAME);
    for (let i = 0; i < SAMPLES_PER_FRAME; i++) {
      const n = frame * SAMPLES_PER_FRAME + i;
      payload[i] = linearToMulaw(amplitude * Math.sin((2 * Math.PI * frequencyHz * n) / 8000));
    }
    out.push(payload);
  }
  return out;
}

/** Consecutive 20 ms frames of a sine tone in either G.711 law (phase continuous across frames). */
export function g711ToneFrames(codec: 'pcmu' | 'pcma', frequencyHz: number, frames: number, amplitude = 8000): Buffer[] {
  if (codec === 'pcmu') return mulawToneFrames(frequencyHz, frames, amplitude);
  const out: Buffer[] = [];
  for (let frame = 0; frame < frames; frame++) {
    const payload = Buffer.alloc(SAMPLES_PER_FRAME);
    for (let i = 0; i < SAMPLES_PER_FRAME; i++) {
      const n = frame * SAMPLES_PER_FRAME + i;
      payload[i] = linearToAlaw(amplitude * Math.sin((2 * Math.PI * frequencyHz * n) / 8000));
    }
    out.push(payload);
  }
  return out;
}

/** A G.711 frame decoded to 16-bit linear samples. */
export function g711ToLinear(payload: Uint8Array, codec: 'pcmu' | 'pcma'): Int16Array {
  const decode = codec === 'pcmu' ? mulawToLinear : alawToLinear;
  return Int16Array.from(payload, decode);
}

/** Root mean square of a G.711 frame, in 16-bit linear units (0 = digital silence). */
export function g711Rms(payload: Buffer, codec: 'pcmu' | 'pcma'): number {
  const decode = codec === 'pcmu' ? mulawToLinear : alawToLinear;
  let sum = 0;
  for (const byte of payload) sum += decode(byte) ** 2;
  return Math.sqrt(sum / Math.max(1, payload.length));
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(10);
  }
}

/** Sends frames every 20 ms (drift-corrected) through `send`. */
export async function paceFrames(frames: readonly Buffer[], send: (frame: Buffer) => void): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < frames.length; i++) {
    const due = start + i * 20 - performance.now();
    if (due > 0) await delay(due);
    send(frames[i]!);
  }
}

export type WireDirection = 'offererToAnswerer' | 'answererToOfferer';

/** Counts of RTP packets seen on the wire per payload type, and of other packet kinds. */
export interface WireCounts {
  rtpByPayloadType: Map<number, number>;
  rtcp: number;
  stun: number;
  dtls: number;
}

function emptyCounts(): WireCounts {
  return { rtpByPayloadType: new Map(), rtcp: 0, stun: 0, dtls: 0 };
}

/**
 * A UDP relay between an offerer and an answerer on 127.0.0.1. It rewrites the host candidate in
 * each description to one of its own ports, forwards every datagram, and classifies what it sees
 * (RFC 7983 demultiplexing; SRTP leaves the RTP header in clear, so payload types are visible).
 */
export class UdpWireTap {
  readonly seen: Record<WireDirection, WireCounts> = { offererToAnswerer: emptyCounts(), answererToOfferer: emptyCounts() };
  private offererPort: number | undefined;
  private answererPort: number | undefined;
  private closed = false;

  private constructor(
    /** Faces the answerer: advertised to it as the offerer's candidate. */
    private readonly towardAnswerer: Socket,
    /** Faces the offerer: advertised to it as the answerer's candidate. */
    private readonly towardOfferer: Socket,
  ) {
    towardOfferer.on('message', (data) => {
      this.classify(data, this.seen.offererToAnswerer);
      if (this.answererPort) towardAnswerer.send(data, this.answererPort, '127.0.0.1');
    });
    towardAnswerer.on('message', (data) => {
      this.classify(data, this.seen.answererToOfferer);
      if (this.offererPort) towardOfferer.send(data, this.offererPort, '127.0.0.1');
    });
  }

  static async start(): Promise<UdpWireTap> {
    const bind = async (): Promise<Socket> => {
      const socket = createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      return socket;
    };
    return new UdpWireTap(await bind(), await bind());
  }

  /** Rewrites the offer so the answerer sends to the tap. */
  interceptOffer(sdp: string): string {
    const { sdp: rewritten, port } = rewriteHostCandidate(sdp, (this.towardAnswerer.address() as AddressInfo).port);
    this.offererPort = port;
    return rewritten;
  }

  /** Rewrites the answer so the offerer sends to the tap. */
  interceptAnswer(sdp: string): string {
    const { sdp: rewritten, port } = rewriteHostCandidate(sdp, (this.towardOfferer.address() as AddressInfo).port);
    this.answererPort = port;
    return rewritten;
  }

  rtpCount(direction: WireDirection, payloadType: number): number {
    return this.seen[direction].rtpByPayloadType.get(payloadType) ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.towardAnswerer, this.towardOfferer].map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
  }

  private classify(data: Buffer, counts: WireCounts): void {
    const first = data[0] ?? 0;
    if (first <= 3) counts.stun++;
    else if (first >= 20 && first <= 63) counts.dtls++;
    else if (first >= 128 && first <= 191 && data.length >= 12) {
      const second = data[1]!;
      // RTCP packet types 192–223 overlap RTP payload types 64–95 with the marker bit (RFC 5761).
      if (second >= 192 && second <= 223) counts.rtcp++;
      else {
        const payloadType = second & 0x7f;
        counts.rtpByPayloadType.set(payloadType, (counts.rtpByPayloadType.get(payloadType) ?? 0) + 1);
      }
    }
  }
}

function rewriteHostCandidate(sdp: string, tapPort: number): { sdp: string; port: number } {
  let original: number | undefined;
  const rewritten = sdp.replace(/^(a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 )(\d+)( typ host.*)$/gm, (_line, head: string, port: string, tail: string) => {
    original ??= Number(port);
    return `${head}${tapPort}${tail}`;
  });
  if (original === undefined) throw new Error('no 127.0.0.1 UDP host candidate to intercept in the SDP');
  return { sdp: rewritten, port: original };
}

/** Number of open resources of one kind (e.g. 'UDPWrap'), to check that closing released them. */
export function activeResources(kind: string): number {
  return process.getActiveResourcesInfo().filter((name) => name === kind).length;
}
