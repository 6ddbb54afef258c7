// npm run bench:webrtc -- --legs N [--seconds S] [--ice full|lite] [--direction both|to-client|to-server|none]
// N concurrent browser-style legs (default 50, for 20 s): DTLS-SRTP WebRtcLegs in this process (the
// server side) against N werift client legs in a child process (standing in for the browsers),
// both sending 20 ms µ-law frames. The server's CPU is measured in its own process
// (process.cpuUsage over the streaming window only: SRTP, UDP, ICE consent and RTCP, not the
// client's work, not connection setup, which is reported apart as setup_*). The child's CPU and the
// host's load (all processes, all cores) are reported too: on a shared machine, loss usually means
// the host was saturated, not that the server was slow. `--direction` streams one way only (or
// not at all) to split send and receive costs. Prints one JSON line; BENCH_DEBUG=1 adds CPU
// user/system, event-loop delay and leg states on stderr. Outgoing frames are spread over four
// 5 ms slots, as a media server paces its legs.
import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PortPool } from '@parley/media';
// From '@parley/media' too once libs/media/src/index.ts exports './webrtc' (the lead wires it).
import { WebRtcLeg, type IceMode } from '../libs/media/src/webrtc';

type Direction = 'both' | 'to-client' | 'to-server' | 'none';
type ToClient = { type: 'answers'; answers: string[] } | { type: 'start'; seconds: number; send: boolean } | { type: 'report' } | { type: 'exit' };
type ToServer =
  | { type: 'offers'; offers: string[] }
  | { type: 'connected'; count: number }
  | { type: 'streamed' }
  | { type: 'report'; sent: number; received: number; cpuPct: number; connected: number };

interface Args {
  legs: number;
  seconds: number;
  ice: IceMode;
  role: 'server' | 'client';
  direction: Direction;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const legs = Number(value('legs') ?? 50);
  const seconds = Number(value('seconds') ?? 20);
  const ice = value('ice') ?? 'full';
  const role = value('role') ?? 'server';
  const direction = value('direction') ?? 'both';
  if (!Number.isInteger(legs) || legs < 1 || legs > 2000) throw new Error(`--legs must be an integer 1-2000, got ${value('legs')}`);
  if (!Number.isFinite(seconds) || seconds < 1) throw new Error(`--seconds must be at least 1, got ${value('seconds')}`);
  if (ice !== 'full' && ice !== 'lite') throw new Error(`--ice must be full or lite, got ${ice}`);
  if (role !== 'server' && role !== 'client') throw new Error(`--role must be server or client, got ${role}`);
  if (direction !== 'both' && direction !== 'to-client' && direction !== 'to-server' && direction !== 'none') {
    throw new Error(`--direction must be both, to-client, to-server or none, got ${direction}`);
  }
  return { legs, seconds, ice, role, direction };
}

const FRAME = (() => {
  // 20 ms of a 1 kHz µ-law tone (the pattern repeats every 8 samples).
  const frame = Buffer.alloc(160);
  const cycle = [0xff, 0xa7, 0x9f, 0xa7, 0xff, 0x27, 0x1f, 0x27];
  for (let i = 0; i < frame.length; i++) frame[i] = cycle[i % cycle.length]!;
  return frame;
})();

const CLIENT_HANDSHAKE_BATCH = 10;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function inBatches<T, R>(items: readonly T[], size: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    results.push(...(await Promise.all(items.slice(start, start + size).map((item, offset) => run(item, start + offset)))));
  }
  return results;
}

async function waitConnected(legs: readonly WebRtcLeg[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const count = () => legs.filter((leg) => leg.state === 'connected').length;
  while (count() < legs.length && Date.now() < deadline && !legs.every((leg) => leg.state === 'connected' || leg.state === 'failed')) {
    await delay(50);
  }
  return count();
}

/** Sends one frame per leg every 20 ms, legs spread over four 5 ms slots; returns frames sent. */
async function stream(legs: readonly WebRtcLeg[], seconds: number, send = true): Promise<number> {
  const lag = monitorEventLoopDelay({ resolution: 5 });
  if (process.env.BENCH_DEBUG) lag.enable();
  const slots = 4;
  const start = performance.now();
  const end = start + seconds * 1000;
  const nextDue = Array.from({ length: slots }, (_, slot) => start + slot * 5);
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      for (let slot = 0; slot < slots; slot++) {
        while (nextDue[slot]! <= now && nextDue[slot]! < end) {
          if (send) for (let i = slot; i < legs.length; i += slots) if (legs[i]!.sendAudio(FRAME)) sent++;
          nextDue[slot]! += 20;
        }
      }
      if (now >= end) {
        clearInterval(timer);
        lag.disable();
        if (process.env.BENCH_DEBUG) {
          console.error(`${process.argv.includes('client') ? 'client' : 'server'} event loop delay p50 ${(lag.percentile(50) / 1e6).toFixed(1)} ms p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms max ${(lag.max / 1e6).toFixed(1)} ms`);
        }
        resolve();
      }
    }, 5);
  });
  return sent;
}

function cpuMeter(): () => number {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  return () => {
    const used = process.cpuUsage(cpu);
    const ms = performance.now() - wall;
    if (process.env.BENCH_DEBUG) console.error(`${process.argv.includes("client") ? "client" : "server"} cpu user ${((used.user / 1000 / ms) * 100).toFixed(1)}% system ${((used.system / 1000 / ms) * 100).toFixed(1)}%`);
    return ((used.user + used.system) / 1000 / ms) * 100;
  };
}

function debugStates(role: string, legs: readonly WebRtcLeg[]): void {
  if (!process.env.BENCH_DEBUG) return;
  const states = new Map<string, number>();
  for (const leg of legs) {
    const stats = leg.stats();
    const key = `${stats.state}/${stats.dtlsState}/${stats.iceState}`;
    states.set(key, (states.get(key) ?? 0) + 1);
  }
  console.error(`${role} leg states (state/dtls/ice)`, Object.fromEntries(states));
}

/** Busy share of all cores of the host (every process), to show how loaded the machine was. */
function hostMeter(): () => number {
  const sample = () => cpus().reduce((acc, cpu) => ({ idle: acc.idle + cpu.times.idle, total: acc.total + Object.values(cpu.times).reduce((a, b) => a + b, 0) }), { idle: 0, total: 0 });
  const start = sample();
  return () => {
    const end = sample();
    return (1 - (end.idle - start.idle) / Math.max(1, end.total - start.total)) * 100;
  };
}

function received(legs: readonly WebRtcLeg[]): number {
  return legs.reduce((sum, leg) => sum + leg.stats().packetsReceived, 0);
}

async function runClient(args: Args): Promise<void> {
  const pool = new PortPool({ min: 46000, max: 49999 });
  const legs = Array.from({ length: args.legs }, () => new WebRtcLeg({ portPool: pool, connectTimeoutMs: 60_000 }));
  let sent = 0;
  let cpuPct = 0;
  const send = (message: ToServer) => process.send!(message);
  process.on('message', (message: ToClient) => {
    void (async () => {
      if (message.type === 'answers') {
        // Small batches: werift's DTLS client (standing in for the browser here) fails when its
        // ClientHello is resent before the HelloVerifyRequest arrives, i.e. when a busy process
        // takes more than 500 ms to answer. Browsers do not have that bug.
        for (let start = 0; start < legs.length; start += CLIENT_HANDSHAKE_BATCH) {
          const batch = legs.slice(start, start + CLIENT_HANDSHAKE_BATCH);
          await Promise.all(batch.map((leg, offset) => leg.acceptAnswer(message.answers[start + offset]!)));
          await waitConnected(batch, 10_000);
        }
        const count = await waitConnected(legs, 60_000);
        debugStates('client', legs);
        send({ type: 'connected', count });
      } else if (message.type === 'start') {
        const cpu = cpuMeter();
        sent = await stream(legs, message.seconds, message.send);
        cpuPct = cpu();
        send({ type: 'streamed' });
      } else if (message.type === 'report') {
        send({ type: 'report', sent, received: received(legs), cpuPct, connected: legs.filter((leg) => leg.state === 'connected').length });
      } else if (message.type === 'exit') {
        await Promise.all(legs.map((leg) => leg.close()));
        process.exit(0);
      }
    })();
  });
  const offers = await inBatches(legs, 50, (leg) => leg.createOffer());
  send({ type: 'offers', offers });
}

function next<T extends ToServer['type']>(child: ChildProcess, type: T): Promise<Extract<ToServer, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ToServer) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as Extract<ToServer, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`client process exited (${code}) while waiting for ${type}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function runServer(args: Args): Promise<void> {
  const child = fork(__filename, ['--role', 'client', '--legs', String(args.legs)], {
    execArgv: ['-r', join(__dirname, '..', 'tools', 'register.cjs')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pool = new PortPool({ min: 42000, max: 45999 });
  const legs = Array.from({ length: args.legs }, () => new WebRtcLeg({ portPool: pool, ice: args.ice, connectTimeoutMs: 60_000 }));
  try {
    const setupCpu = cpuMeter();
    const setupStart = performance.now();
    const { offers } = await next(child, 'offers');
    const answers = await inBatches(legs, 50, (leg, i) => leg.answerOffer(offers[i]!));
    const clientConnected = next(child, 'connected');
    child.send({ type: 'answers', answers } satisfies ToClient);
    await clientConnected;
    const connected = await waitConnected(legs, 60_000);
    debugStates('server', legs);
    const setupSeconds = (performance.now() - setupStart) / 1000;
    const setupCpuPct = setupCpu();

    const streamed = next(child, 'streamed');
    const serverSends = args.direction === 'both' || args.direction === 'to-client';
    child.send({ type: 'start', seconds: args.seconds, send: args.direction === 'both' || args.direction === 'to-server' } satisfies ToClient);
    const cpu = cpuMeter();
    const host = hostMeter();
    const wall = performance.now();
    const serverSent = await stream(legs, args.seconds, serverSends);
    const serverCpuPct = cpu();
    const hostBusyPct = host();
    const durationSeconds = (performance.now() - wall) / 1000;
    await streamed;
    await delay(500); // frames in flight
    const report = next(child, 'report');
    child.send({ type: 'report' } satisfies ToClient);
    const client = await report;
    const packetsSent = serverSent + client.sent;
    const packetsReceived = received(legs) + client.received;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'webrtc',
        legs: args.legs,
        connected,
        duration_s: Number(durationSeconds.toFixed(2)),
        server_cpu_pct_of_one_core: Number(serverCpuPct.toFixed(1)),
        packets_sent: packetsSent,
        packets_received: packetsReceived,
        loss_pct: Number((((packetsSent - packetsReceived) / Math.max(1, packetsSent)) * 100).toFixed(3)),
        ice: args.ice,
        direction: args.direction,
        setup_s: Number(setupSeconds.toFixed(2)),
        setup_server_cpu_pct_of_one_core: Number(setupCpuPct.toFixed(1)),
        client_cpu_pct_of_one_core: Number(client.cpuPct.toFixed(1)),
        host_cpu_busy_pct_all_cores: Number(hostBusyPct.toFixed(1)),
        host_cores: cpus().length,
        client_connected: client.connected,
        server_sent: serverSent,
        server_received: received(legs),
        client_sent: client.sent,
        client_received: client.received,
        measured: 'server legs in this process vs werift client legs in a child process; server CPU = process.cpuUsage over the streaming window',
      })}\n`,
    );
  } finally {
    child.send({ type: 'exit' } satisfies ToClient);
    await Promise.all(legs.map((leg) => leg.close()));
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.role === 'client') await runClient(args);
  else await runServer(args);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
