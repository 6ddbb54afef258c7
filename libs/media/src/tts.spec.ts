import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextToSpeech, TtsError, TtsToolMissingError } from './tts';

describe('TextToSpeech', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'media-tts-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keys the cache on text, language and voice', () => {
    const tts = new TextToSpeech({ cacheDir: dir });
    const key = tts.keyOf({ text: 'Hello' });
    expect(tts.keyOf({ text: ' Hello ' })).toBe(key);
    expect(tts.keyOf({ text: 'Hello', language: 'en-gb' })).not.toBe(key);
    expect(tts.keyOf({ text: 'Hello', voice: 'en-us+f3' })).not.toBe(key);
    expect(tts.keyOf({ text: 'Hello', engine: 'flite' })).not.toBe(key);
    expect(tts.keyOf({ text: '你好', language: 'zh' })).toBe(tts.keyOf({ text: '你好', language: 'cmn' }));
  });

  it.each([
    [{ text: '   ' }, /text is empty/],
    [{ text: 'x'.repeat(5000) }, /5000 characters, the limit is 4000/],
    [{ text: 'hi', language: '--help' }, /not a language tag/],
    [{ text: 'hi', voice: 'a b' }, /not a voice name/],
    [{ text: '你好', language: 'zh', engine: 'flite' as const }, /flite speaks English only/],
  ])('rejects %j', async (request, message) => {
    const tts = new TextToSpeech({ cacheDir: dir });
    await expect(tts.synthesize(request)).rejects.toThrow(TtsError);
    await expect(tts.synthesize(request)).rejects.toThrow(message);
  });

  it('names the missing tool', async () => {
    const tts = new TextToSpeech({ cacheDir: dir, espeakPath: '/nonexistent/espeak-ng' });
    const failure = tts.synthesize({ text: 'missing tool' });
    await expect(failure).rejects.toThrow(TtsToolMissingError);
    await expect(failure).rejects.toThrow(/needs "espeak-ng" but "\/nonexistent\/espeak-ng" was not found/);
  });

  it('runs one synthesis for concurrent requests of the same text', async () => {
    const counter = join(dir, 'count');
    const wrapper = join(dir, 'espeak-wrapper.sh');
    await writeFile(wrapper, `#!/bin/sh\necho x >> '${counter}'\nexec espeak-ng "$@"\n`);
    await chmod(wrapper, 0o755);
    const tts = new TextToSpeech({ cacheDir: join(dir, 'cache'), espeakPath: wrapper });
    const results = await Promise.all([1, 2, 3].map(() => tts.synthesize({ text: 'one synthesis please' })));
    expect(new Set(results.map((r) => r.path)).size).toBe(1);
    expect((await readFile(counter, 'utf8')).trim().split('\n')).toHaveLength(1);
    const again = await tts.synthesize({ text: 'one synthesis please' });
    expect(again.cached).toBe(true);
    expect((await readFile(counter, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('reports a failing engine with its message', async () => {
    const tts = new TextToSpeech({ cacheDir: join(dir, 'cache2') });
    await expect(tts.synthesize({ text: 'hello', voice: 'zzzzz' })).rejects.toThrow(/espeak-ng exited with 1/);
  });
});
