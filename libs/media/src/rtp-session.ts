// One RTP leg: a UDP socket bound to a pool port on the configured media address. It learns where
// to send (symmetric RTP: latch onto the first packet's source when the SDP address is unusable),
// sends with its own SSRC / sequence / timestamp, keeps RFC 3550 statistics and reports inactivity.
//
// Hot path: received datagrams are parsed into one reused RtpView (the 'rtp' event gets it; use it
// before returning). Sends are written into a small ring of reused buffers and handed to the kernel
// synchronously (the socket's lookup answers IP literals at once instead of on the next tick).
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { type LegTransport, type LegTransportStats } from './leg-transport';
import { type PortPool } from './port-pool';
import { isRtcp, readRtp, RTP_HEADER_SIZE, RtpView, writeRtpHeader } from './rtp-packet';
import { type RtpReceiveSnapshot, RtpReceiveStats } from './rtp-stats';

export interface RtpEndpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * When to take the first packet's source as the remote endpoint:
 * - 'when-unusable' (default): when there is no SDP address, it is unspecified (0.0.0.0, ::), or it
 *   is private while the packet comes from elsewhere (the peer is behind NAT). Otherwise packets from
 *   other addresses than the SDP one are dropped.
 * - 'always': latch onto the first packet whatever the SDP said (comedia); others are then dropped.
 * - 'off': send to the SDP address only; accept packets from anywhere (asymmetric peers).
 */
export type RtpLatching = 'off' | 'when-unusable' | 'always';

export interface RtpSessionOptions {
  readonly pool: PortPool;
  /** Local media address to bind (an IP literal). */
  readonly bindAddress: string;
  /** The address from the remote SDP, if known. */
  readonly remote?: RtpEndpoint | null;
  readonly latching?: RtpLatching;
  /** Payload type of outgoing media (default 0, PCMU). */
  readonly payloadType?: number;
  readonly clockRate?: number;
  readonly ssrc?: number;
  /** Emit 'inactive' after this long without RTP (0 = never, the default). */
  readonly inactivityTimeoutMs?: number;
  /** Ports to try when a pool port is taken by another process; default 8. */
  readonly bindAttempts?: number;
  /** SO_RCVBUF for the socket; default: the system's. */
  readonly receiveBufferBytes?: number;
}

export interface RtpSessionStats {
  readonly localPort: number;
  readonly remote: RtpEndpoint | null;
  readonly latched: boolean;
  readonly ssrc: number;
  readonly remoteSsrc: number | null;
  readonly sent: { readonly packets: number; readonly bytes: number };
  /** Current remote source, per RFC 3550 (reset when its SSRC changes). */
  readonly received: RtpReceiveSnapshot;
  /** All RTP packets accepted since the session opened (every SSRC). */
  readonly receivedTotal: { readonly packets: number; readonly bytes: number };
  readonly rtcpPackets: number;
  readonly malformed: number;
  /** Packets dropped because they came from another source than the remote. */
  readonly foreign: number;
  readonly ssrcChanges: number;
  readonly sendErrors: number;
  /** ICMP port-unreachable reports for packets sent to the remote. */
  readonly unreachable: number;
}

export interface RtpSessionEvents {
  /** A valid RTP packet from the remote. The view is reused: read it before returning. */
  rtp: [packet: RtpView, from: dgram.RemoteInfo];
  rtcp: [packet: Buffer, from: dgram.RemoteInfo];
  /** The remote endpoint was learned from a packet's source. */
  latched: [remote: RtpEndpoint];
  /** The remote source changed SSRC (a new stream: reset jitter buffers). */
  'ssrc-change': [ssrc: number];
  /** No RTP for `inactivityTimeoutMs` (once per silent period). */
  inactive: [info: { silentMs: number }];
  /** RTP came back after 'inactive'. */
  active: [];
  error: [error: Error];
  close: [];
}

export class RtpBindError extends Error {
  override readonly name = 'RtpBindError';
}

const RING = 8;
const RING_PAYLOAD = 320;

/** Answers IP literals synchronously so dgram.send reaches the kernel before returning. */
function syncLookup(
  hostname: string,
  options: LookupOneOptions | number | ((err: NodeJS.ErrnoException | null, address: string, family: number) => void),
  callback?: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const cb = typeof options === 'function' ? options : callback!;
  const family = isIP(hostname);
  if (family) {
    cb(null, hostname, family);
    return;
  }
  dnsLookup(hostname, typeof options === 'object' ? options : { family: typeof options === 'number' ? options : 0 }, cb);
}

const PRIVATE_V4 = [
  [0x0a000000, 0xff000000], // 10/8
  [0xac100000, 0xfff00000], // 172.16/12
  [0xc0a80000, 0xffff0000], // 192.168/16
  [0x64400000, 0xffc00000], // 100.64/10 (CGNAT)
  [0xa9fe0000, 0xffff0000], // 169.254/16
] as const;

function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) {
    const n = address.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
    return PRIVATE_V4.some(([net, mask]) => ((n & mask) >>> 0) === net);
  }
  const lower = address.toLowerCase();
  return lower.startsWith('fc') || lower.startsWith('fd') || lower.startsWith('fe80');
}

function isUnspecified(address: string): boolean {
  return address === '' || address === '0.0.0.0' || address === '::' || isIP(address) === 0;
}

export class RtpSession extends EventEmitter<RtpSessionEvents> implements LegTransport {
  readonly localAddress: string;
  readonly localPort: number;
  readonly ssrc: number;
  readonly clockRate: number;
  payloadType: number;
  /** Sequence number of the next packet sent. */
  sequenceNumber: number;
  /** RTP timestamp of the next frame sent (advance it once per frame). */
  timestamp: number;
  private remoteEndpoint: RtpEndpoint | null;
  private latched = false;
  private connected = false;
  private readonly latching: RtpLatching;
  private readonly socket: dgram.Socket;
  private readonly pool: PortPool;
  private readonly view = new RtpView();
  private readonly stats = new RtpReceiveStats();
  private readonly ring: Buffer[];
  private readonly ringViews: Buffer[];
  private ringIndex = 0;
  private remoteSsrc: number | null = null;
  private sentPackets = 0;
  private sentBytes = 0;
  private receivedPackets = 0;
  private receivedBytes = 0;
  private rtcpPackets = 0;
  private malformed = 0;
  private foreign = 0;
  private ssrcChanges = 0;
  private sendErrors = 0;
  private unreachable = 0;
  private lastReceivedAt: number;
  private inactivityMs: number;
  private inactiveReported = false;
  private watchdog: NodeJS.Timeout | null = null;
  private closed = false;
  /** The hot-path consumer of packets (the leg), called before any 'rtp' listeners. */
  private packetHandler: ((packet: RtpView, from: dgram.RemoteInfo) => void) | null = null;
  /** 'rtp' listeners, kept up to date so the hot path does not look them up per packet. */
  private rtpListeners = 0;

  private constructor(options: RtpSessionOptions, socket: dgram.Socket, port: number) {
    super();
    this.socket = socket;
    this.pool = options.pool;
    this.localAddress = options.bindAddress;
    this.localPort = port;
    this.latching = options.latching ?? 'when-unusable';
    this.payloadType = options.payloadType ?? 0;
    this.clockRate = options.clockRate ?? 8000;
    const random = randomBytes(10);
    this.ssrc = options.ssrc ?? random.readUInt32BE(0);
    this.sequenceNumber = random.readUInt16BE(4);
    this.timestamp = random.readUInt32BE(6);
    this.remoteEndpoint = options.remote ?? null;
    this.ring = Array.from({ length: RING }, () => Buffer.alloc(RTP_HEADER_SIZE + RING_PAYLOAD));
    this.ringViews = this.ring.map((b) => b);
    this.lastReceivedAt = performance.now();
    this.inactivityMs = 0;
    const plain = this as EventEmitter;
    plain.on('newListener', (event: string | symbol) => {
      if (event === 'rtp') this.rtpListeners++;
    });
    plain.on('removeListener', (event: string | symbol) => {
      if (event === 'rtp') this.rtpListeners--;
    });
    socket.on('message', this.onMessage);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // ICMP port unreachable, reported on a connected socket: the far end is gone or not yet
      // listening — normal in telephony, counted (a peer that never listens ends up 'inactive').
      if (error.code === 'ECONNREFUSED') this.unreachable++;
      else this.fail(error);
    });
    this.setInactivityTimeout(options.inactivityTimeoutMs ?? 0);
  }

  /** Binds a socket on a pool port (trying the next port when one is taken) and opens the session. */
  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    const family = isIP(options.bindAddress);
    if (!family) throw new RtpBindError(`RTP bind address must be an IP address, got "${options.bindAddress}"`);
    const attempts = options.bindAttempts ?? 8;
    let lastError: unknown = null;
    const busy: number[] = [];
    try {
      for (let attempt = 0; attempt < attempts; attempt++) {
        const port = options.pool.acquire();
        const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', lookup: syncLookup });
        try {
          await new Promise<void>((resolve, reject) => {
            socket.once('error', reject);
            socket.bind({ port, address: options.bindAddress, exclusive: true }, () => {
              socket.off('error', reject);
              resolve();
            });
          });
          if (options.receiveBufferBytes) socket.setRecvBufferSize(options.receiveBufferBytes);
          return new RtpSession(options, socket, port);
        } catch (error) {
          lastError = error;
          socket.close();
          // A port someone else holds goes back to the pool only after this search, so the next attempt gets another one.
          busy.push(port);
          if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
        }
      }
      throw new RtpBindError(`could not bind an RTP port on ${options.bindAddress}: ${(lastError as Error)?.message ?? 'unknown error'}`);
    } finally {
      for (const port of busy) options.pool.release(port);
    }
  }

  /** Where packets go (null until known). */
  get remote(): RtpEndpoint | null {
    return this.remoteEndpoint;
  }

  /** True once the remote is settled: latched onto a packet's source, or confirmed by one. */
  get isLatched(): boolean {
    return this.latched;
  }

  /** True while the socket is connected to the remote (set when the remote settles). */
  get isConnected(): boolean {
    return this.connected;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sets the one direct consumer of received packets (no event dispatch per packet); null removes
   * it. The view is reused: read it before returning. 'rtp' listeners still get every packet too.
   */
  setPacketHandler(handler: ((packet: RtpView, from: dgram.RemoteInfo) => void) | null): void {
    this.packetHandler = handler;
  }

  /** A new remote from a re-INVITE/UPDATE: replaces the endpoint and forgets any latch. */
  setRemote(remote: RtpEndpoint | null): void {
    this.unsettle();
    this.remoteEndpoint = remote;
  }

  /** 0 disables (e.g. while the call is on hold and the remote sends nothing). */
  setInactivityTimeout(ms: number): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.inactivityMs = ms;
    this.inactiveReported = false;
    this.lastReceivedAt = performance.now();
    if (ms > 0 && !this.closed) {
      this.watchdog = setInterval(this.checkInactivity, Math.max(20, Math.min(1000, ms / 4)));
      this.watchdog.unref();
    }
  }

  private readonly checkInactivity = (): void => {
    const silentMs = performance.now() - this.lastReceivedAt;
    if (!this.inactiveReported && silentMs >= this.inactivityMs) {
      this.inactiveReported = true;
      this.emit('inactive', { silentMs });
    }
  };

  private readonly onMessage = (msg: Buffer, from: dgram.RemoteInfo): void => {
    if (isRtcp(msg)) {
      this.rtcpPackets++;
      this.emit('rtcp', msg, from);
      return;
    }
    const view = this.view;
    if (readRtp(msg, view) !== null) {
      this.malformed++;
      return;
    }
    if (!this.accept(from)) {
      this.foreign++;
      return;
    }
    const now = performance.now();
    this.lastReceivedAt = now;
    if (this.inactiveReported) {
      this.inactiveReported = false;
      this.emit('active');
    }
    if (view.ssrc !== this.remoteSsrc) {
      if (this.remoteSsrc !== null) {
        this.ssrcChanges++;
        this.stats.reset();
        this.emit('ssrc-change', view.ssrc);
      }
      this.remoteSsrc = view.ssrc;
    }
    this.receivedPackets++;
    this.receivedBytes += view.payloadLength;
    this.stats.update(view.sequenceNumber, view.timestamp, now, view.payloadLength);
    const handler = this.packetHandler;
    if (handler !== null) handler(view, from);
    if (this.rtpListeners > 0) this.emit('rtp', view, from);
  };

  /**
   * Source check and latching. Once the remote is settled (latched onto a packet's source, or the
   * first packet confirmed the SDP address and port) the socket is connected to it: the kernel then
   * drops other sources for us and sends skip the per-packet address handling.
   */
  private accept(from: dgram.RemoteInfo): boolean {
    const remote = this.remoteEndpoint;
    if (this.latched) return remote !== null && from.address === remote.address && from.port === remote.port;
    if (this.latching === 'off') return true;
    const unusable =
      remote === null || isUnspecified(remote.address) || (isPrivateAddress(remote.address) && from.address !== remote.address);
    if (this.latching === 'always' || unusable) {
      this.remoteEndpoint = { address: from.address, port: from.port };
      this.settle();
      this.emit('latched', this.remoteEndpoint);
      return true;
    }
    if (from.address !== remote!.address) return false;
    if (from.port === remote!.port) this.settle(); // symmetric RTP confirmed
    return true;
  }

  private settle(): void {
    this.latched = true;
    const remote = this.remoteEndpoint!;
    try {
      this.socket.connect(remote.port, remote.address);
      this.connected = this.socket.remoteAddress().port === remote.port;
    } catch {
      this.connected = false; // stay unconnected: sends carry the address
    }
  }

  private unsettle(): void {
    this.latched = false;
    if (this.connected) {
      this.connected = false;
      try {
        this.socket.disconnect();
      } catch {
        // already disconnected
      }
    }
  }

  /**
   * Sends one packet now: `payload` with the given marker, payload type and timestamp (default:
   * the session's). Does not advance the timestamp. Returns false when there is no remote yet
   * or the session is closed.
   */
  send(payload: Uint8Array, marker = false, payloadType = this.payloadType, timestamp = this.timestamp): boolean {
    const remote = this.remoteEndpoint;
    if (this.closed || remote === null) return false;
    const size = RTP_HEADER_SIZE + payload.length;
    let packet: Buffer;
    if (payload.length <= RING_PAYLOAD) {
      const i = this.ringIndex;
      this.ringIndex = (i + 1) % RING;
      packet = this.ringViews[i]!;
      if (packet.length !== size) {
        packet = this.ring[i]!.subarray(0, size);
        this.ringViews[i] = packet;
      }
    } else {
      packet = Buffer.allocUnsafe(size);
    }
    writeRtpHeader(packet, marker, payloadType, this.sequenceNumber, timestamp, this.ssrc);
    packet.set(payload, RTP_HEADER_SIZE);
    this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
    try {
      if (this.connected) this.socket.send(packet);
      else this.socket.send(packet, remote.port, remote.address);
    } catch (error) {
      this.sendErrors++;
      if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') this.unreachable++;
      else this.fail(error as Error);
      return false;
    }
    this.sentPackets++;
    this.sentBytes += payload.length;
    return true;
  }

  /** Sends one media frame at the current timestamp and advances it by `samples` (default 160). */
  sendFrame(payload: Uint8Array, samples = 160, marker = false): boolean {
    const ok = this.send(payload, marker, this.payloadType, this.timestamp);
    this.timestamp = (this.timestamp + samples) >>> 0;
    return ok;
  }

  /** Advances the timestamp without sending (silence suppression, a frame taken by DTMF, a skip). */
  advanceTimestamp(samples: number): void {
    this.timestamp = (this.timestamp + samples) >>> 0;
  }

  /** Sends a raw datagram (e.g. RTCP) to the remote. */
  sendRaw(datagram: Uint8Array): boolean {
    const remote = this.remoteEndpoint;
    if (this.closed || remote === null) return false;
    if (this.connected) this.socket.send(datagram);
    else this.socket.send(datagram, remote.port, remote.address);
    return true;
  }

  getStats(): RtpSessionStats {
    return {
      localPort: this.localPort,
      remote: this.remoteEndpoint,
      latched: this.latched,
      ssrc: this.ssrc,
      remoteSsrc: this.remoteSsrc,
      sent: { packets: this.sentPackets, bytes: this.sentBytes },
      received: this.stats.snapshot(),
      receivedTotal: { packets: this.receivedPackets, bytes: this.receivedBytes },
      rtcpPackets: this.rtcpPackets,
      malformed: this.malformed,
      foreign: this.foreign,
      ssrcChanges: this.ssrcChanges,
      sendErrors: this.sendErrors,
      unreachable: this.unreachable,
    };
  }

  /** The counters every leg transport reports (for engine totals). */
  transportStats(): LegTransportStats {
    return { packetsSent: this.sentPackets, packetsReceived: this.receivedPackets, packetsLost: Math.max(0, this.stats.snapshot().lost) };
  }

  private fail(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** Closes the socket and gives the port back to the pool (idempotent). */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    return new Promise((resolve) => {
      this.socket.close(() => {
        this.pool.release(this.localPort);
        this.emit('close');
        resolve();
      });
    });
  }
}
