// A voice node for tests with browser softphones: SIP over WebSocket on a plain HTTP server, RTP on
// loopback, one tenant with a number and seated users, every voice event recorded, and a script of
// commands that a new call gets (the part the IVR/ACD would play). Browsers register through it
// with the tenant service's credentials. Also: listening to what a softphone receives (its
// RTCPeerConnections kept, their audio energy and levels per frequency).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveSipCredentials } from '@parley/auth';
import { type Envelope, type VoiceCommand, voiceCommandIssuedV1, voiceTopics } from '@parley/contracts';
import { MediaEngine } from '@parley/media';
import { createEnvelope, InProcessEventBus } from '@parley/messaging';
import { MemoryCounterStore } from '@parley/rate-limit';
import { AgentSoftphone, type BrowserHarness } from '@parley/testing';
import { MemoryCallRegistry } from '../src/calls/call-registry';
import { type TrunkConfig } from '../src/calls/trunk-dialer';
import { MemoryBindingStore } from '../src/registrar/memory-binding.store';
import { VoiceNode } from '../src/voice-node';
import { delay, runSipp, silentLogger } from './voice-test-kit';

export interface BrowserVoiceSpec {
  /** Names the node, its temp folder and its secrets. */
  name: string;
  slug: string;
  number: string;
  userIds: readonly string[];
  /** First RTP port; the node uses 200 from there. */
  rtpBase: number;
  /** Called with the node before it starts (to watch its registrar or media events). */
  beforeStart?: (node: VoiceNode, media: MediaEngine) => void;
  /** Trunks for outside numbers (none by default). */
  trunks?: TrunkConfig[];
}

export class BrowserVoiceNode {
  readonly tenantId = randomUUID();
  readonly domain: string;
  readonly events: Envelope[] = [];
  /** The commands each new call gets, in order (set by each test). */
  script: (callId: string) => VoiceCommand[] = () => [];
  private readonly secret: string;

  private constructor(
    readonly spec: BrowserVoiceSpec,
    readonly dir: string,
    readonly http: Server,
    readonly bus: InProcessEventBus,
    readonly media: MediaEngine,
    readonly node: VoiceNode,
  ) {
    this.domain = `${spec.slug}.sip.parley.local`;
    this.secret = secretFor(spec.name);
  }

  static async start(spec: BrowserVoiceSpec): Promise<BrowserVoiceNode> {
    const dir = mkdtempSync(join(tmpdir(), `parley-${spec.name}-`));
    const http = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const bus = new InProcessEventBus();
    const media = new MediaEngine({ bindAddress: '127.0.0.1', portMin: spec.rtpBase, portMax: spec.rtpBase + 199, ttsCacheDir: join(dir, 'tts'), inactivityTimeoutMs: 0 });
    const node = new VoiceNode({
      nodeId: spec.name,
      bus,
      media,
      bindings: new MemoryBindingStore(),
      calls: new MemoryCallRegistry(),
      counters: new MemoryCounterStore(),
      sip: { bindAddress: '127.0.0.1', advertisedAddress: '127.0.0.1', udpPort: 0, httpServer: http },
      credentialSecret: secretFor(spec.name),
      nonceSecret: `${spec.name}-nonce-secret-0123456789`,
      recordingsDir: join(dir, 'recordings'),
      commandTimeoutMs: 5000,
      trunks: spec.trunks ?? [],
      logger: silentLogger,
    });
    const voice = new BrowserVoiceNode(spec, dir, http, bus, media, node);
    spec.beforeStart?.(node, media);
    await node.start();
    const at = new Date().toISOString();
    node.directory.onTenant({ tenantId: voice.tenantId, slug: spec.slug, companyName: spec.name, locale: 'en', plan: 'trial', seatLimit: 5, sipDomain: voice.domain, createdAt: at });
    node.directory.onNumberAssigned({ tenantId: voice.tenantId, numberId: randomUUID(), e164: spec.number, assignedAt: at });
    for (const userId of spec.userIds) {
      node.directory.onUserCreated({ tenantId: voice.tenantId, userId });
      node.directory.onSeat({ tenantId: voice.tenantId, userId }, true);
    }
    await bus.subscribe({
      group: 'test.voice-events',
      topics: voiceTopics,
      fromBeginning: true,
      handle: async ({ envelope }) => {
        voice.events.push(envelope);
        if (envelope.type === 'voice.call.started.v1') {
          const callId = (envelope.payload as { callId: string }).callId;
          for (const c of voice.script(callId)) await voice.command(callId, c);
        }
      },
    });
    return voice;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}/sip`;
  }

  ofType(type: string, callId?: string): Envelope[] {
    return this.events.filter((e) => e.type === type && (callId === undefined || (e.payload as { callId: string }).callId === callId));
  }

  command(callId: string, command: VoiceCommand): Promise<void> {
    return this.bus.publish([createEnvelope(voiceCommandIssuedV1, this.tenantId, { callId, commandId: randomUUID(), issuedBy: 'test', command })]);
  }

  /** The SIP credentials the tenant service would issue to the user. */
  credentials(userId: string): { username: string; password: string } {
    return deriveSipCredentials({ secret: this.secret, userId, tenantSlug: this.spec.slug, sipDomainSuffix: 'sip.parley.local', ttlSeconds: 3600 });
  }

  /** A new page's softphone registered as the user (answers 200 or the test fails). */
  async softphoneFor(browser: BrowserHarness, userId: string): Promise<AgentSoftphone> {
    const phone = new AgentSoftphone(await browser.open('/agent.html'));
    const creds = this.credentials(userId);
    const status = await phone.register(this.wsUrl, `sip:${userId}@${this.domain}`, creds.username, creds.password);
    if (status !== 200) throw new Error(`the softphone of ${userId} did not register: ${status}`);
    return phone;
  }

  /** A carrier's caller (sipp) to the tenant's number with the scenario given. */
  callFromCarrier(scenario: string, extra: readonly string[] = []): ReturnType<typeof runSipp> {
    const sipUdp = this.node.stack.transport('udp')!.sentBy;
    return runSipp([
      `${sipUdp.address}:${sipUdp.port}`, '-sf', scenario, '-s', this.spec.number, '-m', '1', ...extra,
      '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(36000 + Math.floor(Math.random() * 2000)), '-mp', String(38000 + 2 * Math.floor(Math.random() * 1000)),
      '-timeout', '150s', '-nostdin', '-trace_err',
    ]);
  }

  async close(): Promise<void> {
    await this.node.stop();
    await this.media.close();
    await this.bus.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Keeps the page's RTCPeerConnections (jssip makes one per call) so a test can listen to what a
 * softphone receives: installed before any call reaches the page. (Page code as text: this
 * project's TypeScript has no DOM types.)
 */
export async function keepPeerConnections(phone: AgentSoftphone): Promise<void> {
  await phone.page.evaluate(`(() => {
    const Original = window.RTCPeerConnection;
    window.keptPeerConnections = [];
    const Keeping = function (...args) {
      const pc = new Original(...args);
      window.keptPeerConnections.push(pc);
      return pc;
    };
    Keeping.prototype = Original.prototype;
    window.RTCPeerConnection = Keeping;
  })()`);
}

/** The loudest level (dBFS, from the browser's analyser) at each frequency a softphone's call `index` received over `ms` (needs keepPeerConnections). */
export async function peakLevels(phone: AgentSoftphone, index: number, frequencies: number[], ms: number): Promise<number[]> {
  return phone.page.evaluate<number[]>(`(async (index, frequencies, duration) => {
    const receiver = window.keptPeerConnections[index].getReceivers().find((r) => r.track.kind === 'audio');
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 8192;
    context.createMediaStreamSource(new MediaStream([receiver.track])).connect(analyser);
    const bins = new Float32Array(analyser.frequencyBinCount);
    const peaks = frequencies.map(() => -Infinity);
    const end = Date.now() + duration;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      analyser.getFloatFrequencyData(bins);
      frequencies.forEach((f, k) => {
        const bin = Math.round(f / (context.sampleRate / analyser.fftSize));
        peaks[k] = Math.max(peaks[k], bins[bin - 1], bins[bin], bins[bin + 1]);
      });
    }
    await context.close();
    return peaks;
  })(${JSON.stringify(index)}, ${JSON.stringify(frequencies)}, ${JSON.stringify(ms)})`);
}

/** Audio energy each softphone's call received over the next `ms` (getStats' totalAudioEnergy grows only with audible sound). */
export async function heardOver(phones: { phone: AgentSoftphone; index: number }[], ms: number): Promise<number[]> {
  const energy = async (p: { phone: AgentSoftphone; index: number }): Promise<number> => (await p.phone.stats(p.index)).inbound[0]?.totalAudioEnergy ?? 0;
  const before = await Promise.all(phones.map(energy));
  await delay(ms);
  const after = await Promise.all(phones.map(energy));
  return after.map((a, i) => a - before[i]!);
}

function secretFor(name: string): string {
  return `${name}-credential-secret-0123456789`;
}
