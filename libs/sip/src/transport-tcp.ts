// SIP over TCP: a listening server and outbound connections, each connection one flow, framed by
// Content-Length. Connections are reused per remote address; CRLF CRLF keep-alive pings get a
// CRLF pong (RFC 5626 §4.4.1). A stream that cannot be framed gets a 400 if possible, then closes.
import { connect, createServer, isIP, type Server, type Socket } from 'node:net';
import { SipStreamFramer } from './sip-parser';
import { SipStackError } from './sip.errors';
import {
  advertisedAddress,
  BaseTransport,
  isSipFlow,
  newFlowId,
  normaliseAddress,
  type SipAddress,
  type SipDestination,
  type SipFlow,
  type SipTransport,
  type SipTransportOptions,
} from './transport';

export interface TcpTransportOptions extends SipTransportOptions {
  /** Give up connecting after this long (default 5 s). */
  connectTimeoutMs?: number;
  /** Close a connection idle for this long (default 0: never). */
  idleTimeoutMs?: number;
  /** Largest body accepted (default 1 MiB). */
  maxBodyBytes?: number;
}

interface Connection {
  socket: Socket;
  flow: SipFlow;
  remoteKey: string;
}

const remoteKey = (address: string, port: number): string => `${normaliseAddress(address)}|${port}`;

export class TcpTransport extends BaseTransport implements SipTransport {
  readonly kind = 'tcp' as const;
  readonly reliable = true;
  private server?: Server;
  private bound?: SipAddress;
  private readonly connections = new Map<string, Connection>();
  private readonly byRemote = new Map<string, string>();
  private readonly connecting = new Map<string, Promise<Connection>>();
  private closed = false;

  constructor(private readonly options: TcpTransportOptions = {}) {
    super(options.parse);
  }

  get sentBy(): SipAddress {
    if (!this.bound) throw new SipStackError('TCP transport is not listening');
    return { address: advertisedAddress(this.bound.address, this.options.publicAddress), port: this.bound.port };
  }

  get local(): SipAddress {
    if (!this.bound) throw new SipStackError('TCP transport is not listening');
    return this.bound;
  }

  /** Open connections (flows). */
  get connectionCount(): number {
    return this.connections.size;
  }

  listen(): Promise<void> {
    if (this.server) return Promise.reject(new SipStackError('TCP transport is already listening'));
    const server = createServer((socket) => this.adopt(socket));
    this.server = server;
    server.on('error', (error) => this.emit('error', error));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.options.port ?? 5060, host: this.options.address ?? '0.0.0.0', ipv6Only: false }, () => {
        server.off('error', reject);
        const info = server.address();
        if (info && typeof info === 'object') this.bound = { address: info.address, port: info.port };
        resolve();
      });
    });
  }

  private adopt(socket: Socket): Connection {
    const flow: SipFlow = {
      transport: 'tcp',
      local: { address: normaliseAddress(socket.localAddress ?? ''), port: socket.localPort ?? 0 },
      remote: { address: normaliseAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 },
      id: newFlowId('tcp'),
    };
    const key = remoteKey(flow.remote.address, flow.remote.port);
    const connection: Connection = { socket, flow, remoteKey: key };
    this.connections.set(flow.id, connection);
    this.byRemote.set(key, flow.id);
    socket.setNoDelay(true);
    if (this.options.idleTimeoutMs) {
      socket.setTimeout(this.options.idleTimeoutMs, () => socket.destroy());
    }
    const framer = new SipStreamFramer({ ...this.options.parse, ...(this.options.maxBodyBytes ? { maxBodyBytes: this.options.maxBodyBytes } : {}) });
    socket.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) {
        try {
          if (frame.kind === 'message') {
            this.receiveMessage(frame.message, flow);
          } else if (frame.kind === 'keepalive') {
            if (frame.type === 'ping' && socket.writable) socket.write('\r\n');
          } else {
            this.rejectInput(frame.error, flow);
            if (frame.fatal) socket.end();
          }
        } catch (error) {
          this.emit('error', error instanceof Error ? error : new Error(String(error)));
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.connections.delete(flow.id);
      if (this.byRemote.get(key) === flow.id) this.byRemote.delete(key);
      this.emit('flowClosed', flow);
    });
    return connection;
  }

  private openConnection(address: string, port: number): Promise<Connection> {
    const key = remoteKey(address, port);
    const pending = this.connecting.get(key);
    if (pending) return pending;
    const promise = new Promise<Connection>((resolve, reject) => {
      const socket = connect({ host: address, port, family: isIP(address) === 6 ? 6 : 4 });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new SipStackError(`TCP connect to ${address}:${port} timed out`));
      }, this.options.connectTimeoutMs ?? 5000);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        if (this.closed) {
          socket.destroy();
          reject(new SipStackError('TCP transport closed'));
          return;
        }
        resolve(this.adopt(socket));
      });
    }).finally(() => this.connecting.delete(key));
    this.connecting.set(key, promise);
    return promise;
  }

  private write(connection: Connection, data: Buffer): SipFlow {
    connection.socket.write(data);
    return connection.flow;
  }

  send(data: Buffer, target: SipFlow | SipDestination): Promise<SipFlow> {
    if (this.closed) return Promise.reject(new SipStackError('TCP transport closed'));
    if (isSipFlow(target)) {
      const connection = this.connections.get(target.id);
      if (connection && connection.socket.writable) return Promise.resolve(this.write(connection, data));
      return Promise.reject(new SipStackError(`TCP flow ${target.id} is closed`));
    }
    const existing = this.byRemote.get(remoteKey(target.address, target.port));
    const connection = existing ? this.connections.get(existing) : undefined;
    if (connection && connection.socket.writable) return Promise.resolve(this.write(connection, data));
    return this.openConnection(normaliseAddress(target.address), target.port).then((c) => this.write(c, data));
  }

  getFlow(id: string): SipFlow | undefined {
    const connection = this.connections.get(id);
    return connection && connection.socket.writable ? connection.flow : undefined;
  }

  isFlowOpen(flow: SipFlow): boolean {
    return this.connections.get(flow.id)?.socket.writable === true;
  }

  /** Closes one connection (e.g. a registrar dropping a flow). */
  closeFlow(flow: SipFlow): void {
    this.connections.get(flow.id)?.socket.destroy();
  }

  close(): Promise<void> {
    this.closed = true;
    for (const { socket } of this.connections.values()) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
