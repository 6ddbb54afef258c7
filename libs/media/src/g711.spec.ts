import {
  ALAW_DECODE,
  codecOfPayloadType,
  decodeG711,
  decodeToPcm,
  encodeAlawSample,
  encodeFromPcm,
  encodeG711,
  encodeUlawSample,
  transcode,
  ULAW_DECODE,
  UnsupportedCodecError,
} from './g711';

function snrDb(reference: Int16Array, actual: Int16Array): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < reference.length; i++) {
    signal += reference[i]! ** 2;
    noise += (reference[i]! - actual[i]!) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

function sine(frequency: number, amplitude: number, samples = 8000): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequency * i) / 8000));
  return out;
}

describe('G.711 tables', () => {
  it('decode the ITU reference values', () => {
    expect(ULAW_DECODE[0xff]).toBe(0);
    expect(ULAW_DECODE[0x7f]).toBe(0);
    expect(ULAW_DECODE[0x80]).toBe(32124);
    expect(ULAW_DECODE[0x00]).toBe(-32124);
    expect(ALAW_DECODE[0xd5]).toBe(8);
    expect(ALAW_DECODE[0x55]).toBe(-8);
    expect(ALAW_DECODE[0xaa]).toBe(32256);
    expect(ALAW_DECODE[0x2a]).toBe(-32256);
  });

  it('encode silence and the extremes to the reference codes', () => {
    expect(encodeUlawSample(0)).toBe(0xff);
    expect(encodeUlawSample(32767)).toBe(0x80);
    expect(encodeUlawSample(-32768)).toBe(0x00);
    expect(encodeAlawSample(0)).toBe(0xd5);
    expect(encodeAlawSample(32767)).toBe(0xaa);
    expect(encodeAlawSample(-32768)).toBe(0x2a);
  });

  it.each(['pcmu', 'pcma'] as const)('%s: every code survives decode → encode → decode', (codec) => {
    const codes = new Uint8Array(256).map((_, i) => i);
    const pcm = decodeToPcm(codec, codes);
    const again = decodeToPcm(codec, encodeFromPcm(codec, pcm));
    expect([...again]).toEqual([...pcm]);
  });

  it.each(['pcmu', 'pcma'] as const)('%s: a loud and a quiet tone come back with the G.711 signal-to-noise ratio', (codec) => {
    for (const amplitude of [20000, 300]) {
      const original = sine(1000, amplitude);
      const bytes = new Uint8Array(original.length);
      encodeG711(codec, original, bytes);
      const decoded = new Int16Array(original.length);
      expect(decodeG711(codec, bytes, decoded)).toBe(original.length);
      expect(snrDb(original, decoded)).toBeGreaterThan(amplitude > 1000 ? 35 : 25);
    }
  });

  it('encodes a slice of the source and never writes past the destination', () => {
    const src = Int16Array.from([0, 0, 32767, -32768, 0]);
    const dst = new Uint8Array(2);
    expect(encodeG711('pcmu', src, dst, 2)).toBe(2);
    expect([...dst]).toEqual([0x80, 0x00]);
    const out = new Int16Array(3);
    expect(decodeG711('pcmu', Uint8Array.from([0x80, 0x80, 0x80, 0x80]), out, 1)).toBe(2);
    expect([...out]).toEqual([0, 32124, 32124]);
  });
});

describe('transcode', () => {
  it('maps every µ-law code to the A-law code of the nearest value, and back', () => {
    const codes = new Uint8Array(256).map((_, i) => i);
    const alaw = transcode(codes, 0, 8);
    for (let code = 0; code < 256; code++) {
      const value = ULAW_DECODE[code]!;
      const got = ALAW_DECODE[alaw[code]!]!;
      // The A-law step at this level bounds the error: 16 up to 512, doubling per segment.
      const step = Math.max(16, 2 ** Math.ceil(Math.log2(Math.abs(value) + 1)) / 16);
      expect(Math.abs(got - value)).toBeLessThanOrEqual(step);
    }
    const back = transcode(alaw, 8, 0);
    let same = 0;
    for (let code = 0; code < 256; code++) if (ULAW_DECODE[back[code]!] === ULAW_DECODE[code]) same++;
    expect(same).toBeGreaterThan(200); // µ-law is finer near 0, so a few small codes merge
  });

  it('returns the payload itself for the same type and writes into a given buffer', () => {
    const payload = Buffer.from([0xff, 0x80]);
    expect(transcode(payload, 0, 0)).toBe(payload);
    const out = Buffer.alloc(2);
    expect(transcode(payload, 0, 8, out)).toBe(out);
    expect([...out]).toEqual([0xd5, 0xaa]);
  });

  it('refuses payload types other than 0 and 8', () => {
    expect(() => transcode(Buffer.alloc(1), 0, 18)).toThrow(UnsupportedCodecError);
    expect(() => transcode(Buffer.alloc(1), 101, 0)).toThrow(/payload types 0 \(PCMU\) and 8 \(PCMA\), got 101 → 0/);
    expect(codecOfPayloadType(8)).toBe('pcma');
    expect(codecOfPayloadType(9)).toBeNull();
  });
});
