// WAV (RIFF/WAVE) reading and header writing for the formats telephony uses: PCM 16-bit, µ-law
// (format 7) and A-law (format 6), plus WAVE_FORMAT_EXTENSIBLE wrapping one of them. A bad file
// gets a `WavFormatError` naming the field and what was expected, never a RangeError.
import { readFile } from 'node:fs/promises';
import { ALAW_DECODE, encodeAlawSample, encodeUlawSample, ULAW_DECODE } from './g711';

export type WavEncoding = 'pcm16' | 'pcmu' | 'pcma';

export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';

  constructor(
    /** The header field or chunk at fault: riff, wave, fmt, formatTag, channels, sampleRate, ... */
    readonly field: string,
    reason: string,
    readonly source = 'WAV data',
  ) {
    super(`${source}: ${field}: ${reason}`);
  }
}

export interface WavInfo {
  readonly encoding: WavEncoding;
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  readonly blockAlign: number;
  readonly dataOffset: number;
  /** Usable bytes of audio (the declared size, or what the file really holds when it is shorter). */
  readonly dataBytes: number;
  readonly declaredDataBytes: number;
  /** The data chunk is shorter than declared (a recording cut off, or a streaming header). */
  readonly truncated: boolean;
  /** Sample frames (one sample per channel). */
  readonly frames: number;
  readonly durationMs: number;
}

export interface WavAudio extends WavInfo {
  /** Decoded PCM16, channels interleaved. */
  readonly samples: Int16Array;
}

const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

const FORMAT_NAMES: Record<number, string> = { 2: 'MS ADPCM', 3: 'IEEE float', 0x11: 'IMA ADPCM', 0x31: 'GSM 6.10', 0x55: 'MP3' };

function fourcc(buf: Buffer, at: number): string {
  return buf.toString('latin1', at, at + 4);
}

/** Reads and checks the RIFF header, the fmt chunk and where the data chunk is. */
export function parseWavHeader(buf: Buffer, source?: string): WavInfo {
  const fail = (field: string, reason: string): never => {
    throw new WavFormatError(field, reason, source);
  };
  if (buf.length < 12) fail('riff', `file is ${buf.length} bytes, too short for a RIFF header (12)`);
  const magic = fourcc(buf, 0);
  if (magic !== 'RIFF') {
    fail('riff', magic === 'RIFX' || magic === 'RF64' ? `${magic} files are not supported, only little-endian RIFF` : 'file does not start with "RIFF" (not a WAV file)');
  }
  if (fourcc(buf, 8) !== 'WAVE') fail('wave', `RIFF form type is "${fourcc(buf, 8)}", expected "WAVE"`);

  let at = 12;
  let fmt: { tag: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | null = null;
  while (at + 8 <= buf.length) {
    const id = fourcc(buf, at);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) fail('fmt', `fmt chunk is ${size} bytes, needs at least 16`);
      let tag = buf.readUInt16LE(body);
      if (tag === FORMAT_EXTENSIBLE) {
        if (size < 40 || body + 26 > buf.length) fail('fmt', 'WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes');
        tag = buf.readUInt16LE(body + 24); // the sub-format GUID starts with the format tag
      }
      fmt = {
        tag,
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        blockAlign: buf.readUInt16LE(body + 12),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) fail('fmt', 'data chunk comes before any fmt chunk');
      const f = fmt!;
      let encoding: WavEncoding;
      if (f.tag === FORMAT_PCM) {
        if (f.bits !== 16) fail('bitsPerSample', `PCM with ${f.bits} bits per sample is not supported, expected 16`);
        encoding = 'pcm16';
      } else if (f.tag === FORMAT_MULAW || f.tag === FORMAT_ALAW) {
        if (f.bits !== 8) fail('bitsPerSample', `G.711 with ${f.bits} bits per sample, expected 8`);
        encoding = f.tag === FORMAT_MULAW ? 'pcmu' : 'pcma';
      } else {
        const name = FORMAT_NAMES[f.tag] ? ` (${FORMAT_NAMES[f.tag]})` : '';
        return fail('formatTag', `format 0x${f.tag.toString(16).padStart(4, '0')}${name} is not supported; expected PCM 16-bit (1), A-law (6) or µ-law (7)`);
      }
      if (f.channels < 1 || f.channels > 8) fail('channels', `${f.channels} channels, expected 1 to 8`);
      if (f.sampleRate < 1000 || f.sampleRate > 192000) fail('sampleRate', `${f.sampleRate} Hz is not a plausible sample rate`);
      const blockAlign = (f.channels * f.bits) / 8;
      if (f.blockAlign !== blockAlign) fail('blockAlign', `${f.blockAlign}, expected ${blockAlign} for ${f.channels} channel(s) of ${f.bits} bits`);
      const available = buf.length - body;
      const truncated = size > available;
      const usable = Math.min(size, available);
      const dataBytes = usable - (usable % blockAlign);
      const frames = dataBytes / blockAlign;
      return {
        encoding,
        sampleRate: f.sampleRate,
        channels: f.channels,
        bitsPerSample: f.bits,
        blockAlign,
        dataOffset: body,
        dataBytes,
        declaredDataBytes: size,
        truncated,
        frames,
        durationMs: (frames * 1000) / f.sampleRate,
      };
    }
    at = body + size + (size % 2);
  }
  return fail(fmt ? 'data' : 'fmt', fmt ? 'no data chunk' : 'no fmt chunk');
}

/** Parses and decodes a whole WAV file held in memory to interleaved PCM16. */
export function decodeWav(buf: Buffer, source?: string): WavAudio {
  const info = parseWavHeader(buf, source);
  const data = buf.subarray(info.dataOffset, info.dataOffset + info.dataBytes);
  let samples: Int16Array;
  if (info.encoding === 'pcm16') {
    samples = new Int16Array(info.dataBytes / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = data.readInt16LE(i * 2);
  } else {
    const table = info.encoding === 'pcmu' ? ULAW_DECODE : ALAW_DECODE;
    samples = new Int16Array(info.dataBytes);
    for (let i = 0; i < samples.length; i++) samples[i] = table[data[i]!]!;
  }
  return { ...info, samples };
}

export async function readWavFile(path: string): Promise<WavAudio> {
  return decodeWav(await readFile(path), path);
}

export interface WavHeaderFields {
  readonly encoding: WavEncoding;
  readonly sampleRate: number;
  readonly channels: number;
  /** Bytes of audio that follow the header (0xFFFFFFFF-ish while unknown). */
  readonly dataBytes: number;
}

/** Header length: 44 for PCM; 58 for G.711 (18-byte fmt with cbSize, and the 'fact' chunk it requires). */
export function wavHeaderSize(encoding: WavEncoding): number {
  return encoding === 'pcm16' ? 44 : 58;
}

/** Writes a canonical header into `out` (at 0); returns its length. Sizes are clamped to 32 bits. */
export function writeWavHeader(out: Buffer, fields: WavHeaderFields): number {
  const pcm = fields.encoding === 'pcm16';
  const headerSize = wavHeaderSize(fields.encoding);
  const bits = pcm ? 16 : 8;
  const blockAlign = (fields.channels * bits) / 8;
  const riffSize = Math.min(0xffffffff, fields.dataBytes + headerSize - 8 + (fields.dataBytes % 2));
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(riffSize, 4);
  out.write('WAVE', 8, 'latin1');
  out.write('fmt ', 12, 'latin1');
  out.writeUInt32LE(pcm ? 16 : 18, 16);
  out.writeUInt16LE(pcm ? FORMAT_PCM : fields.encoding === 'pcmu' ? FORMAT_MULAW : FORMAT_ALAW, 20);
  out.writeUInt16LE(fields.channels, 22);
  out.writeUInt32LE(fields.sampleRate, 24);
  out.writeUInt32LE(fields.sampleRate * blockAlign, 28);
  out.writeUInt16LE(blockAlign, 32);
  out.writeUInt16LE(bits, 34);
  let at = 36;
  if (!pcm) {
    out.writeUInt16LE(0, 36); // cbSize
    out.write('fact', 38, 'latin1');
    out.writeUInt32LE(4, 42);
    out.writeUInt32LE(Math.min(0xffffffff, Math.floor(fields.dataBytes / blockAlign)), 46);
    at = 50;
  }
  out.write('data', at, 'latin1');
  out.writeUInt32LE(Math.min(0xffffffff, fields.dataBytes), at + 4);
  return headerSize;
}

/** A complete WAV file in memory from PCM16 samples (interleaved when stereo), encoded as asked. */
export function encodeWav(samples: Int16Array, options: { encoding?: WavEncoding; sampleRate?: number; channels?: number } = {}): Buffer {
  const encoding = options.encoding ?? 'pcm16';
  const channels = options.channels ?? 1;
  const dataBytes = encoding === 'pcm16' ? samples.length * 2 : samples.length;
  const header = wavHeaderSize(encoding);
  const out = Buffer.alloc(header + dataBytes + (dataBytes % 2));
  writeWavHeader(out, { encoding, sampleRate: options.sampleRate ?? 8000, channels, dataBytes });
  if (encoding === 'pcm16') {
    for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, header + i * 2);
  } else {
    const encode = encoding === 'pcmu' ? encodeUlawSample : encodeAlawSample;
    for (let i = 0; i < samples.length; i++) out[header + i] = encode(samples[i]!);
  }
  return out;
}
