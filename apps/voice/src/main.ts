// The voice service on its own (Kubernetes): one voice node — SIP over UDP/TCP on SIP_PORT, SIP over
// WebSocket at /sip and the probes and metrics on HTTP_PORT, RTP in RTP_PORT_MIN-MAX — with Kafka,
// Redis and the tenant service's directory snapshot from the environment. SIGTERM drains: no new
// calls (503 + Retry-After, /ready turns 503), the calls in progress go on until they end or
// DRAIN_TIMEOUT_SECONDS pass, then the rest are ended and everything closes in order.
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { type Envelope, type PayloadOf, voiceCallEndedV1, voiceCallStartedV1 } from '@parley/contracts';
import { type Closable, closeOnSignals, runMain } from '@parley/http';
import { type MediaEngineApi, type MediaEngineOptions, type MediaEngineStats, MediaEngine, MediaWorkerPool } from '@parley/media';
import { KafkaEventBus } from '@parley/messaging';
import { RedisCounterStore } from '@parley/rate-limit';
import { createCounter, createGauge, createLogger, createMetricsRegistry, initTracing, type Logger, type ReadinessCheck, type Registry, runReadinessChecks, shutdownTracing } from '@parley/telemetry';
import { RedisCallRegistry } from './calls/call-registry';
import { loadVoiceEnv, type VoiceEnv } from './config/env.schema';
import { fetchDirectorySnapshot } from './directory/directory-snapshot.client';
import { RedisBindingStore } from './registrar/redis-binding.store';
import { partitionKey, type PartitionStarts, VoiceNode, type VoiceNodeObserver } from './voice-node';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Fails with the variable's name when a directory cannot be created or written. */
async function writableDir(variable: string, dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new Error(`${variable}: cannot write to ${dir} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

async function readableFile(variable: string, file: string): Promise<void> {
  try {
    await access(file, constants.R_OK);
  } catch (error) {
    throw new Error(`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** The in-thread engine (MEDIA_WORKERS=0) or a pool of worker threads, each with a slice of the RTP range. */
async function startMedia(config: VoiceEnv): Promise<MediaEngineApi> {
  const options: MediaEngineOptions = {
    bindAddress: config.SIP_BIND_ADDRESS,
    portMin: config.RTP_PORT_MIN,
    portMax: config.RTP_PORT_MAX,
    ttsCacheDir: config.TTS_CACHE_DIR,
    inactivityTimeoutMs: config.MEDIA_INACTIVITY_TIMEOUT_SECONDS * 1000,
    webrtcAddress: config.RTP_ADVERTISED_ADDRESS,
    ...(config.HOLD_MUSIC_PATH !== undefined ? { holdMusicPath: config.HOLD_MUSIC_PATH } : {}),
  };
  return config.MEDIA_WORKERS === 0 ? new MediaEngine(options) : MediaWorkerPool.start({ ...options, workers: config.MEDIA_WORKERS });
}

/**
 * The current end (high watermark) of every partition of the topics that exist, read with a
 * short-lived Kafka admin client: where the directory's consumer starts (see DirectoryBoot).
 */
function kafkaPartitionEnds(brokers: string[], clientId: string): (topics: readonly string[]) => Promise<PartitionStarts> {
  return async (topics) => {
    const admin = new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3_000, requestTimeout: 10_000, retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 3_000 } }).admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const ends = new Map<string, bigint>();
      for (const topic of topics) {
        if (!existing.has(topic)) continue; // created later: all of it is after "now"
        for (const p of await admin.fetchTopicOffsets(topic)) ends.set(partitionKey(topic, p.partition), BigInt(p.high));
      }
      return ends;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
}

interface VoiceMetrics {
  observer: VoiceNodeObserver;
  /** Reads the node and the media engine into the gauges (once per scrape). */
  refresh(): Promise<void>;
}

/** The voice series on top of the default Node.js ones: calls, media engine, SIP registrations, directory. */
function voiceMetrics(registry: Registry, read: { node: () => VoiceNode | undefined; media: MediaEngineApi; draining: () => boolean }): VoiceMetrics {
  const started = createCounter<'direction'>(registry, { name: 'voice_calls_started_total', help: 'Calls this node started (voice.call.started.v1), by direction.', labelNames: ['direction'] });
  const ended = createCounter<'reason'>(registry, { name: 'voice_calls_ended_total', help: 'Calls this node ended (voice.call.ended.v1), by reason.', labelNames: ['reason'] });
  const registers = createCounter<'status'>(registry, { name: 'voice_sip_register_responses_total', help: 'REGISTER requests answered, by SIP status (401 is the digest challenge).', labelNames: ['status'] });
  const active = createGauge(registry, { name: 'voice_calls_active', help: 'Calls in progress on this node.' });
  const draining = createGauge(registry, { name: 'voice_draining', help: '1 while the node drains for shutdown (new calls get 503).' });
  const wsConnections = createGauge(registry, { name: 'voice_sip_websocket_connections', help: 'Open SIP-over-WebSocket connections (registered softphones).' });
  const directory = createGauge<'kind'>(registry, { name: 'voice_directory_entries', help: 'What the directory routes by: numbers and tenants.', labelNames: ['kind'] });
  const mediaCalls = createGauge(registry, { name: 'voice_media_calls', help: 'Calls in the media engine.' });
  const legs = createGauge(registry, { name: 'voice_media_legs', help: 'Media legs (RTP and WebRTC) in the media engine.' });
  const ports = createGauge(registry, { name: 'voice_media_ports_available', help: 'RTP ports still free for new legs.' });
  const rtp = createGauge<'kind'>(registry, {
    name: 'voice_media_rtp_packets',
    help: 'RTP packets of the legs in progress: sent, received, lost (RFC 3550) and late for the jitter buffer.',
    labelNames: ['kind'],
  });
  const late = createGauge(registry, { name: 'voice_media_clock_late_ms_max', help: 'Largest lateness of the 20 ms media clock, in ms.' });
  const webrtcConnected = createGauge(registry, { name: 'voice_media_webrtc_legs_connected', help: 'WebRTC legs with DTLS connected.' });
  started.inc({ direction: 'inbound' }, 0);

  const observer: VoiceNodeObserver = {
    published(envelope: Envelope) {
      if (envelope.type === voiceCallStartedV1.name) started.inc({ direction: (envelope.payload as PayloadOf<typeof voiceCallStartedV1>).direction });
      else if (envelope.type === voiceCallEndedV1.name) ended.inc({ reason: (envelope.payload as PayloadOf<typeof voiceCallEndedV1>).reason });
    },
    registerAnswered(status: number) {
      registers.inc({ status: String(status) });
    },
  };

  return {
    observer,
    async refresh() {
      const node = read.node();
      draining.set(read.draining() ? 1 : 0);
      if (node) {
        active.set(node.calls.activeCalls);
        const size = node.directory.size;
        directory.set({ kind: 'numbers' }, size.numbers);
        directory.set({ kind: 'tenants' }, size.tenants);
        const ws = node.stack.transport('ws') as { connectionCount?: number } | undefined;
        wsConnections.set(ws?.connectionCount ?? 0);
      }
      const stats: MediaEngineStats = await read.media.stats();
      mediaCalls.set(stats.calls);
      legs.set(stats.legs);
      ports.set(stats.portsAvailable);
      rtp.set({ kind: 'sent' }, stats.rtp.sent);
      rtp.set({ kind: 'received' }, stats.rtp.received);
      rtp.set({ kind: 'lost' }, stats.rtp.lost);
      rtp.set({ kind: 'late' }, stats.rtp.late);
      late.set(stats.clock.lateMsMax);
      webrtcConnected.set(stats.webrtc.connected);
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

/** /health (liveness), /ready (readiness), /metrics; WebSocket upgrades at /sip are the SIP stack's (its 'upgrade' listener). */
function httpHandler(deps: { registry: Registry; metrics: VoiceMetrics; readiness: readonly ReadinessCheck[]; logger: Logger }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://voice').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { statusCode: 405, error: 'METHOD_NOT_ALLOWED', message: `${req.method ?? '?'} is not allowed here; use GET` }, { allow: 'GET, HEAD' });
      return;
    }
    switch (path) {
      case '/health':
        sendJson(res, 200, { status: 'ok', service: 'voice', uptimeSeconds: Math.floor(process.uptime()) });
        return;
      case '/ready': {
        const report = await runReadinessChecks(deps.readiness);
        if (!report.ready) deps.logger.debug({ checks: report.checks }, 'not ready');
        sendJson(res, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not-ready', checks: report.checks });
        return;
      }
      case '/metrics': {
        await deps.metrics.refresh();
        const text = await deps.registry.metrics();
        res.writeHead(200, { 'content-type': deps.registry.contentType }).end(text);
        return;
      }
      case '/sip':
        sendJson(res, 426, { statusCode: 426, error: 'UPGRADE_REQUIRED', message: 'SIP over WebSocket: open a WebSocket with the "sip" subprotocol' }, { upgrade: 'websocket' });
        return;
      default:
        sendJson(res, 404, { statusCode: 404, error: 'NOT_FOUND', message: `no ${path} here: /health, /ready, /metrics, and SIP over WebSocket at /sip` });
    }
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`HTTP_PORT: cannot listen on ${port} (${error.code ?? error.message})`)));
    server.listen({ port, host: '0.0.0.0' }, () => resolve());
  });
}

/** Stops accepting, closes idle keep-alive connections at once and the others after 2 s. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 2_000);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** No new calls; waits until the calls in progress end, or the drain timeout. The rest are ended by node.stop(). */
async function drainCalls(node: VoiceNode, timeoutSeconds: number, logger: Logger): Promise<void> {
  node.drain();
  const deadline = Date.now() + timeoutSeconds * 1000;
  logger.info({ activeCalls: node.calls.activeCalls, drainTimeoutSeconds: timeoutSeconds }, 'draining: new calls get 503; waiting for the calls in progress to end');
  let nextReport = Date.now() + 30_000;
  while (node.calls.activeCalls > 0 && Date.now() < deadline) {
    await delay(200);
    if (Date.now() >= nextReport) {
      logger.info({ activeCalls: node.calls.activeCalls, secondsLeft: Math.round((deadline - Date.now()) / 1000) }, 'draining');
      nextReport += 30_000;
    }
  }
  if (node.calls.activeCalls > 0) logger.warn({ activeCalls: node.calls.activeCalls }, 'drain timeout: ending the calls still in progress');
  else logger.info({}, 'drained: no call in progress');
}

async function main(): Promise<void> {
  const config = loadVoiceEnv();
  initTracing({ serviceName: 'voice' });
  const logger = createLogger({ service: 'voice', level: config.LOG_LEVEL });
  await writableDir('RECORDINGS_DIR', config.RECORDINGS_DIR);
  await writableDir('TTS_CACHE_DIR', config.TTS_CACHE_DIR);
  if (config.HOLD_MUSIC_PATH !== undefined) await readableFile('HOLD_MUSIC_PATH', config.HOLD_MUSIC_PATH);

  // Closed in this order on a boot failure (the reverse of opening); shutdown has its own order below.
  const opened: Closable[] = [];
  try {
    const bus = new KafkaEventBus({ brokers: config.KAFKA_BROKERS, clientId: `voice-${config.VOICE_NODE_ID}`, logger });
    opened.unshift({ name: 'bus', close: () => bus.close() });
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
    redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection error'));
    opened.unshift({ name: 'redis', close: () => redis.quit() });
    const media = await startMedia(config);
    opened.unshift({ name: 'media', close: () => media.close() });

    // What the probes and metrics read: filled in as the node starts and stops.
    const state: { node: VoiceNode | undefined; sipStarted: boolean; draining: boolean } = { node: undefined, sipStarted: false, draining: false };
    const registry = createMetricsRegistry('voice');
    const metrics = voiceMetrics(registry, { node: () => state.node, media, draining: () => state.draining });
    const readiness: ReadinessCheck[] = [
      { name: 'kafka', check: () => bus.ping() },
      {
        name: 'redis',
        check: async () => {
          const pong = await redis.ping();
          if (pong !== 'PONG') throw new Error(`unexpected answer to PING: ${pong}`);
        },
      },
      {
        name: 'directory',
        check: async () => {
          if (!state.node?.directoryLoaded) throw new Error('not loaded yet');
        },
      },
      {
        name: 'sip',
        check: async () => {
          if (!state.sipStarted) throw new Error('not listening yet');
          if (state.draining) throw new Error('draining for shutdown: no new calls');
        },
      },
    ];
    const handler = httpHandler({ registry, metrics, readiness, logger });
    const server = createServer((req, res) => {
      handler(req, res).catch((error: unknown) => {
        logger.error({ err: error, path: req.url }, 'HTTP request failed');
        if (!res.headersSent) sendJson(res, 500, { statusCode: 500, error: 'INTERNAL_SERVER_ERROR', message: 'internal error' });
        else res.destroy();
      });
    });
    // Listening first: /health answers while the node joins Kafka and loads the directory (/ready says what it waits for).
    await listen(server, config.HTTP_PORT);
    opened.unshift({ name: 'http', close: () => closeServer(server) });

    const voice = new VoiceNode({
      nodeId: config.VOICE_NODE_ID,
      bus,
      media,
      bindings: new RedisBindingStore(redis),
      calls: new RedisCallRegistry(redis),
      counters: new RedisCounterStore(redis),
      sip: {
        bindAddress: config.SIP_BIND_ADDRESS,
        advertisedAddress: config.SIP_ADVERTISED_ADDRESS,
        mediaAddress: config.RTP_ADVERTISED_ADDRESS,
        udpPort: config.SIP_PORT,
        tcpPort: config.SIP_PORT,
        httpServer: server,
      },
      credentialSecret: config.SIP_CREDENTIAL_SECRET,
      nonceSecret: config.SIP_NONCE_SECRET,
      recordingsDir: config.RECORDINGS_DIR,
      trunks: config.TRUNKS,
      directoryBoot: {
        kind: 'snapshot',
        fetchSnapshot: () => fetchDirectorySnapshot({ url: config.TENANT_DIRECTORY_URL, token: config.INTERNAL_API_TOKEN, logger }),
        partitionEnds: kafkaPartitionEnds(config.KAFKA_BROKERS, `voice-${config.VOICE_NODE_ID}-offsets`),
      },
      observer: metrics.observer,
      logger,
    });
    state.node = voice;
    opened.unshift({ name: 'voice', close: () => voice.stop() });
    await voice.start();
    state.sipStarted = true;

    closeOnSignals(
      [
        {
          name: 'calls',
          close: async () => {
            state.draining = true;
            await drainCalls(voice, config.DRAIN_TIMEOUT_SECONDS, logger);
          },
        },
        { name: 'voice', close: () => voice.stop() },
        { name: 'media', close: () => media.close() },
        { name: 'bus', close: () => bus.close() },
        { name: 'redis', close: () => redis.quit() },
        // Last: probes and scrapes are answered while the calls drain.
        { name: 'http', close: () => closeServer(server) },
        { name: 'tracing', close: () => shutdownTracing() },
      ],
      logger,
      // The drain, then about 25 s to close the rest (Helm's terminationGracePeriodSeconds is longer).
      (config.DRAIN_TIMEOUT_SECONDS + 25) * 1000,
    );
    logger.info(
      {
        nodeId: config.VOICE_NODE_ID,
        httpPort: config.HTTP_PORT,
        sip: `${config.SIP_ADVERTISED_ADDRESS}:${config.SIP_PORT}`,
        rtp: `${config.RTP_ADVERTISED_ADDRESS} ${config.RTP_PORT_MIN}-${config.RTP_PORT_MAX}`,
        mediaWorkers: config.MEDIA_WORKERS,
        trunks: config.TRUNKS.map((t) => t.name),
        ...voice.directory.size,
      },
      'voice node ready',
    );
  } catch (error) {
    for (const resource of opened) await resource.close().catch(() => undefined);
    throw error;
  }
}

runMain(main, 'voice service');
