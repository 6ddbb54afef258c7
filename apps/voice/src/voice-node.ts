import { randomUUID } from 'node:crypto';
import { type Server } from 'node:http';
import {
  type Envelope,
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
import { type EventBus, type Subscription, type SubscriptionSpec } from '@parley/messaging';
import { type CounterStore, FailureLimiter } from '@parley/rate-limit';
import { SipStack, UdpTransport, TcpTransport, WsTransport, type SipTransport } from '@parley/sip';
import { AgentDialer } from './calls/agent-dialer';
import { TrunkDialer, type TrunkConfig } from './calls/trunk-dialer';
import { VoiceCalls } from './calls/voice-calls';
import { type CallRegistry } from './calls/call-registry';
import { DidDirectory } from './directory/did-directory';
import { type DirectorySnapshot } from './directory/directory-snapshot.client';
import { type BindingStore } from './registrar/binding-store.port';
import { Registrar } from './registrar/registrar';

/** The tenant topics voice's directory is a projection of. */
const DIRECTORY_TOPICS = [tenantCreatedV1, tenantUpdatedV1, phoneNumberAssignedV1, phoneNumberReleasedV1, userCreatedV1, userDeactivatedV1, seatAssignedV1, seatReleasedV1, voiceSettingsUpdatedV1] as const;

/** `${topic}/${partition}` → the first offset to take in that partition. */
export type PartitionStarts = ReadonlyMap<string, bigint>;

export const partitionKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/** How a node fills its directory (numbers, tenants, agents, voice settings) when it starts. */
export type DirectoryBoot =
  /**
   * Replays the tenant topics from their beginning (the default): right for the all-in-one mode,
   * whose directory is loaded from the database first and whose in-process bus starts empty, and
   * for tests; not enough for a cluster whose topics keep 7 days only.
   */
  | { kind: 'replay' }
  /** Loads the tenant service's snapshot and follows the topics from now on (a voice service of its own). */
  | {
      kind: 'snapshot';
      /** The snapshot (the tenant service's internal endpoint); rejects when it cannot be had. */
      fetchSnapshot: () => Promise<DirectorySnapshot>;
      /**
       * The current end of each partition of `topics` (Kafka: the high watermarks). Asked before
       * the node subscribes: the node then reads from the beginning and keeps only what lies at or
       * after these offsets (partitions missing here, e.g. of a topic created since, entirely), so
       * "now" is fixed before the snapshot is read (see startDirectory). Without it the group
       * starts at Kafka's "latest", which Kafka fixes at the group's first fetch, a moment after
       * subscribe() returns: an event published between the snapshot read and that fetch would
       * be missed.
       */
      partitionEnds?: (topics: readonly string[]) => Promise<PartitionStarts>;
    };

/** Told what the node does, for metrics. Must not throw. */
export interface VoiceNodeObserver {
  /** Every event the node's calls publish (voice.call.started.v1, voice.call.ended.v1, ...), as it goes to the bus. */
  published?(envelope: Envelope): void;
  /** A REGISTER was answered with `status`. */
  registerAnswered?(status: number): void;
}

export interface VoiceNodeOptions {
  nodeId: string;
  bus: EventBus;
  media: MediaEngineApi;
  bindings: BindingStore;
  counters: CounterStore;
  calls: CallRegistry;
  sip: {
    bindAddress: string;
    /** In the Via of what the node sends (an IP or a host name). */
    advertisedAddress: string;
    /** IP in the SDP and the Contact of calls (this node's own address); default `advertisedAddress`. */
    mediaAddress?: string;
    udpPort: number;
    tcpPort?: number;
    httpServer?: Server;
  };
  credentialSecret: string;
  nonceSecret: string;
  recordingsDir: string;
  commandTimeoutMs?: number;
  /** Trunks for calls to outside numbers: the primary first, then the backups. */
  trunks?: TrunkConfig[];
  /** Default `{ kind: 'replay' }`. */
  directoryBoot?: DirectoryBoot;
  observer?: VoiceNodeObserver;
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
  private loaded = false;

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
    const published = options.observer?.published?.bind(options.observer);
    this.calls = new VoiceCalls({
      stack: this.stack,
      media: options.media,
      directory: this.directory,
      bus: published
        ? {
            publish: (envelopes) => {
              for (const envelope of envelopes) published(envelope);
              return options.bus.publish(envelopes);
            },
          }
        : options.bus,
      advertisedAddress: options.sip.mediaAddress ?? options.sip.advertisedAddress,
      recordingsDir: options.recordingsDir,
      commandTimeoutMs: options.commandTimeoutMs,
      logger: options.logger,
      dialer: new TrunkDialer(this.stack, options.trunks ?? []),
      agents: new AgentDialer(this.stack, options.bindings, options.nodeId),
      registry: options.calls,
      nodeId: options.nodeId,
    });
  }

  /** True once the directory holds what the node routes by (after the snapshot and the events buffered meanwhile). */
  get directoryLoaded(): boolean {
    return this.loaded;
  }

  async start(): Promise<void> {
    try {
      await this.startDirectory(this.options.directoryBoot ?? { kind: 'replay' });
      this.subscriptions.push(
        await this.options.bus.subscribe({
          // Its own group: every node sees every command and acts on the calls it holds.
          group: `voice.commands.${this.options.nodeId}`,
          topics: [voiceCommandIssuedV1],
          fromBeginning: false,
          handle: ({ envelope }) => this.calls.onCommand(envelope.payload as PayloadOf<typeof voiceCommandIssuedV1>, envelope.tenantId),
        }),
      );
    } catch (error) {
      for (const s of this.subscriptions.splice(0)) await s.close().catch(() => undefined);
      throw error;
    }
    this.stack.onRequest(async (inbound) => {
      if (inbound.method === 'REGISTER') {
        await this.registrar.handle(inbound);
        const status = inbound.transaction.lastResponse?.status;
        if (status !== undefined) this.options.observer?.registerAnswered?.(status);
        return;
      }
      if (await this.calls.onRequest(inbound)) return;
      if (inbound.method === 'OPTIONS') inbound.respond(200, 'OK', { Allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, REFER' });
      else if (inbound.request.toTag !== undefined) inbound.respond(481, 'Call/Transaction Does Not Exist');
      else inbound.respond(405, 'Method Not Allowed', { Allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, REFER' });
    });
    this.stack.on('flowClosed', (flow) => void this.registrar.onFlowClosed(flow));
    await this.stack.start();
  }

  private async startDirectory(boot: DirectoryBoot): Promise<void> {
    const spec = (group: string, fromBeginning: boolean, handle: SubscriptionSpec['handle']): SubscriptionSpec => ({ group, topics: DIRECTORY_TOPICS, fromBeginning, handle });
    if (boot.kind === 'replay') {
      // Every node needs every tenant event (its own group), from the beginning: it is a projection.
      this.subscriptions.push(await this.options.bus.subscribe(spec(`voice.directory.${this.options.nodeId}`, true, async ({ envelope, topic }) => this.apply(topic.name, envelope.payload))));
      this.loaded = true;
      return;
    }
    // Why the snapshot plus the events buffered meanwhile converge to what replaying every tenant
    // event would have built:
    // 1. The start in each partition ("now": the partition ends asked for before subscribing) is
    //    fixed before the snapshot is read, and every event at or after it is delivered: the
    //    consumer group is new (one per start) and reads from the beginning, keeping only those.
    //    (Without partitionEnds, "now" is Kafka's "latest": see DirectoryBoot.)
    // 2. The tenant service writes an event to its outbox in the transaction of the change it
    //    describes and publishes it only after that commit. A change is therefore either in the
    //    snapshot (committed before the read) or published after the read, hence after the start,
    //    and delivered. None falls between the two.
    // 3. Each event carries the new state of what it is about (a number's assignment, a tenant, a
    //    user, a seat, a voice-settings revision), and one key's events keep their order on one
    //    partition. Applying the buffer on top of the snapshot leaves every key as its latest event
    //    says; an event whose change the snapshot already holds just sets the same state again (and
    //    an older voice-settings revision than the one held is ignored); a key no buffered event
    //    touches has not changed since the start, so the snapshot's state of it is current.
    // Events that arrive after the buffer was applied are applied as they come, as in replay mode.
    const group = `voice.directory.${this.options.nodeId}.${randomUUID().slice(0, 8)}`;
    const starts = boot.partitionEnds ? await boot.partitionEnds(DIRECTORY_TOPICS.map((t) => t.name)) : undefined;
    let buffer: { topic: string; payload: unknown }[] | null = [];
    let skipped = 0;
    this.subscriptions.push(
      await this.options.bus.subscribe(
        spec(group, starts !== undefined, async ({ envelope, topic, partition, offset }) => {
          const start = starts?.get(partitionKey(topic.name, partition));
          if (start !== undefined && BigInt(offset) < start) {
            skipped++; // before "now": its change is in the snapshot
            return;
          }
          if (buffer) buffer.push({ topic: topic.name, payload: envelope.payload });
          else this.apply(topic.name, envelope.payload);
        }),
      ),
    );
    const snapshot = await boot.fetchSnapshot();
    // Synchronous from here to the end: no event is handled between the snapshot and the buffer.
    this.directory.load(snapshot);
    const buffered = buffer;
    buffer = null;
    for (const event of buffered) this.apply(event.topic, event.payload);
    this.loaded = true;
    this.options.logger.info({ group, ...this.directory.size, bufferedEvents: buffered.length, skippedEvents: skipped }, 'directory loaded from the tenant snapshot');
  }

  /** One tenant event into the directory (payloads are validated by the bus against their topic). */
  private apply(topic: string, payload: unknown): void {
    const d = this.directory;
    switch (topic) {
      case tenantCreatedV1.name:
      case tenantUpdatedV1.name:
        d.onTenant(payload as PayloadOf<typeof tenantCreatedV1>);
        break;
      case phoneNumberAssignedV1.name:
        d.onNumberAssigned(payload as PayloadOf<typeof phoneNumberAssignedV1>);
        break;
      case phoneNumberReleasedV1.name:
        d.onNumberReleased(payload as PayloadOf<typeof phoneNumberReleasedV1>);
        break;
      case userCreatedV1.name:
        d.onUserCreated(payload as PayloadOf<typeof userCreatedV1>);
        break;
      case userDeactivatedV1.name:
        d.onUserDeactivated(payload as PayloadOf<typeof userDeactivatedV1>);
        break;
      case seatAssignedV1.name:
        d.onSeat(payload as PayloadOf<typeof seatAssignedV1>, true);
        break;
      case seatReleasedV1.name:
        d.onSeat(payload as PayloadOf<typeof seatReleasedV1>, false);
        break;
      case voiceSettingsUpdatedV1.name:
        d.onVoiceSettings(payload as PayloadOf<typeof voiceSettingsUpdatedV1>);
        break;
    }
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
