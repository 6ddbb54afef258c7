// G.711 µ-law (PCMU, static PT 0) and A-law (PCMA, static PT 8) through lookup tables built once
// per process from the ITU-T G.711 segment rules: decode is one Int16Array read per sample, encode
// one Uint8Array read (µ-law indexed by the top 14 bits, A-law by the top 13), transcoding µ↔A one
// 256-entry table read per byte.

export type G711Codec = 'pcmu' | 'pcma';

export const PT_PCMU = 0;
export const PT_PCMA = 8;
/** The code for digital silence (PCM 0): µ-law 0xFF, A-law 0xD5. */
export const PCMU_SILENCE = 0xff;
export const PCMA_SILENCE = 0xd5;

export class UnsupportedCodecError extends Error {
  override readonly name = 'UnsupportedCodecError';
}

function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  let t = ((u & 0x0f) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

const ULAW_SEG_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const ALAW_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function segment(value: number, ends: readonly number[]): number {
  for (let i = 0; i < ends.length; i++) if (value <= ends[i]!) return i;
  return ends.length;
}

/** µ-law code of a 14-bit sample (the 16-bit sample >> 2). */
function linear14ToUlaw(sample14: number): number {
  let value = sample14;
  let mask = 0xff;
  if (value < 0) {
    value = -value;
    mask = 0x7f;
  }
  if (value > 8159) value = 8159;
  value += 0x84 >> 2;
  const seg = segment(value, ULAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((value >> (seg + 1)) & 0x0f)) ^ mask;
}

/** A-law code of a 13-bit sample (the 16-bit sample >> 3). */
function linear13ToAlaw(sample13: number): number {
  let value = sample13;
  let mask = 0xd5;
  if (value < 0) {
    mask = 0x55;
    value = -value - 1;
  }
  const seg = segment(value, ALAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  const quant = seg < 2 ? (value >> 1) & 0x0f : (value >> seg) & 0x0f;
  return ((seg << 4) | quant) ^ mask;
}

/** µ-law code → PCM16. */
export const ULAW_DECODE = new Int16Array(256);
/** A-law code → PCM16. */
export const ALAW_DECODE = new Int16Array(256);
/** µ-law code of a PCM16 sample `s`, indexed by `(s >> 2) & 0x3fff`. */
const ULAW_ENCODE = new Uint8Array(1 << 14);
/** A-law code of a PCM16 sample `s`, indexed by `(s >> 3) & 0x1fff`. */
const ALAW_ENCODE = new Uint8Array(1 << 13);
/** µ-law code → the A-law code nearest its value, and back. */
export const ULAW_TO_ALAW = new Uint8Array(256);
export const ALAW_TO_ULAW = new Uint8Array(256);

for (let code = 0; code < 256; code++) {
  ULAW_DECODE[code] = ulawToLinear(code);
  ALAW_DECODE[code] = alawToLinear(code);
}
for (let i = 0; i < 1 << 14; i++) ULAW_ENCODE[i] = linear14ToUlaw(i >= 1 << 13 ? i - (1 << 14) : i);
for (let i = 0; i < 1 << 13; i++) ALAW_ENCODE[i] = linear13ToAlaw(i >= 1 << 12 ? i - (1 << 13) : i);
for (let code = 0; code < 256; code++) {
  ULAW_TO_ALAW[code] = ALAW_ENCODE[(ULAW_DECODE[code]! >> 3) & 0x1fff]!;
  ALAW_TO_ULAW[code] = ULAW_ENCODE[(ALAW_DECODE[code]! >> 2) & 0x3fff]!;
}

export function encodeUlawSample(sample: number): number {
  return ULAW_ENCODE[(sample >> 2) & 0x3fff]!;
}

export function encodeAlawSample(sample: number): number {
  return ALAW_ENCODE[(sample >> 3) & 0x1fff]!;
}

/** Decodes `src` into `dst` from `dstOffset`; returns the number of samples written. */
export function decodeG711(codec: G711Codec, src: Uint8Array, dst: Int16Array, dstOffset = 0): number {
  const table = codec === 'pcmu' ? ULAW_DECODE : ALAW_DECODE;
  const n = Math.min(src.length, dst.length - dstOffset);
  for (let i = 0; i < n; i++) dst[dstOffset + i] = table[src[i]!]!;
  return n;
}

/** Encodes `length` samples of `src` from `srcOffset` into `dst` (from 0); returns bytes written. */
export function encodeG711(codec: G711Codec, src: Int16Array, dst: Uint8Array, srcOffset = 0, length = src.length - srcOffset): number {
  const n = Math.min(length, dst.length);
  if (codec === 'pcmu') {
    for (let i = 0; i < n; i++) dst[i] = ULAW_ENCODE[(src[srcOffset + i]! >> 2) & 0x3fff]!;
  } else {
    for (let i = 0; i < n; i++) dst[i] = ALAW_ENCODE[(src[srcOffset + i]! >> 3) & 0x1fff]!;
  }
  return n;
}

/** Decodes a whole payload into a new Int16Array (convenience; the hot path uses `decodeG711`). */
export function decodeToPcm(codec: G711Codec, src: Uint8Array): Int16Array {
  const out = new Int16Array(src.length);
  decodeG711(codec, src, out);
  return out;
}

/** Encodes PCM into a new Buffer (convenience; the hot path uses `encodeG711`). */
export function encodeFromPcm(codec: G711Codec, src: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(src.length);
  encodeG711(codec, src, out);
  return out;
}

export function silenceCode(codec: G711Codec): number {
  return codec === 'pcmu' ? PCMU_SILENCE : PCMA_SILENCE;
}

export function payloadTypeOf(codec: G711Codec): number {
  return codec === 'pcmu' ? PT_PCMU : PT_PCMA;
}

/** The G.711 codec of a static payload type, or null for any other payload type. */
export function codecOfPayloadType(payloadType: number): G711Codec | null {
  if (payloadType === PT_PCMU) return 'pcmu';
  if (payloadType === PT_PCMA) return 'pcma';
  return null;
}

/**
 * Converts a G.711 payload between payload types 0 (PCMU) and 8 (PCMA) without going through
 * PCM. Same type in and out returns `payload` itself. Writes into `out` when given (it must hold
 * `payload.length` bytes), else into a new Buffer. Throws `UnsupportedCodecError` for other types.
 */
export function transcode(payload: Uint8Array, fromPt: number, toPt: number, out?: Uint8Array): Uint8Array {
  const from = codecOfPayloadType(fromPt);
  const to = codecOfPayloadType(toPt);
  if (!from || !to) throw new UnsupportedCodecError(`transcode supports payload types 0 (PCMU) and 8 (PCMA), got ${fromPt} → ${toPt}`);
  if (from === to) return payload;
  const target = out ?? Buffer.allocUnsafe(payload.length);
  if (target.length < payload.length) throw new UnsupportedCodecError(`transcode output holds ${target.length} bytes, payload has ${payload.length}`);
  const table = from === 'pcmu' ? ULAW_TO_ALAW : ALAW_TO_ULAW;
  for (let i = 0; i < payload.length; i++) target[i] = table[payload[i]!]!;
  return target;
}
