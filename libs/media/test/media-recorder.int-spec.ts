// The streaming stereo recorder on disk: 3 s of 440 Hz left / 1000 Hz right, a 1 s pause, then
// more audio; the file is read back and checked (header sizes, duration, per-channel tones).
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav, dominantFrequency, renderTone, WavRecorder } from '../src';

const CANDIDATES = [300, 440, 700, 1000, 1500];

function channel(samples: Int16Array, which: 0 | 1): Int16Array {
  return samples.filter((_, i) => i % 2 === which);
}

describe('WavRecorder on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'media-rec-int-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['pcm16', 'pcmu'] as const)(
    '%s: 3 s recorded, 1 s paused (not written), 1 s more; sizes, duration and channels check out',
    async (encoding) => {
      const path = join(dir, `stereo-${encoding}.wav`);
      const left = renderTone({ frequencies: [440], durationMs: 5000, amplitude: 8000 });
      const right = renderTone({ frequencies: [1000], durationMs: 5000, amplitude: 8000 });
      const paused = renderTone({ frequencies: [1500], durationMs: 5000, amplitude: 8000 });
      const rec = await WavRecorder.open({ path, encoding });
      const frame = (pcm: Int16Array, i: number): Int16Array => pcm.subarray(i * 160, (i + 1) * 160);
      let i = 0;
      for (; i < 150; i++) rec.writeFrame(frame(left, i), frame(right, i));
      rec.pause();
      for (; i < 200; i++) rec.writeFrame(frame(paused, i), frame(paused, i));
      rec.resume();
      for (; i < 250; i++) rec.writeFrame(frame(left, i), frame(right, i));
      const result = await rec.close();

      const bytesPerSecond = encoding === 'pcm16' ? 32000 : 16000;
      const header = encoding === 'pcm16' ? 44 : 58;
      expect(result).toEqual({ path, durationMs: 4000, pausedMs: 1000, dataBytes: 4 * bytesPerSecond, bytes: header + 4 * bytesPerSecond });
      expect((await stat(path)).size).toBe(result.bytes);

      const file = await readFile(path);
      expect(file.readUInt32LE(4)).toBe(file.length - 8); // RIFF size
      expect(file.readUInt32LE(header - 4)).toBe(4 * bytesPerSecond); // data size
      const wav = decodeWav(file);
      expect(wav).toMatchObject({ encoding, channels: 2, sampleRate: 8000, durationMs: 4000, truncated: false });

      const l = channel(wav.samples, 0);
      const r = channel(wav.samples, 1);
      for (const start of [0.5, 2.5, 3.2]) {
        const at = start * 8000;
        const lf = dominantFrequency(l, CANDIDATES, 8000, at, 2400);
        const rf = dominantFrequency(r, CANDIDATES, 8000, at, 2400);
        expect([lf.frequency, rf.frequency]).toEqual([440, 1000]);
        expect(lf.share).toBeGreaterThan(0.9);
        expect(rf.share).toBeGreaterThan(0.9);
      }
      // Nothing of what was said during the pause is in the file.
      expect(dominantFrequency(l, [1500, 440], 8000, 0, l.length).frequency).toBe(440);
      expect(dominantFrequency(r, [1500], 8000, 0, r.length).share).toBeLessThan(0.01);
    },
  );
});
