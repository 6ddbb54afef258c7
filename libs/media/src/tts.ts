// Text to speech with the system's engines: espeak-ng (many languages; Mandarin as `cmn`) or flite
// (English), resampled by sox to the prompt format (8 kHz mono PCM16 WAV). Results are cached on
// disk under a hash of (engine, language, voice, text); concurrent requests for the same text share
// one synthesis, and at most `maxConcurrent` syntheses run at once (the box has 2 cores).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Prompt } from './prompt-player';

export type TtsEngine = 'espeak-ng' | 'flite';

export interface TextToSpeechOptions {
  readonly cacheDir: string;
  readonly espeakPath?: string;
  readonly flitePath?: string;
  readonly soxPath?: string;
  /** Per tool run; default 20 s. */
  readonly timeoutMs?: number;
  /** Default 4,000 characters. */
  readonly maxTextLength?: number;
  /** Syntheses running at once; default 2. */
  readonly maxConcurrent?: number;
}

export interface SynthesisRequest {
  readonly text: string;
  /** BCP 47-ish language: 'en' (default), 'en-gb', 'zh' / 'zh-CN' / 'cmn' (Mandarin, Simplified Chinese), 'fr', ... */
  readonly language?: string;
  /** Engine voice; default per language (espeak-ng: en → en-us, zh → cmn; flite: kal). */
  readonly voice?: string;
  readonly engine?: TtsEngine;
}

export interface SynthesisResult {
  /** 8 kHz mono PCM16 WAV. */
  readonly path: string;
  /** True when it came from the disk cache. */
  readonly cached: boolean;
  readonly key: string;
}

/** A TTS engine or sox is not installed (or not at the configured path). */
export class TtsToolMissingError extends Error {
  override readonly name = 'TtsToolMissingError';

  constructor(
    readonly tool: string,
    readonly path: string,
  ) {
    super(`text to speech needs "${tool}" but "${path}" was not found: install it (Debian: apt-get install ${tool === 'sox' ? 'sox' : tool}) or configure its path`);
  }
}

export class TtsError extends Error {
  override readonly name = 'TtsError';
}

/** Bump when the output format or pipeline changes, so old cache entries are not reused. */
const PIPELINE_VERSION = 1;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_+-]{0,63}$/;

const ESPEAK_VOICES: Record<string, string> = {
  en: 'en-us',
  'en-us': 'en-us',
  'en-gb': 'en-gb',
  zh: 'cmn',
  'zh-cn': 'cmn',
  'zh-hans': 'cmn',
  'zh-sg': 'cmn',
  cmn: 'cmn',
  'cmn-hans': 'cmn',
  yue: 'yue',
  'zh-hk': 'yue',
};

interface Resolved {
  readonly engine: TtsEngine;
  readonly language: string;
  readonly voice: string;
  readonly text: string;
}

export class TextToSpeech {
  private readonly espeakPath: string;
  private readonly flitePath: string;
  private readonly soxPath: string;
  private readonly timeoutMs: number;
  private readonly maxTextLength: number;
  private readonly maxConcurrent: number;
  private readonly inFlight = new Map<string, Promise<SynthesisResult>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private cacheReady: Promise<void> | null = null;

  constructor(private readonly options: TextToSpeechOptions) {
    this.espeakPath = options.espeakPath ?? 'espeak-ng';
    this.flitePath = options.flitePath ?? 'flite';
    this.soxPath = options.soxPath ?? 'sox';
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.maxTextLength = options.maxTextLength ?? 4000;
    this.maxConcurrent = options.maxConcurrent ?? 2;
  }

  /** The cache key (and file name) of a request: engine, resolved voice (which the language picks) and text. */
  keyOf(request: SynthesisRequest): string {
    const r = this.resolve(request);
    return createHash('sha256').update(JSON.stringify([PIPELINE_VERSION, r.engine, r.voice, r.text])).digest('hex').slice(0, 40);
  }

  /** The WAV for this text, from the cache or synthesised now. */
  synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    let key: string;
    let resolved: Resolved;
    try {
      resolved = this.resolve(request);
      key = this.keyOf(request);
    } catch (error) {
      return Promise.reject(error);
    }
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const work = this.produce(key, resolved).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  /** Synthesises (or takes from the cache) and loads the result as a prompt. */
  async prompt(request: SynthesisRequest): Promise<Prompt> {
    const { path } = await this.synthesize(request);
    return Prompt.load(path);
  }

  private resolve(request: SynthesisRequest): Resolved {
    const text = typeof request.text === 'string' ? request.text.normalize('NFC').trim() : '';
    if (!text) throw new TtsError('text to speech: text is empty');
    if (text.length > this.maxTextLength) throw new TtsError(`text to speech: text is ${text.length} characters, the limit is ${this.maxTextLength}`);
    const engine = request.engine ?? 'espeak-ng';
    if (engine !== 'espeak-ng' && engine !== 'flite') throw new TtsError(`text to speech: unknown engine "${String(engine)}", expected espeak-ng or flite`);
    const language = (request.language ?? 'en').toLowerCase();
    if (!NAME.test(language)) throw new TtsError(`text to speech: language "${request.language}" is not a language tag`);
    if (request.voice !== undefined && !NAME.test(request.voice)) throw new TtsError(`text to speech: voice "${request.voice}" is not a voice name`);
    if (engine === 'flite' && !language.startsWith('en')) throw new TtsError(`text to speech: flite speaks English only, asked for "${language}"`);
    const voice = request.voice ?? (engine === 'flite' ? 'kal' : (ESPEAK_VOICES[language] ?? language));
    return { engine, language, voice, text };
  }

  private async produce(key: string, r: Resolved): Promise<SynthesisResult> {
    const path = join(this.options.cacheDir, `${key}.wav`);
    if (await isUsableFile(path)) return { path, cached: true, key };
    await this.ensureCacheDir();
    await this.acquire();
    const scratch = join(this.options.cacheDir, `.${key}.${process.pid}.${randomBytes(4).toString('hex')}`);
    try {
      if (await isUsableFile(path)) return { path, cached: true, key }; // another process made it meanwhile
      const raw = `${scratch}.raw.wav`;
      if (r.engine === 'espeak-ng') {
        await this.run('espeak-ng', this.espeakPath, ['-v', r.voice, '--stdin', '-w', raw], r.text);
      } else {
        await writeFile(`${scratch}.txt`, r.text, 'utf8');
        await this.run('flite', this.flitePath, ['-voice', r.voice, '-f', `${scratch}.txt`, '-o', raw]);
      }
      const out = `${scratch}.out.wav`;
      await this.run('sox', this.soxPath, [raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', out, 'gain', '-n', '-3']);
      await rename(out, path);
      return { path, cached: false, key };
    } finally {
      this.release();
      await Promise.all(['.raw.wav', '.txt', '.out.wav'].map((ext) => rm(`${scratch}${ext}`, { force: true })));
    }
  }

  private ensureCacheDir(): Promise<void> {
    this.cacheReady ??= mkdir(this.options.cacheDir, { recursive: true }).then(
      () => undefined,
      (error: Error) => {
        this.cacheReady = null;
        throw new TtsError(`text to speech: cannot create cache directory ${this.options.cacheDir}: ${error.message}`);
      },
    );
    return this.cacheReady;
  }

  private run(tool: string, path: string, args: string[], stdin?: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(path, args, { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new TtsError(`text to speech: ${tool} did not finish within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 2000) stderr += chunk.toString('utf8');
      });
      child.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(error.code === 'ENOENT' ? new TtsToolMissingError(tool, path) : new TtsError(`text to speech: ${tool} failed to start: ${error.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new TtsError(`text to speech: ${tool} exited with ${code ?? signal}: ${stderr.trim().slice(0, 300)}`));
      });
      child.stdin.on('error', () => undefined); // EPIPE when the tool exits early; its exit code tells
      child.stdin.end(stdin ?? '');
    });
  }

  private acquire(): Promise<void> {
    if (this.running < this.maxConcurrent) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

async function isUsableFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 44;
  } catch {
    return false;
  }
}
