// SIP over UDP: one socket (IPv4, or IPv6 — dual-stack on `::`), one message per datagram. A
// flow is a remote address; it never closes.
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { SipStackError } from './sip.errors';
import { advertisedAddress, BaseTransport, isSipFlow, normaliseAddress, type SipAddress, type SipDestination, type SipFlow, type SipTransport, type SipTransportOptions } from './transport';

export class UdpTransport extends BaseTransport implements SipTransport {
  readonly kind = 'udp' as const;
  readonly reliable = false;
  private socket?: Socket;
  private bound?: SipAddress;
  private readonly flows = new Map<string, SipFlow>();
  private readonly options: SipTransportOptions;

  constructor(options: SipTransportOptions = {}) {
    super(options.parse);
    this.options = options;
  }

  get sentBy(): SipAddress {
    if (!this.bound) throw new SipStackError('UDP transport is not listening');
    return { address: advertisedAddress(this.bound.address, this.options.publicAddress), port: this.bound.port };
  }

  /** The bound address and port (after `listen`). */
  get local(): SipAddress {
    if (!this.bound) throw new SipStackError('UDP transport is not listening');
    return this.bound;
  }

  listen(): Promise<void> {
    if (this.socket) return Promise.reject(new SipStackError('UDP transport is already listening'));
    const address = this.options.address ?? '0.0.0.0';
    const v6 = isIP(address) === 6;
    const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: false, reuseAddr: false });
    this.socket = socket;
    socket.on('message', (data, rinfo) => {
      const remote = { address: normaliseAddress(rinfo.address), port: rinfo.port };
      try {
        this.receiveBytes(data, this.flowFor(remote));
      } catch (error) {
        this.emit('error', error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('error', (error) => this.emit('error', error));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port ?? 5060, address, () => {
        socket.off('error', reject);
        const info = socket.address();
        this.bound = { address: info.address, port: info.port };
        resolve();
      });
    });
  }

  private flowFor(remote: SipAddress): SipFlow {
    const key = `${remote.address}|${remote.port}`;
    let flow = this.flows.get(key);
    if (!flow) {
      if (this.flows.size > 100_000) this.flows.clear();
      flow = { transport: 'udp', local: this.local, remote, id: `udp:${remote.address}:${remote.port}` };
      this.flows.set(key, flow);
    }
    return flow;
  }

  send(data: Buffer, target: SipFlow | SipDestination): Promise<SipFlow> {
    const socket = this.socket;
    if (!socket || !this.bound) return Promise.reject(new SipStackError('UDP transport is not listening'));
    const remote = isSipFlow(target) ? target.remote : { address: normaliseAddress(target.address), port: target.port };
    const flow = this.flowFor(remote);
    let address = remote.address;
    // A dual-stack IPv6 socket reaches IPv4 peers through v4-mapped addresses.
    if (isIP(this.bound.address) === 6 && isIP(address) === 4) address = `::ffff:${address}`;
    return new Promise((resolve, reject) => {
      socket.send(data, remote.port, address, (error) => (error ? reject(error) : resolve(flow)));
    });
  }

  getFlow(id: string): SipFlow | undefined {
    if (!id.startsWith('udp:') || !this.bound) return undefined;
    const colon = id.lastIndexOf(':');
    const port = Number(id.slice(colon + 1));
    const address = id.slice(4, colon);
    if (!Number.isInteger(port) || port <= 0 || port > 65535 || isIP(address) === 0) return undefined;
    return this.flowFor({ address, port });
  }

  isFlowOpen(): boolean {
    return this.socket !== undefined;
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
