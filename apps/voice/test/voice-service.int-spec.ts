// The voice service as Kubernetes runs it: apps/voice/src/main.ts in a child process (Node 24 with the
// SWC hook), on the real Kafka and Redis, loading its directory from a tenant snapshot served by this
// test, then driven over real SIP (libs/sip as the carrier) and real HTTP (probes and metrics).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Envelope, phoneNumberAssignedV1, voiceCallEndedV1, voiceCallStartedV1, voiceCommandIssuedV1 } from '@parley/contracts';
import { createEnvelope, KafkaEventBus } from '@parley/messaging';
import { type ClientTransaction, createRequest, Dialog, type SipDestination, type SipResponse, SipStack, UdpTransport } from '@parley/sip';
import { testEnvironment, uniqueName } from '@parley/testing';

const REPO = join(__dirname, '..', '..', '..');
const SNAPSHOT_PATH = '/api/v1/internal/v1/voice-directory';

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A port free on 127.0.0.1 for TCP and UDP both (SIP listens on both). */
async function freePort(): Promise<number> {
  for (let tries = 0; tries < 20; tries++) {
    const tcp = createTcpServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => resolve((tcp.address() as AddressInfo).port));
    });
    const udp = createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (udpFree) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      return port;
    }
  }
  throw new Error('no free port for TCP and UDP');
}

const offer = (port: number): string => `v=0\r\no=carrier 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n`;

describe('voice service: main.ts as its own process (real Kafka, Redis, SIP, HTTP)', () => {
  const tenantId = randomUUID();
  const suffix = () => String(Math.floor(Math.random() * 9000) + 1000);
  const number1 = `+1800555${suffix()}`;
  const number2 = `+1888555${suffix()}`;
  const token = randomBytes(32).toString('base64url');
  const dir = mkdtempSync(join(tmpdir(), 'parley-voice-svc-'));
  const logs: string[] = [];
  const events: Envelope[] = [];
  /** Callers (their user part) whose calls the test "IVR" answers as soon as they start. */
  const answer = new Set<string>();
  const snapshotRequests: (string | undefined)[] = [];

  let snapshotServer: Server;
  let bus: KafkaEventBus;
  let client: SipStack;
  let child: ChildProcess;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let httpBase: string;
  let target: SipDestination;

  const tail = (): string => logs.slice(-40).join('\n');

  async function waitFor<T>(what: string, find: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the voice process said:\n${tail()}`);
      await delay(50);
    }
  }

  const get = async (path: string): Promise<{ status: number; text: string; headers: Headers }> => {
    const res = await fetch(`${httpBase}${path}`);
    return { status: res.status, text: await res.text(), headers: res.headers };
  };

  /** The value of one series in /metrics (its labels given as a regex fragment), or undefined. */
  const metric = (text: string, name: string, labels = ''): number | undefined => {
    const match = new RegExp(`^${name}\\{[^}]*${labels}[^}]*\\} (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };

  const eventOf = (type: string, match: (p: Record<string, unknown>) => boolean): Envelope | undefined =>
    events.find((e) => e.type === type && e.tenantId === tenantId && match(e.payload as Record<string, unknown>));

  function invite(to: string, caller: string, rtpPort: number): { request: ReturnType<typeof createRequest>; tx: ClientTransaction; ringing: Promise<SipResponse> } {
    const request = createRequest({ method: 'INVITE', uri: `sip:${to}@127.0.0.1`, from: `sip:${caller}@127.0.0.1`, to: `sip:${to}@127.0.0.1`, contact: 'sip:carrier@127.0.0.1', body: offer(rtpPort), contentType: 'application/sdp' });
    const tx = client.sendRequest(request, target);
    const ringing = new Promise<SipResponse>((resolve) => tx.on('provisional', (r) => r.status === 180 && resolve(r)));
    return { request, tx, ringing };
  }

  beforeAll(async () => {
    const at = new Date().toISOString();
    const snapshot = {
      tenants: [{ tenantId, slug: 'svc', companyName: 'Voice Service Test', locale: 'en', plan: 'trial', seatLimit: 5, sipDomain: `${uniqueName('svc')}.sip.parley.local`, createdAt: at }],
      numbers: [{ tenantId, numberId: randomUUID(), e164: number1, assignedAt: at }],
      users: [],
      seats: [],
      voiceSettings: [],
    };
    // The tenant service's internal endpoint, as far as voice can tell: the first try fails (503), so the node has to try again.
    snapshotServer = createHttpServer((req, res) => {
      const given = req.headers['x-parley-internal-token'];
      snapshotRequests.push(typeof given === 'string' ? given : undefined);
      if (req.url !== SNAPSHOT_PATH) res.writeHead(404).end();
      else if (given !== token) res.writeHead(401).end();
      else if (snapshotRequests.length === 1) res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"starting"}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(snapshot));
    });
    await new Promise<void>((resolve) => snapshotServer.listen(0, '127.0.0.1', resolve));
    const snapshotUrl = `http://127.0.0.1:${(snapshotServer.address() as AddressInfo).port}${SNAPSHOT_PATH}`;

    bus = new KafkaEventBus({
      brokers: testEnvironment.kafkaBrokers(),
      clientId: uniqueName('voice-svc-test'),
      partitionsPerTopic: 3,
      consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 50, joinTimeoutMs: 30_000 },
    });
    await bus.subscribe({
      group: uniqueName('test.voice-service'),
      topics: [voiceCallStartedV1, voiceCallEndedV1],
      handle: async ({ envelope }) => {
        if (envelope.tenantId !== tenantId) return;
        events.push(envelope);
        const p = envelope.payload as { callId: string; from?: string };
        const caller = /^sip:([^@]+)@/.exec(p.from ?? '')?.[1];
        if (envelope.type === voiceCallStartedV1.name && caller !== undefined && answer.has(caller)) {
          await bus.publish([createEnvelope(voiceCommandIssuedV1, tenantId, { callId: p.callId, commandId: randomUUID(), issuedBy: 'test-ivr', command: { type: 'answer' } })]);
        }
      },
    });

    const httpPort = await freePort();
    const sipPort = await freePort();
    const rtpMin = 42000 + 2 * Math.floor(Math.random() * 3000);
    httpBase = `http://127.0.0.1:${httpPort}`;
    target = { transport: 'udp', address: '127.0.0.1', port: sipPort };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      VOICE_NODE_ID: uniqueName('voice-svc'),
      HTTP_PORT: String(httpPort),
      SIP_BIND_ADDRESS: '127.0.0.1',
      SIP_PORT: String(sipPort),
      RTP_PORT_MIN: String(rtpMin),
      RTP_PORT_MAX: String(rtpMin + 59),
      MEDIA_WORKERS: '1',
      KAFKA_BROKERS: testEnvironment.kafkaBrokers().join(','),
      REDIS_URL: testEnvironment.redisUrl(),
      SIP_CREDENTIAL_SECRET: randomBytes(24).toString('hex'),
      SIP_NONCE_SECRET: randomBytes(24).toString('hex'),
      RECORDINGS_DIR: join(dir, 'recordings'),
      TTS_CACHE_DIR: join(dir, 'tts'),
      TRUNKS: '[]',
      TENANT_DIRECTORY_URL: snapshotUrl,
      INTERNAL_API_TOKEN: token,
      DRAIN_TIMEOUT_SECONDS: '60',
      LOG_LEVEL: 'info',
    };
    child = spawn(process.execPath, ['-r', './tools/register.cjs', 'apps/voice/src/main.ts'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer): void => {
      logs.push(...chunk.toString().split('\n').filter((l) => l.length > 0));
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    void exited.then(({ code, signal }) => logs.push(`[exited: code ${code} signal ${signal}]`));

    client = new SipStack({ transports: [new UdpTransport({ address: '127.0.0.1', port: 0 })] });
    client.onRequest((inbound) => inbound.respond(200, 'OK'));
    await client.start();

    await waitFor('/health', async () => ((await get('/health').catch(() => undefined))?.status === 200 ? true : undefined), 90_000);
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await client?.close();
    await bus?.close();
    await new Promise<void>((resolve) => (snapshotServer ? snapshotServer.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('is ready once the tenant snapshot is loaded, having tried again after the first 503', async () => {
    const ready = await waitFor('/ready 200', async () => {
      const r = await get('/ready');
      return r.status === 200 ? r : undefined;
    }, 60_000);
    expect(JSON.parse(ready.text)).toEqual({ status: 'ready', checks: { kafka: 'ok', redis: 'ok', directory: 'ok', sip: 'ok' } });
    expect(snapshotRequests).toEqual([token, token]);
    const health = await get('/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toMatchObject({ status: 'ok', service: 'voice' });
    // JSON log lines, the directory as loaded among them.
    const loaded = logs.map((l) => JSON.parse(l) as { msg?: string; numbers?: number; service?: string }).find((l) => l.msg === 'directory loaded from the tenant snapshot');
    expect(loaded).toMatchObject({ service: 'voice', numbers: 1 });
  }, 90_000);

  it('exposes the voice series on /metrics', async () => {
    const { status, text, headers } = await get('/metrics');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toContain('text/plain');
    expect(metric(text, 'voice_calls_active', 'service="voice"')).toBe(0);
    expect(metric(text, 'voice_calls_started_total', 'direction="inbound"')).toBe(0);
    expect(metric(text, 'voice_directory_entries', 'kind="numbers"')).toBe(1);
    expect(metric(text, 'voice_directory_entries', 'kind="tenants"')).toBe(1);
    expect(metric(text, 'voice_media_ports_available')).toBeGreaterThan(0);
    expect(metric(text, 'voice_media_rtp_packets', 'kind="lost"')).toBe(0);
    expect(metric(text, 'voice_draining')).toBe(0);
    expect(text).toContain('# TYPE voice_calls_ended_total counter');
    expect(text).toContain('# TYPE voice_sip_register_responses_total counter');
    expect(metric(text, 'process_cpu_user_seconds_total', 'service="voice"')).toBeGreaterThan(0);
  });

  it("routes an INVITE to the snapshot's number: 180 Ringing and voice.call.started.v1 on Kafka", async () => {
    answer.add('+14155550001');
    const call = invite(number1, '+14155550001', 40100);
    expect((await call.ringing).status).toBe(180);
    const started = await waitFor('voice.call.started.v1', () => eventOf(voiceCallStartedV1.name, (p) => p.to === number1 && p.from === 'sip:+14155550001@127.0.0.1'));
    const callId = (started.payload as { callId: string }).callId;
    const ok = await call.tx.finalResponse;
    expect(ok.status).toBe(200);
    const dialog = Dialog.fromUacResponse(call.request, ok, call.tx.flow ? { flow: call.tx.flow } : {});
    await client.sendAck(dialog.createAck(), undefined, call.tx);
    expect((await client.sendRequest(dialog.createRequest('BYE'), target).finalResponse).status).toBe(200);
    await waitFor('voice.call.ended.v1', () => eventOf(voiceCallEndedV1.name, (p) => p.callId === callId && p.reason === 'caller-hangup'));

    const { text } = await get('/metrics');
    expect(metric(text, 'voice_calls_started_total', 'direction="inbound"')).toBe(1);
    expect(metric(text, 'voice_calls_ended_total', 'reason="caller-hangup"')).toBe(1);
    expect(metric(text, 'voice_calls_active')).toBe(0);
  }, 60_000);

  it('routes a number assigned after boot, from the tenant event on Kafka', async () => {
    const unknown = await client.sendRequest(createRequest({ method: 'INVITE', uri: `sip:${number2}@127.0.0.1`, from: 'sip:+14155550002@127.0.0.1', to: `sip:${number2}@127.0.0.1`, contact: 'sip:carrier@127.0.0.1', body: offer(40102), contentType: 'application/sdp' }), target).finalResponse;
    expect(unknown.status).toBe(404);

    await bus.publish([createEnvelope(phoneNumberAssignedV1, tenantId, { tenantId, numberId: randomUUID(), e164: number2, assignedAt: new Date().toISOString() })]);
    const routed = await waitFor('the new number routed', async () => {
      const call = invite(number2, '+14155550002', 40104);
      const first = await Promise.race([call.ringing, call.tx.finalResponse]);
      return first.status === 180 ? call : undefined;
    });
    const started = await waitFor('voice.call.started.v1 for the new number', () => eventOf(voiceCallStartedV1.name, (p) => p.to === number2));
    await client.cancel(routed.tx);
    expect((await routed.tx.finalResponse).status).toBe(487);
    await waitFor('voice.call.ended.v1 after CANCEL', () => eventOf(voiceCallEndedV1.name, (p) => p.callId === (started.payload as { callId: string }).callId));
    expect(metric((await get('/metrics')).text, 'voice_directory_entries', 'kind="numbers"')).toBe(2);
  }, 60_000);

  // Last: the process is gone afterwards.
  it('drains on SIGTERM: /ready 503, new INVITEs 503 with Retry-After, the call in progress goes on; exits 0 once it ends', async () => {
    answer.add('+14155550003');
    const call = invite(number1, '+14155550003', 40106);
    const ok = await call.tx.finalResponse;
    expect(ok.status).toBe(200);
    const dialog = Dialog.fromUacResponse(call.request, ok, call.tx.flow ? { flow: call.tx.flow } : {});
    await client.sendAck(dialog.createAck(), undefined, call.tx);
    const started = await waitFor('voice.call.started.v1', () => eventOf(voiceCallStartedV1.name, (p) => p.from === 'sip:+14155550003@127.0.0.1'));
    const callId = (started.payload as { callId: string }).callId;

    child.kill('SIGTERM');
    const notReady = await waitFor('/ready 503', async () => {
      const r = await get('/ready');
      return r.status === 503 ? r : undefined;
    });
    expect(JSON.parse(notReady.text)).toMatchObject({ status: 'not-ready', checks: { sip: 'draining for shutdown: no new calls' } });
    expect((await get('/health')).status).toBe(200);
    expect(metric((await get('/metrics')).text, 'voice_draining')).toBe(1);

    const refused = await invite(number1, '+14155550004', 40108).tx.finalResponse;
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);

    // The call in progress is still up on the node: an in-dialog request is answered within the dialog.
    expect((await client.sendRequest(dialog.createRequest('INFO'), target).finalResponse).status).toBe(200);
    await delay(1_500);
    expect(child.exitCode).toBeNull();
    expect(eventOf(voiceCallEndedV1.name, (p) => p.callId === callId)).toBeUndefined();

    expect((await client.sendRequest(dialog.createRequest('BYE'), target).finalResponse).status).toBe(200);
    const ended = await waitFor('voice.call.ended.v1', () => eventOf(voiceCallEndedV1.name, (p) => p.callId === callId));
    expect(ended.payload).toMatchObject({ reason: 'caller-hangup' });
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([exited, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 30_000)))]);
    clearTimeout(timer);
    if (!exit) throw new Error(`the voice process did not exit after the last call ended:\n${tail()}`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(logs.some((l) => l.includes('drained: no call in progress'))).toBe(true);
  }, 90_000);
});
