// npm run bench:media-load   (env: BENCH_CALLS, BENCH_SECONDS, ... below)
// End to end with real UDP on 127.0.0.1: BENCH_CALLS calls through the engine API, each a caller
// leg and an agent leg (latched onto their phones' first packets), the phones in a child process.
// Every call plays a BENCH_PROMPT_SECONDS prompt to the caller, then bridges caller and agent and
// records them in stereo. Engine = MediaWorkerPool with BENCH_WORKERS threads (0 = in this thread).
// Prints one JSON line: this process's CPU (all its threads) over the steady state, packets, loss,
// clock lateness. On loopback a send also pays the receiver's kernel delivery, and the phones share
// the same cores: compare with a plain Node UDP echo at the same packet rate before blaming the engine.
//   BENCH_CALLS (1000), BENCH_SECONDS (20), BENCH_PROMPT_SECONDS (3), BENCH_WORKERS (2),
//   BENCH_RECORDING (pcm16 | pcmu | none), BENCH_PHONES (c: media/rtp-phones.c built with gcc, one socket,
//   sendmmsg/recvmmsg — light enough to leave the cores to the engine; node: media/media-load-phones.ts)
import { execFileSync, fork, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav, MediaEngine, type MediaEngineApi, type MediaEngineEvent, type MediaEngineStats, MediaWorkerPool, type RecordingEncoding, renderTone } from '@parley/media';

const calls = Number(process.env.BENCH_CALLS ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const promptSeconds = Number(process.env.BENCH_PROMPT_SECONDS ?? 3);
const workers = Number(process.env.BENCH_WORKERS ?? 2);
const recording = (process.env.BENCH_RECORDING ?? 'pcm16') as RecordingEncoding | 'none';
const phonesKind = process.env.BENCH_PHONES ?? 'c';

interface Phones {
  /** Resolves once the phones send. */
  readonly ready: Promise<void>;
  stop(): Promise<Record<string, unknown>>;
}

function nodePhones(ports: [number, number][]): Phones {
  const child = fork(join(__dirname, 'media', 'media-load-phones.ts'), [], { execArgv: ['-r', join(__dirname, '..', 'tools', 'register.cjs')] });
  const from = <T>(key: string): Promise<T> =>
    new Promise((resolve) => {
      const on = (m: Record<string, unknown>): void => {
        if (key in m) {
          child.off('message', on);
          resolve(m[key] as T);
        }
      };
      child.on('message', on);
    });
  const ready = from<boolean>('ready').then(() => undefined);
  child.send({ ports });
  return {
    ready,
    stop: async () => {
      const stats = from<Record<string, unknown>>('stats');
      child.send({ stop: true });
      const s = await stats;
      return { sent: s.sent, received: s.received, lost: s.lost };
    },
  };
}

function cPhones(dir: string, ports: [number, number][]): Phones {
  const binary = join(dir, 'rtp-phones');
  execFileSync('gcc', ['-O2', '-o', binary, join(__dirname, 'media', 'rtp-phones.c'), '-lm']);
  const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(ports.flat().join('\n') + '\n\n');
  const ready = new Promise<void>((resolve) => {
    const check = (): void => (out.includes('ready') ? resolve() : void setTimeout(check, 10));
    check();
  });
  return {
    ready,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      return JSON.parse(out.split('\n').find((l) => l.startsWith('{')) ?? '{}') as Record<string, unknown>;
    },
  };
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'media-load-'));
  const promptPath = join(dir, 'prompt.wav');
  await writeFile(promptPath, encodeWav(renderTone({ frequencies: [660], durationMs: promptSeconds * 1000 })));
  const options = { bindAddress: '127.0.0.1', portMin: 20000, portMax: 29999, jitter: { depthMs: 60, mode: 'adaptive' as const }, receiveBufferBytes: 1 << 18 };
  const engine: MediaEngineApi = workers > 0 ? await MediaWorkerPool.start({ ...options, workers }) : new MediaEngine(options);
  let bridged = 0;
  let recordings = 0;
  let errors = 0;
  const errorSamples = new Set<string>();
  const t00 = performance.now();
  engine.on('event', (e: MediaEngineEvent) => {
    if (e.type === 'error') {
      errors++;
      if (errorSamples.size < 3) errorSamples.add(e.message);
    }
    if (e.type !== 'playback-finished' || e.legId !== 'caller' || e.end !== 'completed') return;
    void (async () => {
      await engine.bridge(e.callId);
      bridged++;
      if (recording !== 'none') {
        await engine.startRecording(e.callId, { path: join(dir, `${e.callId}.wav`), left: 'caller', right: 'agent', encoding: recording });
        recordings++;
      }
    })().catch((error: Error) => {
      errors++;
      if (errorSamples.size < 3) errorSamples.add(error.message);
    });
  });

  const ports: [number, number][] = [];
  for (let i = 0; i < calls; i++) {
    await engine.createCall(`call-${i}`);
    const caller = await engine.createLeg(`call-${i}`, 'caller', { codec: 'pcmu', telephoneEventPt: 101 });
    const agent = await engine.createLeg(`call-${i}`, 'agent', { codec: 'pcmu', telephoneEventPt: 101 });
    ports.push([caller.port, agent.port]);
  }
  const phones = phonesKind === 'c' ? cPhones(dir, ports) : nodePhones(ports);
  await phones.ready;

  // Calls are answered over a second, each with its prompt; then bridge + record (event handler).
  for (let i = 0; i < calls; i++) {
    await engine.play(`call-${i}`, 'caller', { kind: 'file', path: promptPath });
    if (i % 50 === 49) await sleep(50);
  }
  await sleep((promptSeconds + 2) * 1000);
  const before = (await engine.stats()) as MediaEngineStats;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const after = (await engine.stats()) as MediaEngineStats;

  const far = await phones.stop();
  await engine.close();
  await rm(dir, { recursive: true, force: true });
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const delta = (k: 'sent' | 'received' | 'lost' | 'late'): number => after.rtp[k] - before.rtp[k];
  console.log(
    JSON.stringify({
      bench: 'media-load',
      node: process.version,
      calls,
      seconds,
      workers,
      recording,
      cores: cpus().length,
      enginePctOfOneCore: Math.round((cpuMs / wallMs) * 1000) / 10,
      enginePctOfAllCores: Math.round((cpuMs / wallMs / cpus().length) * 1000) / 10,
      userPctOfOneCore: Math.round((cpu.user / 1000 / wallMs) * 1000) / 10,
      systemPctOfOneCore: Math.round((cpu.system / 1000 / wallMs) * 1000) / 10,
      usPerCallFrame: Math.round(((cpuMs * 1000) / (calls * 50 * (wallMs / 1000))) * 100) / 100,
      engineSteady: { sent: delta('sent'), received: delta('received'), lost: delta('lost'), late: delta('late'), expectedEachWay: Math.round(calls * 2 * 50 * (wallMs / 1000)) },
      phones: { kind: phonesKind, ...far },
      clock: { lateMsAvg: Math.round(after.clock.lateMsAvg * 100) / 100, lateMsMax: Math.round(after.clock.lateMsMax * 10) / 10, skippedFrames: after.clock.skippedFrames },
      bridged,
      recordings,
      errors,
      errorSamples: [...errorSamples],
      totalSeconds: Math.round((performance.now() - t00) / 100) / 10,
      loadAvg: (await import('node:os')).loadavg()[0],
    }),
  );
  process.exit(0);
}

void main();
