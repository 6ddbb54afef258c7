// SIP over WebSocket (RFC 7118): the `sip` subprotocol is required, one SIP message per
// WebSocket message (text when it is UTF-8, binary otherwise). Attaches to an existing Node
// http(s).Server on a path (`noServer` upgrade handling) or listens on its own port; can also
// connect out as a client. Each connection is a flow: requests to a browser go down its socket.
import { isUtf8 } from 'node:buffer';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
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

export interface WsTransportOptions extends SipTransportOptions {
  /** Attach to this server: upgrades on `path` are taken, others left alone. Without it the transport listens on `address:port`. */
  server?: HttpServer | HttpsServer;
  /** Upgrade path (default `/sip`). */
  path?: string;
  /** Largest WebSocket message accepted (default 1 MiB). */
  maxPayload?: number;
  /** Give up connecting out after this long (default 5 s). */
  connectTimeoutMs?: number;
}

interface Connection {
  ws: WebSocket;
  flow: SipFlow;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** The subprotocols a handshake offers. */
function offeredProtocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  return (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((p) => p.trim().toLowerCase()).filter(Boolean);
}

export class WsTransport extends BaseTransport implements SipTransport {
  readonly kind: 'ws' | 'wss';
  readonly reliable = true;
  private readonly wss: WebSocketServer;
  private httpServer?: HttpServer | HttpsServer;
  private ownServer = false;
  private bound?: SipAddress;
  private readonly connections = new Map<string, Connection>();
  private readonly byRemote = new Map<string, string>();
  private readonly path: string;
  private readonly upgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer): void => this.onUpgrade(request, socket, head);
  private closed = false;

  constructor(private readonly options: WsTransportOptions = {}) {
    super(options.parse);
    this.kind = options.server instanceof HttpsServer ? 'wss' : 'ws';
    this.path = options.path ?? '/sip';
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayload ?? 1024 * 1024,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
  }

  get sentBy(): SipAddress {
    if (!this.bound) throw new SipStackError('WebSocket transport is not listening');
    return { address: advertisedAddress(this.bound.address, this.options.publicAddress), port: this.bound.port };
  }

  get local(): SipAddress {
    if (!this.bound) throw new SipStackError('WebSocket transport is not listening');
    return this.bound;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async listen(): Promise<void> {
    if (this.httpServer) throw new SipStackError('WebSocket transport is already listening');
    let server = this.options.server;
    if (!server) {
      server = createServer((_request, response) => {
        response.writeHead(426, { Connection: 'close', Upgrade: 'websocket' }).end();
      });
      this.ownServer = true;
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen({ port: this.options.port ?? 8080, host: this.options.address ?? '0.0.0.0', ipv6Only: false }, () => {
          s.off('error', reject);
          resolve();
        });
      });
    }
    this.httpServer = server;
    server.on('upgrade', this.upgradeListener);
    const info = server.address();
    if (info && typeof info === 'object') this.bound = { address: info.address, port: info.port };
    else if (server.listening === false) {
      // Attached to a server not listening yet: learn the address when it does.
      server.once('listening', () => {
        const later = server.address();
        if (later && typeof later === 'object') this.bound = { address: later.address, port: later.port };
      });
    }
  }

  private onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    let pathname: string;
    try {
      pathname = new URL(request.url ?? '/', 'http://x').pathname;
    } catch {
      pathname = '';
    }
    if (pathname !== this.path) {
      if (this.ownServer) socket.destroy();
      return;
    }
    socket.on('error', () => undefined);
    if (this.closed || !offeredProtocols(request).includes('sip')) {
      // RFC 7118 §4.1: the handshake must negotiate "sip"; refuse anything else.
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 36\r\n\r\nWebSocket subprotocol "sip" required');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const raw = request.socket;
      this.adopt(ws, { address: normaliseAddress(raw.localAddress ?? ''), port: raw.localPort ?? 0 }, { address: normaliseAddress(raw.remoteAddress ?? ''), port: raw.remotePort ?? 0 });
    });
  }

  private adopt(ws: WebSocket, local: SipAddress, remote: SipAddress): Connection {
    const flow: SipFlow = { transport: this.kind, local, remote, id: newFlowId(this.kind) };
    const connection: Connection = { ws, flow };
    const key = `${remote.address}|${remote.port}`;
    this.connections.set(flow.id, connection);
    this.byRemote.set(key, flow.id);
    ws.on('message', (data) => {
      try {
        this.receiveBytes(toBuffer(data), flow);
      } catch (error) {
        this.emit('error', error instanceof Error ? error : new Error(String(error)));
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.connections.delete(flow.id);
      if (this.byRemote.get(key) === flow.id) this.byRemote.delete(key);
      this.emit('flowClosed', flow);
    });
    return connection;
  }

  private connectOut(target: SipDestination): Promise<Connection> {
    const host = target.address.includes(':') ? `[${target.address}]` : target.address;
    const scheme = target.transport === 'wss' ? 'wss' : 'ws';
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${scheme}://${host}:${target.port}${this.path}`, 'sip', { handshakeTimeout: this.options.connectTimeoutMs ?? 5000, maxPayload: this.options.maxPayload ?? 1024 * 1024 });
      ws.once('error', reject);
      ws.once('open', () => {
        ws.off('error', reject);
        if (ws.protocol !== 'sip') {
          ws.terminate();
          reject(new SipStackError('WebSocket server did not accept the "sip" subprotocol'));
          return;
        }
        const raw = (ws as unknown as { _socket?: { localAddress?: string; localPort?: number } })._socket;
        resolve(this.adopt(ws, { address: normaliseAddress(raw?.localAddress ?? ''), port: raw?.localPort ?? 0 }, { address: normaliseAddress(target.address), port: target.port }));
      });
    });
  }

  private write(connection: Connection, data: Buffer): Promise<SipFlow> {
    return new Promise((resolve, reject) => {
      connection.ws.send(data, { binary: !isUtf8(data) }, (error) => (error ? reject(error) : resolve(connection.flow)));
    });
  }

  send(data: Buffer, target: SipFlow | SipDestination): Promise<SipFlow> {
    if (this.closed) return Promise.reject(new SipStackError('WebSocket transport closed'));
    if (isSipFlow(target)) {
      const connection = this.connections.get(target.id);
      if (connection && connection.ws.readyState === WebSocket.OPEN) return this.write(connection, data);
      return Promise.reject(new SipStackError(`WebSocket flow ${target.id} is closed`));
    }
    const existing = this.byRemote.get(`${normaliseAddress(target.address)}|${target.port}`);
    const connection = existing ? this.connections.get(existing) : undefined;
    if (connection && connection.ws.readyState === WebSocket.OPEN) return this.write(connection, data);
    return this.connectOut(target).then((c) => this.write(c, data));
  }

  getFlow(id: string): SipFlow | undefined {
    const connection = this.connections.get(id);
    return connection && connection.ws.readyState === WebSocket.OPEN ? connection.flow : undefined;
  }

  isFlowOpen(flow: SipFlow): boolean {
    return this.connections.get(flow.id)?.ws.readyState === WebSocket.OPEN;
  }

  closeFlow(flow: SipFlow): void {
    this.connections.get(flow.id)?.ws.close(1000);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { ws } of this.connections.values()) ws.terminate();
    this.httpServer?.off('upgrade', this.upgradeListener);
    this.wss.close();
    const server = this.httpServer;
    this.httpServer = undefined;
    if (server && this.ownServer) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
