import { decodeWav, encodeWav, parseWavHeader, WavFormatError, writeWavHeader } from './wav';

function pcm(values: number[]): Int16Array {
  return Int16Array.from(values);
}

function expectWavError(buf: Buffer, field: string, message: RegExp): void {
  try {
    parseWavHeader(buf, 'prompt.wav');
  } catch (e) {
    expect(e).toBeInstanceOf(WavFormatError);
    expect((e as WavFormatError).field).toBe(field);
    expect((e as Error).message).toMatch(/^prompt\.wav: /);
    expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a WavFormatError');
}

describe('WAV reading', () => {
  it.each(['pcm16', 'pcmu', 'pcma'] as const)('decodes an 8 kHz mono %s file', (encoding) => {
    const samples = pcm([0, 1000, -1000, 32000, -32000, 8]);
    const audio = decodeWav(encodeWav(samples, { encoding }));
    expect(audio).toMatchObject({ encoding, sampleRate: 8000, channels: 1, frames: 6, truncated: false });
    expect(audio.durationMs).toBeCloseTo(0.75);
    if (encoding === 'pcm16') expect([...audio.samples]).toEqual([...samples]);
    else for (let i = 0; i < 6; i++) expect(Math.abs(audio.samples[i]! - samples[i]!)).toBeLessThanOrEqual(Math.abs(samples[i]!) / 16 + 16);
  });

  it('skips unknown chunks, including odd-sized ones with their pad byte', () => {
    const plain = encodeWav(pcm([5, 6, 7]));
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.from([0])]);
    const withList = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);
    withList.writeUInt32LE(withList.length - 8, 4);
    expect([...decodeWav(withList).samples]).toEqual([5, 6, 7]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE PCM', () => {
    const fmt = Buffer.alloc(48);
    fmt.write('fmt ', 0, 'latin1');
    fmt.writeUInt32LE(40, 4);
    fmt.writeUInt16LE(0xfffe, 8);
    fmt.writeUInt16LE(1, 10);
    fmt.writeUInt32LE(8000, 12);
    fmt.writeUInt32LE(16000, 16);
    fmt.writeUInt16LE(2, 20);
    fmt.writeUInt16LE(16, 22);
    fmt.writeUInt16LE(22, 24);
    fmt.writeUInt16LE(16, 26);
    fmt.writeUInt16LE(1, 32); // sub-format: PCM
    const data = Buffer.from('data\x04\x00\x00\x00\x01\x00\x02\x00', 'latin1');
    const file = Buffer.concat([Buffer.from('RIFF\x00\x00\x00\x00WAVE', 'latin1'), fmt, data]);
    expect([...decodeWav(file).samples]).toEqual([1, 2]);
  });

  it('flags a data chunk cut short and reads what is there', () => {
    const file = encodeWav(pcm([1, 2, 3, 4]));
    const cut = file.subarray(0, file.length - 3);
    const audio = decodeWav(cut);
    expect(audio).toMatchObject({ truncated: true, declaredDataBytes: 8, dataBytes: 4, frames: 2 });
  });

  describe('names what is wrong with a bad file', () => {
    const good = encodeWav(pcm([1, 2]));
    const patch = (at: number, write: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(good);
      write(b.subarray(at));
      return b;
    };
    it.each([
      ['riff', Buffer.from('RIFF'), /too short/],
      ['riff', Buffer.from('ID3\x03 this is an mp3 file.....'), /does not start with "RIFF"/],
      ['riff', patch(0, (b) => b.write('RIFX')), /RIFX files are not supported/],
      ['wave', patch(8, (b) => b.write('AVI ')), /"AVI ", expected "WAVE"/],
      ['formatTag', patch(20, (b) => b.writeUInt16LE(0x55)), /0x0055 \(MP3\) is not supported/],
      ['bitsPerSample', patch(34, (b) => b.writeUInt16LE(8)), /8 bits per sample is not supported, expected 16/],
      ['blockAlign', patch(32, (b) => b.writeUInt16LE(4)), /4, expected 2/],
      ['channels', patch(22, (b) => b.writeUInt16LE(0)), /0 channels/],
      ['fmt', patch(12, (b) => b.write('junk')).subarray(0, 36), /no fmt chunk/],
      ['data', patch(36, (b) => b.write('junk')), /no data chunk/],
    ])('%s', (field, buf, message) => expectWavError(buf, field, message));

    it('fmt after data', () => {
      const b = Buffer.concat([good.subarray(0, 12), good.subarray(36), good.subarray(12, 36)]);
      expectWavError(b, 'fmt', /data chunk comes before any fmt chunk/);
    });

    it('never anything but WavFormatError on random bytes after a RIFF header', () => {
      for (let n = 0; n < 500; n++) {
        const junk = Buffer.from(Array.from({ length: 12 + (n % 60) }, (_, i) => (i * 7919 + n * 104729) & 0xff));
        junk.write('RIFF', 0);
        junk.write('WAVE', 8);
        try {
          decodeWav(junk);
        } catch (e) {
          expect(e).toBeInstanceOf(WavFormatError);
        }
      }
    });
  });
});

describe('writeWavHeader', () => {
  it('writes a 58-byte G.711 header with fmt cbSize and a fact chunk', () => {
    const header = Buffer.alloc(58);
    expect(writeWavHeader(header, { encoding: 'pcmu', sampleRate: 8000, channels: 2, dataBytes: 3200 })).toBe(58);
    expect(header.readUInt32LE(4)).toBe(3200 + 50);
    expect(header.readUInt16LE(20)).toBe(7);
    expect(header.readUInt32LE(28)).toBe(16000);
    expect(header.toString('latin1', 38, 42)).toBe('fact');
    expect(header.readUInt32LE(46)).toBe(1600);
    expect(header.readUInt32LE(54)).toBe(3200);
  });
});
