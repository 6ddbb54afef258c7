import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeG711 } from './g711';
import { dominantFrequency } from './goertzel';
import { MusicOnHold } from './music-on-hold';
import { type PlaybackEnd, Prompt, PromptCache, PromptPlayer } from './prompt-player';
import { renderTone, TONE_PATTERNS } from './tone';
import { encodeWav, WavFormatError } from './wav';

function ramp(samples: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => i);
}

describe('Prompt', () => {
  it('pads to whole 20 ms frames and keeps the real duration', () => {
    const prompt = Prompt.fromPcm(ramp(170));
    expect(prompt.frameCount).toBe(2);
    expect(prompt.durationMs).toBeCloseTo(21.25);
    expect(prompt.pcmFrame(1)[9]).toBe(169);
    expect(prompt.pcmFrame(1)[10]).toBe(0);
  });

  it('encodes once per codec and shares the frames', () => {
    const prompt = Prompt.fromPcm(renderTone({ frequencies: [1000], durationMs: 100 }));
    const frames = prompt.framesFor('pcmu');
    expect(prompt.framesFor('pcmu')).toBe(frames);
    expect(frames).toHaveLength(5);
    const pcm = new Int16Array(160);
    decodeG711('pcmu', frames[2]!, pcm);
    expect(dominantFrequency(pcm, [440, 1000]).frequency).toBe(1000);
  });

  it('accepts 8 kHz mono WAV and names the problem with anything else', () => {
    expect(Prompt.fromWav(encodeWav(ramp(320), { encoding: 'pcma' }), 'a.wav').frameCount).toBe(2);
    expect(() => Prompt.fromWav(encodeWav(ramp(320), { sampleRate: 16000 }), 'wide.wav')).toThrow(
      /wide\.wav: sampleRate: 16000 Hz; prompts must be 8000 Hz/,
    );
    expect(() => Prompt.fromWav(encodeWav(ramp(320), { channels: 2 }), 'st.wav')).toThrow(WavFormatError);
    expect(() => Prompt.fromWav(encodeWav(new Int16Array(0)), 'empty.wav')).toThrow(/holds no audio/);
  });
});

describe('PromptCache', () => {
  it('loads a file once and forgets failures', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'media-prompt-'));
    try {
      const path = join(dir, 'p.wav');
      await writeFile(path, encodeWav(ramp(160)));
      const cache = new PromptCache();
      const [a, b] = await Promise.all([cache.load(path), cache.load(path)]);
      expect(a).toBe(b);
      await expect(cache.load(join(dir, 'missing.wav'))).rejects.toThrow(/ENOENT/);
      await writeFile(join(dir, 'missing.wav'), encodeWav(ramp(160)));
      await expect(cache.load(join(dir, 'missing.wav'))).resolves.toBeInstanceOf(Prompt);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('PromptPlayer', () => {
  it('plays a sequence of prompts frame by frame, then reports completion once', async () => {
    const ends: PlaybackEnd[] = [];
    const a = Prompt.fromPcm(new Int16Array(320).fill(1));
    const b = Prompt.fromPcm(new Int16Array(160).fill(2));
    const player = new PromptPlayer([a, b], { onFinished: (e) => ends.push(e) });
    const frame = new Int16Array(160);
    const seen: number[] = [];
    while (player.readPcm(frame)) seen.push(frame[0]!);
    expect(seen).toEqual([1, 1, 2]);
    expect(player.positionMs).toBe(60);
    expect(player.readPcm(frame)).toBe(false);
    expect(frame.every((s) => s === 0)).toBe(true);
    expect(ends).toEqual(['completed']);
    await expect(player.finished).resolves.toBe('completed');
  });

  it('serves shared pre-encoded frames and stops on request', async () => {
    const prompt = Prompt.fromPcm(new Int16Array(1600));
    const player = new PromptPlayer(prompt);
    const first = player.readEncoded('pcma');
    expect(first).toBe(prompt.framesFor('pcma')[0]);
    player.stop();
    expect(player.readEncoded('pcma')).toBeNull();
    await expect(player.finished).resolves.toBe('stopped');
  });

  it('loops and can start at an offset', () => {
    const prompt = Prompt.fromPcm(Int16Array.from({ length: 480 }, (_, i) => Math.floor(i / 160) + 1));
    const player = new PromptPlayer(prompt, { loop: true, offsetMs: 40 });
    const frame = new Int16Array(160);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      player.readPcm(frame);
      seen.push(frame[0]!);
    }
    expect(seen).toEqual([3, 1, 2, 3, 1]);
    expect(player.isPlaying).toBe(true);
  });
});

describe('MusicOnHold', () => {
  it('loops a rendered tone pattern without end', () => {
    const moh = MusicOnHold.fromTones(TONE_PATTERNS.ringbackEu);
    expect(moh.durationMs).toBe(5000);
    const source = moh.source();
    const frame = new Int16Array(160);
    const levels: number[] = [];
    for (let i = 0; i < 500; i++) {
      expect(source.readPcm(frame)).toBe(true);
      levels.push(Math.max(...frame.map(Math.abs)));
    }
    // 1 s of 425 Hz, 4 s of silence, twice.
    expect(levels[25]).toBeGreaterThan(1000);
    expect(levels[100]).toBe(0);
    expect(levels[275]).toBeGreaterThan(1000);
  });

  it('gives each held call its own cursor', () => {
    const moh = MusicOnHold.fromTones(TONE_PATTERNS.busyUs);
    const a = moh.source();
    const b = moh.source({ offsetMs: 500 });
    const fa = new Int16Array(160);
    const fb = new Int16Array(160);
    a.readPcm(fa);
    b.readPcm(fb);
    expect(Math.max(...fa.map(Math.abs))).toBeGreaterThan(0);
    expect(Math.max(...fb.map(Math.abs))).toBe(0);
  });
});
