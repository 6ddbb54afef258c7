// The voice node of the voice benches, run as a child process of the bench so that its CPU time
// (every thread: main, media workers, libuv) can be read from /proc/<pid>/stat apart from sipp's
// and the bench's. It holds what `npm start` composes for voice: the in-process event bus, memory
// binding store, call registry and counters, a MediaWorkerPool, the tenant directory (loaded with
// the bench's tenant and number) and an outbound trunk to the agents' sipp UAS, plus the
// CallFlowDriver (standing in for ivr/acd, in this process). The parent sends `sample` and `stop`
// over IPC. Config: one JSON argument (VoiceChildConfig).
import { randomBytes, randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { InProcessEventBus } from '@parley/messaging';
import { type MediaEngineStats, MediaWorkerPool, type MediaWorkerPoolStats } from '@parley/media';
import { MemoryCounterStore } from '@parley/rate-limit';
import { MemoryBindingStore, MemoryCallRegistry, VoiceNode } from '@parley/voice';
import { CallFlowDriver } from './call-flow.driver';
import { type ChildSample, type FromChild, type LogCounts, type ToChild, type VoiceChildConfig } from './voice-bench.protocol';

function send(message: FromChild): void {
  process.send?.(message);
}

function parseConfig(): VoiceChildConfig {
  const raw = process.argv[2];
  if (!raw) throw new Error('voice-node.child: missing the JSON config argument');
  const config = JSON.parse(raw) as VoiceChildConfig;
  if (config.mode !== 'voice-load' && config.mode !== 'sip-cps') throw new Error(`voice-node.child: mode must be voice-load or sip-cps, got ${String(config.mode)}`);
  if (!Number.isInteger(config.sipPort) || (config.sipPort !== 0 && config.sipPort < 1024) || config.sipPort > 65535) {
    throw new Error(`voice-node.child: sipPort must be 0 (any free port) or 1024-65535, got ${config.sipPort}`);
  }
  return config;
}

/** A logger that keeps the node quiet but counts warnings and errors (with a few samples). */
function countingLogger(counts: LogCounts) {
  const note = (level: 'warn' | 'error', o: object, m?: string): void => {
    counts[level]++;
    if (counts.samples.length < 10) counts.samples.push(`${level}: ${m ?? ''} ${JSON.stringify(o).slice(0, 300)}`);
  };
  return {
    info: (): void => undefined,
    debug: (): void => undefined,
    warn: (o: object, m?: string): void => note('warn', o, m),
    error: (o: object, m?: string): void => note('error', o, m),
  };
}

/** The pool's stats without the per-worker breakdown (smaller over IPC). */
function engineStats(stats: MediaWorkerPoolStats): MediaEngineStats {
  const { workers: _perWorker, ...totals } = stats;
  return totals;
}

async function main(): Promise<void> {
  const config = parseConfig();
  const log: LogCounts = { warn: 0, error: 0, samples: [] };
  const logger = countingLogger(log);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  const bus = new InProcessEventBus({ logger });
  const media = await MediaWorkerPool.start({
    bindAddress: '127.0.0.1',
    portMin: config.rtpPorts[0],
    portMax: config.rtpPorts[1],
    workers: config.mediaWorkers,
    ttsCacheDir: `${config.dir}/tts`,
    // As `npm start` configures it.
    inactivityTimeoutMs: 60_000,
  });
  const secret = randomBytes(24).toString('hex');
  const node = new VoiceNode({
    nodeId: 'bench',
    bus,
    media,
    bindings: new MemoryBindingStore(),
    calls: new MemoryCallRegistry(),
    counters: new MemoryCounterStore(),
    sip: { bindAddress: '127.0.0.1', advertisedAddress: '127.0.0.1', udpPort: config.sipPort },
    credentialSecret: `${secret}-credentials`,
    nonceSecret: `${secret}-nonces`,
    recordingsDir: `${config.dir}/recordings`,
    trunks: config.trunk ? [{ name: 'agents', destination: { transport: 'udp', address: config.trunk.address, port: config.trunk.port } }] : [],
    logger,
  });
  const at = new Date().toISOString();
  node.directory.load({
    tenants: [{ tenantId: config.tenantId, slug: 'bench', companyName: 'Bench', locale: 'en', plan: 'trial', seatLimit: 5, sipDomain: 'bench.sip.parley.local', createdAt: at }],
    numbers: [{ tenantId: config.tenantId, numberId: randomUUID(), e164: config.number, assignedAt: at }],
    users: [],
    seats: [],
    voiceSettings: [],
  });
  const driver = new CallFlowDriver({ bus, mode: config.mode, promptPath: config.promptPath, expectedDigits: config.expectedDigits, agentNumber: config.agentNumber });
  await driver.start();
  await node.start();

  const sample = async (): Promise<ChildSample> => ({
    atMs: Date.now(),
    driver: driver.counters(),
    media: engineStats(await media.stats()),
    nodeCalls: node.calls.activeCalls,
    rssBytes: process.memoryUsage.rss(),
    heapUsedBytes: process.memoryUsage().heapUsed,
    loopDelayMsP99: loopDelay.percentile(99) / 1e6,
    loopDelayMsMax: loopDelay.max / 1e6,
    log: { ...log, samples: [...log.samples] },
  });

  let stopping = false;
  process.on('message', (message: ToChild) => {
    void (async () => {
      if (message.type === 'sample') {
        if (message.gc) {
          const gc = (globalThis as { gc?: () => void }).gc;
          if (!gc) throw new Error('a sample after GC was asked for, but the node does not run with --expose-gc');
          gc();
        }
        send({ type: 'sample', sample: await sample() });
      }
      else if (message.type === 'reset-loop-delay') loopDelay.reset();
      else if (message.type === 'stop' && !stopping) {
        stopping = true;
        const last = await sample();
        await node.stop();
        await driver.stop();
        await media.close();
        await bus.close();
        send({ type: 'stopped', sample: last });
        // Exit on our own (not killed) so that --cpu-prof can write its profiles.
        setTimeout(() => process.exit(0), 50);
      }
    })().catch((error: unknown) => send({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
  });
  // The bench is gone (crashed or killed): do not linger.
  process.on('disconnect', () => process.exit(1));
  const udp = node.stack.transport('udp');
  if (!udp) throw new Error('voice-node.child: the node has no UDP transport');
  send({ type: 'ready', sip: { address: udp.sentBy.address, port: udp.sentBy.port } });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  setTimeout(() => process.exit(1), 50);
});
