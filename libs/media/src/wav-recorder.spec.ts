import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFromPcm } from './g711';
import { decodeWav } from './wav';
import { WavRecorder, WavRecorderError } from './wav-recorder';

function constant(value: number): Int16Array {
  return new Int16Array(160).fill(value);
}

describe('WavRecorder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'media-rec-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the caller on the left and the agent on the right, with exact header sizes', async () => {
    const path = join(dir, 'lr.wav');
    const rec = await WavRecorder.open({ path });
    for (let i = 0; i < 75; i++) rec.writeFrame(constant(1000), constant(-2000));
    rec.writeFrame(null, constant(7));
    const result = await rec.close();
    expect(result).toEqual({ path, durationMs: 76 * 20, bytes: 44 + 76 * 640, dataBytes: 76 * 640, pausedMs: 0 });
    const file = await readFile(path);
    expect(file.length).toBe(result.bytes);
    const wav = decodeWav(file);
    expect(wav).toMatchObject({ encoding: 'pcm16', channels: 2, sampleRate: 8000, frames: 76 * 160, truncated: false, declaredDataBytes: 76 * 640 });
    expect(file.readUInt32LE(4)).toBe(file.length - 8);
    expect([wav.samples[0], wav.samples[1]]).toEqual([1000, -2000]);
    const last = wav.samples.length - 2;
    expect([wav.samples[last], wav.samples[last + 1]]).toEqual([0, 7]);
  });

  it("drops audio while paused in 'drop' mode and writes silence in 'silence' mode", async () => {
    for (const pauseMode of ['drop', 'silence'] as const) {
      const path = join(dir, `pause-${pauseMode}.wav`);
      const rec = await WavRecorder.open({ path, pauseMode });
      for (let i = 0; i < 10; i++) rec.writeFrame(constant(100), constant(100));
      rec.pause();
      expect(rec.isPaused).toBe(true);
      for (let i = 0; i < 5; i++) rec.writeFrame(constant(9999), constant(9999));
      rec.resume();
      for (let i = 0; i < 10; i++) rec.writeFrame(constant(200), constant(200));
      const result = await rec.close();
      const wav = decodeWav(await readFile(path));
      expect(result.pausedMs).toBe(100);
      expect(result.durationMs).toBe(pauseMode === 'drop' ? 400 : 500);
      expect(wav.durationMs).toBe(result.durationMs);
      expect(wav.samples.includes(9999)).toBe(false);
      if (pauseMode === 'silence') expect(wav.samples[10 * 320]).toBe(0);
    }
  });

  it('keeps a header that matches the data on disk while recording (a crash loses at most the last second)', async () => {
    const path = join(dir, 'midway.wav');
    const rec = await WavRecorder.open({ path, flushFrames: 10 });
    const provisional = await readFile(path);
    expect(provisional.readUInt32LE(40)).toBe(0xffffffff);
    for (let i = 0; i < 25; i++) rec.writeFrame(constant(5), constant(6));
    await new Promise((r) => setTimeout(r, 100));
    const midway = await readFile(path);
    const wav = decodeWav(midway);
    expect(wav.declaredDataBytes).toBe(20 * 640);
    expect(midway.length).toBe(44 + 20 * 640);
    expect(wav.truncated).toBe(false);
    await rec.close();
    expect((await stat(path)).size).toBe(44 + 25 * 640);
  });

  it('records µ-law stereo from PCM and straight from G.711 payloads', async () => {
    const path = join(dir, 'ulaw.wav');
    const rec = await WavRecorder.open({ path, encoding: 'pcmu' });
    rec.writeFrame(constant(1000), constant(-1000));
    rec.writeEncodedFrame('pcmu', encodeFromPcm('pcmu', constant(3000)), null);
    rec.writeEncodedFrame('pcma', null, encodeFromPcm('pcma', constant(3000)));
    const result = await rec.close();
    expect(result.bytes).toBe(58 + 3 * 320);
    const wav = decodeWav(await readFile(path));
    expect(wav).toMatchObject({ encoding: 'pcmu', channels: 2, frames: 480 });
    const near = (a: number, b: number): boolean => Math.abs(a - b) <= Math.abs(b) / 16 + 16;
    expect(near(wav.samples[0]!, 1000) && near(wav.samples[1]!, -1000)).toBe(true);
    expect(near(wav.samples[320]!, 3000) && wav.samples[321]).toBe(0);
    expect(wav.samples[640] === 0 && near(wav.samples[641]!, 3000)).toBe(true);
  });

  it('decodes G.711 payloads into a PCM16 recording', async () => {
    const path = join(dir, 'g711-to-pcm.wav');
    const rec = await WavRecorder.open({ path });
    rec.writeEncodedFrame('pcma', encodeFromPcm('pcma', constant(4096)), encodeFromPcm('pcma', constant(-4096)));
    await rec.close();
    const wav = decodeWav(await readFile(path));
    expect(Math.abs(wav.samples[0]! - 4096)).toBeLessThan(300);
    expect(Math.abs(wav.samples[1]! + 4096)).toBeLessThan(300);
  });

  it('ignores frames after close and fails clearly when the file cannot be created', async () => {
    const rec = await WavRecorder.open({ path: join(dir, 'closed.wav') });
    const result = await rec.close();
    rec.writeFrame(constant(1), constant(1));
    expect(await rec.close()).toEqual(result);
    await expect(WavRecorder.open({ path: join(dir, 'missing-dir', 'x.wav') })).rejects.toThrow(WavRecorderError);
  });
});
