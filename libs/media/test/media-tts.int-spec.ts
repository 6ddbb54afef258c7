// Real espeak-ng and sox: an English and a Mandarin phrase, synthesised once and then served from
// the disk cache.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav, Prompt, rms, TextToSpeech } from '../src';

describe('TextToSpeech with espeak-ng and sox', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'media-tts-int-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['English', { text: 'Thank you for calling Parley. An agent will be with you shortly.', language: 'en' }],
    ['Simplified Chinese', { text: '感谢您的来电，请稍候。', language: 'zh' }],
    ['English with flite', { text: 'Please hold.', language: 'en', engine: 'flite' as const }],
  ])('%s: an 8 kHz mono prompt, then a cache hit that is fast and the same file', async (_name, request) => {
    const tts = new TextToSpeech({ cacheDir: dir });
    const firstStarted = performance.now();
    const first = await tts.synthesize(request);
    const firstMs = performance.now() - firstStarted;
    expect(first.cached).toBe(false);
    const wav = decodeWav(await readFile(first.path));
    expect(wav).toMatchObject({ encoding: 'pcm16', sampleRate: 8000, channels: 1 });
    expect(wav.durationMs).toBeGreaterThan(500);
    expect(rms(wav.samples)).toBeGreaterThan(300);
    const prompt = await Prompt.load(first.path);
    expect(prompt.durationMs).toBeCloseTo(wav.durationMs, 0);

    const before = (await stat(first.path)).mtimeMs;
    const started = performance.now();
    const second = await new TextToSpeech({ cacheDir: dir }).synthesize(request);
    const elapsed = performance.now() - started;
    expect(second).toEqual({ ...first, cached: true });
    expect(elapsed).toBeLessThan(Math.max(50, firstMs / 2)); // a stat, no synthesis
    expect((await stat(first.path)).mtimeMs).toBe(before);
  });

  it('gives different languages of the same text different files', async () => {
    const tts = new TextToSpeech({ cacheDir: dir });
    const en = await tts.synthesize({ text: '123', language: 'en' });
    const zh = await tts.synthesize({ text: '123', language: 'zh' });
    expect(en.path).not.toBe(zh.path);
  });
});
