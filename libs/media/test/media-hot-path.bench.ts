// npx node -r ./tools/register.cjs libs/media/test/media-hot-path.bench.ts
// The engine's own work for one call per 20 ms frame — everything except the kernel's UDP work:
// the session's datagram handler (RTCP check, parse, source check, RFC 3550 stats), jitter buffer push/pull, the call's tick (relay or
// mix, decode/encode, recording), over real MediaCall/MediaLeg/RtpSession objects (sessions have
// no remote, so send() stops before the syscall). Prints one JSON line: µs per call per frame.
//   BENCH_CALLS (default 1000), BENCH_SECONDS of audio per scenario (default 10)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RemoteInfo } from 'node:dgram';
import { encodeFromPcm } from '../src/g711';
import { MediaCall } from '../src/media-call';
import { MediaClock } from '../src/media-clock';
import { MediaLeg } from '../src/media-leg';
import { PortPool } from '../src/port-pool';
import { Prompt, PromptPlayer } from '../src/prompt-player';
import { serializeRtp } from '../src/rtp-packet';
import { RtpSession } from '../src/rtp-session';
import { renderTone } from '../src/tone';
import { type RecordingEncoding, WavRecorder } from '../src/wav-recorder';

const calls = Number(process.env.BENCH_CALLS ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const frames = seconds * 50;
const rinfo: RemoteInfo = { address: '127.0.0.1', family: 'IPv4', port: 9, size: 172 };
const clock = new MediaClock(); // never started: calls are ticked by hand

interface Scenario {
  readonly name: string;
  readonly legs: number;
  readonly recording: RecordingEncoding | null;
  readonly mode: 'bridge' | 'listen3' | 'prompt';
}

async function run(pool: PortPool, dir: string, s: Scenario): Promise<number> {
  const tone = encodeFromPcm('pcmu', renderTone({ frequencies: [440], durationMs: 20 }));
  const prompt = Prompt.fromPcm(renderTone({ frequencies: [440], durationMs: 3000 }));
  const built: { call: MediaCall; legs: MediaLeg[]; packets: Buffer[] }[] = [];
  for (let c = 0; c < calls; c++) {
    const call = new MediaCall({ clock });
    const legs: MediaLeg[] = [];
    for (let l = 0; l < s.legs; l++) {
      const session = await RtpSession.open({ pool, bindAddress: '127.0.0.1', latching: 'off' });
      const leg = new MediaLeg({ session, codec: 'pcmu', telephoneEventPt: 101, jitter: { depthMs: 60, mode: 'fixed' } });
      call.addLeg(leg, s.mode === 'listen3' && l === 2 ? { mode: 'listen' } : {});
      legs.push(leg);
    }
    if (s.mode === 'prompt') legs[0]!.play(new PromptPlayer(prompt, { loop: true }));
    else call.bridge();
    if (s.recording) call.record(await WavRecorder.open({ path: join(dir, `${s.name}-${c}.wav`), encoding: s.recording }), { left: legs[0]!, right: legs[1]! });
    built.push({ call, legs, packets: legs.map(() => serializeRtp({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 5 }, tone)) });
  }
  // The session's datagram handler, as the socket calls it: RTCP check, parse, source check, stats, leg.
  const deliver = built.map((b) => b.legs.map((leg) => (leg.session['onMessage'] as (msg: Buffer, from: RemoteInfo) => void).bind(leg.session)));
  const step = (f: number): void => {
    for (let c = 0; c < built.length; c++) {
      const { call, legs, packets } = built[c]!;
      for (let l = 0; l < legs.length; l++) {
        const packet = packets[l]!;
        packet.writeUInt16BE(f & 0xffff, 2);
        packet.writeUInt32BE((f * 160) >>> 0, 4);
        deliver[c]![l]!(packet, rinfo);
      }
      call.tick(f);
    }
  };
  for (let f = 0; f < 100; f++) step(f);
  const cpu0 = process.cpuUsage();
  for (let f = 100; f < 100 + frames; f++) {
    step(f);
    if (f % 25 === 0) await new Promise((r) => setImmediate(r)); // the recorders' writes run
  }
  await Promise.all(built.map((b) => b.call.close()));
  const cpu = process.cpuUsage(cpu0);
  return Math.round(((cpu.user + cpu.system) / (frames * calls)) * 100) / 100;
}

async function main(): Promise<void> {
  const pool = new PortPool({ min: 30000, max: 39999 });
  const dir = await mkdtemp(join(tmpdir(), 'media-bench-'));
  const scenarios: Scenario[] = [
    { name: 'bridgedNoRecUs', legs: 2, recording: null, mode: 'bridge' },
    { name: 'bridgedUlawRecUs', legs: 2, recording: 'pcmu', mode: 'bridge' },
    { name: 'bridgedPcmRecUs', legs: 2, recording: 'pcm16', mode: 'bridge' },
    { name: 'listen3PcmRecUs', legs: 3, recording: 'pcm16', mode: 'listen3' },
    { name: 'promptUs', legs: 1, recording: null, mode: 'prompt' },
  ];
  const results: Record<string, number> = {};
  try {
    for (const s of scenarios) results[s.name] = await run(pool, dir, s);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  // % of one core for 1,000 calls (compute only, no UDP syscalls).
  const pct = (us: number): number => Math.round(us * 50 * 1000 * 1e-4 * 10) / 10;
  console.log(
    JSON.stringify({
      bench: 'media-hot-path',
      node: process.version,
      calls,
      seconds,
      ...results,
      pctOneCoreAt1000: Object.fromEntries(Object.entries(results).map(([k, v]) => [k.replace(/Us$/, ''), pct(v)])),
    }),
  );
}

void main();
