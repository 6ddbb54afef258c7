import { type Server } from 'node:http';
import {
  phoneNumberAssignedV1,
  phoneNumberReleasedV1,
  seatAssignedV1,
  seatReleasedV1,
  tenantCreatedV1,
  tenantUpdatedV1,
  userCreatedV1,
  userDeactivatedV1,
  voiceCommandIssuedV1,
  voiceSettingsUpdatedV1,
  type PayloadOf,
} from '@parley/contracts';
import { type MediaEngineApi } from '@parley/media';
import { type EventBus, type Subscription } from '@parley/messaging';
import { type CounterStore, FailureLimiter } from '@parley/rate-limit';
import { SipStack, UdpTransport, TcpTransport, WsTransport, type SipTransport } from '@parley/sip';
import { AgentDialer } from './calls/agent-dialer';
import { TrunkDialer, type TrunkConfig } from './calls/trunk-dialer';
import { VoiceCalls } from './calls/voice-calls';
import { type CallRegistry } from './calls/call-registry';
import { DidDirectory } from './directory/did-directory';
import { type BindingStore } from './registrar/binding-store.port';
import { Registrar } from './registrar/registrar';

export interface VoiceNodeOptions {
  nodeId: string;
  bus: EventBus;
  media: MediaEngineApi;
  bindings: BindingStore;
  counters: CounterStore;
  calls: CallRegistry;
  sip: { bindAddress: string; advertisedAddress: string; udpPort: number; tcpPort?: number; httpServer?: Server };
  credentialSecret: string;
  nonceSecret: string;
  recordingsDir: string;
  commandTimeoutMs?: number;
  /** Trunks for calls to outside numbers: the primary first, then the backups. */
  trunks?: TrunkConfig[];
  logger: { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void; debug(o: object, m?: string): void };
}

/**
 * One voice node: the SIP stack (UDP, TCP, and WebSocket at /sip on the HTTP server), the
 * registrar, the calls, the projection of tenant events it routes by, and the command consumer.
 */
export class VoiceNode {
  readonly directory = new DidDirectory();
  readonly stack: SipStack;
  readonly registrar: Registrar;
  readonly calls: VoiceCalls;
  private readonly subscriptions: Subscription[] = [];

  constructor(private readonly options: VoiceNodeOptions) {
    const transports: SipTransport[] = [new UdpTransport({ address: options.sip.bindAddress, port: options.sip.udpPort, publicAddress: options.sip.advertisedAddress })];
    if (options.sip.tcpPort !== undefined) transports.push(new TcpTransport({ address: options.sip.bindAddress, port: options.sip.tcpPort, publicAddress: options.sip.advertisedAddress }));
    if (options.sip.httpServer) transports.push(new WsTransport({ server: options.sip.httpServer, path: '/sip' }));
    this.stack = new SipStack({ transports, userAgent: 'Parley', logger: options.logger });
    this.registrar = new Registrar({
      directory: this.directory,
      bindings: options.bindings,
      failures: new FailureLimiter(options.counters, { maxFailures: 10, windowSeconds: 60, blockSeconds: 300, prefix: 'voice:sip-auth' }),
      credentialSecret: options.credentialSecret,
      nonceSecret: options.nonceSecret,
      nodeId: options.nodeId,
      logger: options.logger,
    });
    this.calls = new VoiceCalls({
      stack: this.stack,
      media: options.media,
      directory: this.directory,
      bus: options.bus,
      advertisedAddress: options.sip.advertisedAddress,
      recordingsDir: options.recordingsDir,
      commandTimeoutMs: options.commandTimeoutMs,
      logger: options.logger,
      dialer: new TrunkDialer(this.stack, options.trunks ?? []),
      agents: new AgentDialer(this.stack, options.bindings, options.nodeId),
      registry: options.calls,
      nodeId: options.nodeId,
    });
  }

  async start(): Promise<void> {
    const d = this.directory;
    // Every node needs every tenant event (its own group), from the beginning: it is a projection.
    this.subscriptions.push(
      await this.options.bus.subscribe({
        group: `voice.directory.${this.options.nodeId}`,
        topics: [tenantCreatedV1, tenantUpdatedV1, phoneNumberAssignedV1, phoneNumberReleasedV1, userCreatedV1, userDeactivatedV1, seatAssignedV1, seatReleasedV1, voiceSettingsUpdatedV1],
        fromBeginning: true,
        handle: async ({ envelope, topic }) => {
          const p = envelope.payload;
          switch (topic.name) {
            case tenantCreatedV1.name:
            case tenantUpdatedV1.name:
              d.onTenant(p as PayloadOf<typeof tenantCreatedV1>);
              break;
            case phoneNumberAssignedV1.name:
              d.onNumberAssigned(p as PayloadOf<typeof phoneNumberAssignedV1>);
              break;
            case phoneNumberReleasedV1.name:
              d.onNumberReleased(p as PayloadOf<typeof phoneNumberReleasedV1>);
              break;
            case userCreatedV1.name:
              d.onUserCreated(p as PayloadOf<typeof userCreatedV1>);
              break;
            case userDeactivatedV1.name:
              d.onUserDeactivated(p as PayloadOf<typeof userDeactivatedV1>);
              break;
            case seatAssignedV1.name:
              d.onSeat(p as PayloadOf<typeof seatAssignedV1>, true);
              break;
            case seatReleasedV1.name:
              d.onSeat(p as PayloadOf<typeof seatReleasedV1>, false);
              break;
            case voiceSettingsUpdatedV1.name:
              d.onVoiceSettings(p as PayloadOf<typeof voiceSettingsUpdatedV1>);
              break;
          }
        },
      }),
    );
    this.subscriptions.push(
      await this.options.bus.subscribe({
        // Its own group: every node sees every command and acts on the calls it holds.
        group: `voice.commands.${this.options.nodeId}`,
        topics: [voiceCommandIssuedV1],
        fromBeginning: false,
        handle: ({ envelope }) => this.calls.onCommand(envelope.payload as PayloadOf<typeof voiceCommandIssuedV1>, envelope.tenantId),
      }),
    );
    this.stack.onRequest(async (inbound) => {
      if (inbound.method === 'REGISTER') return this.registrar.handle(inbound);
      if (await this.calls.onRequest(inbound)) return;
      if (inbound.method === 'OPTIONS') inbound.respond(200, 'OK', { Allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, REFER' });
      else if (inbound.request.toTag !== undefined) inbound.respond(481, 'Call/Transaction Does Not Exist');
      else inbound.respond(405, 'Method Not Allowed', { Allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, REFER' });
    });
    this.stack.on('flowClosed', (flow) => void this.registrar.onFlowClosed(flow));
    await this.stack.start();
  }

  /** Stops new calls (503) while calls in progress go on. */
  drain(): void {
    this.calls.drain();
  }

  async stop(): Promise<void> {
    this.calls.drain();
    for (const s of this.subscriptions.splice(0)) await s.close();
    await this.calls.endAll('shutdown');
    await this.stack.close();
  }
}
