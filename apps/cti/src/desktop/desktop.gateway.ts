import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server as HttpServer, STATUS_CODES } from 'node:http';
import { type Duplex } from 'node:stream';
import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type WebSocket, WebSocketServer } from 'ws';
import { CTI_WS_PATH, type CtiServerMessage, ctiWsCloseCodes } from '@parley/contracts';
import { type UnitOfWork } from '@parley/persistence';
import { withLogContext } from '@parley/telemetry';
import { type CtiEnv } from '../config/env.schema';
import { CTI_CONFIG, CTI_LOGGER, CTI_METRICS, CTI_REALTIME, CTI_UNIT_OF_WORK, type CtiLogger } from '../cti.tokens';
import { isSupervising } from '../http/cti-http';
import { type CtiMetrics } from '../runtime/cti-metrics';
import { type CtiRealtime, type CtiSignal, type WsTicketClaims } from '../realtime/cti-realtime.port';
import { SeatsRepository } from '../seats/seats.repository';
import { parseClientMessage } from './client-messages';
import { DesktopResyncService } from './desktop-resync.service';

interface Desktop {
  readonly id: string;
  readonly ws: WebSocket;
  readonly claims: WsTicketClaims;
  /** Agent desktops: the sequence that decides which desktop of the agent is the live one. */
  readonly sequence: number;
  alive: boolean;
}

/**
 * The desktop WebSocket at /api/v1/cti/ws, on the Nest app's HTTP server (`noServer` upgrades:
 * other paths, such as voice's /sip, are left to their owners). A browser authenticates with a
 * one-time ticket (it cannot set headers on a WebSocket). Desktops are grouped by tenant; an agent
 * has one live desktop (a newer one takes over, on any instance); pushes arrive from the realtime
 * channel and go to the desktops of their audience. Heartbeats close silent desktops; shutdown
 * tells every desktop and closes it (1001) so it reconnects elsewhere.
 */
@Injectable()
export class DesktopGateway implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly wss: WebSocketServer;
  private readonly byTenant = new Map<string, Set<Desktop>>();
  private server: HttpServer | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private draining = false;
  private readonly upgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer): void => this.onUpgrade(request, socket, head);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(CTI_CONFIG) private readonly config: CtiEnv,
    @Inject(CTI_REALTIME) private readonly realtime: CtiRealtime,
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CTI_LOGGER) private readonly logger: CtiLogger,
    @Inject(CTI_METRICS) private readonly metrics: CtiMetrics,
    private readonly seats: SeatsRepository,
    private readonly resync: DesktopResyncService,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.CTI_WS_MAX_MESSAGE_BYTES });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = await this.realtime.subscribe((signal) => this.onSignal(signal));
    this.server = this.adapterHost.httpAdapter.getHttpServer() as HttpServer;
    this.server.on('upgrade', this.upgradeListener);
    this.heartbeat = setInterval(() => this.beat(), this.config.CTI_WS_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.server?.off('upgrade', this.upgradeListener);
    const closed: Promise<void>[] = [];
    for (const desktops of this.byTenant.values()) {
      for (const desktop of desktops) {
        this.send(desktop, { type: 'server.draining' });
        closed.push(this.closeAndWait(desktop, ctiWsCloseCodes.goingAway, 'server shutting down: reconnect'));
      }
    }
    await Promise.all(closed);
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Desktops connected to this instance (tests, metrics). */
  get connectionCount(): number {
    let n = 0;
    for (const set of this.byTenant.values()) n += set.size;
    return n;
  }

  private onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://cti');
    } catch {
      return;
    }
    if (url.pathname !== CTI_WS_PATH) return;
    socket.on('error', () => undefined);
    if (this.draining) return refuse(socket, 503, 'the server is shutting down: reconnect');
    const ticket = url.searchParams.get('ticket');
    if (!ticket) return refuse(socket, 401, 'a ticket is required: POST /api/v1/cti/ws-tickets, then connect with ?ticket=');
    void this.admit(ticket, request, socket, head).catch((error: unknown) => {
      this.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'a desktop could not be admitted');
      refuse(socket, 503, 'the desktop could not be admitted: try again');
    });
  }

  private async admit(ticket: string, request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const claims = await this.realtime.tickets.take(ticket);
    if (!claims) {
      this.metrics.wsRefused.inc({ reason: 'ticket' });
      return refuse(socket, 401, 'the ticket is unknown, expired or already used');
    }
    await withLogContext({ tenantId: claims.tenantId }, async () => {
      if (claims.mode === 'supervisor' && !isSupervising(claims.role)) {
        this.metrics.wsRefused.inc({ reason: 'role' });
        return refuse(socket, 403, `the role ${claims.role} may not open a supervisor desktop`);
      }
      if (claims.mode === 'agent' && !(await this.uow.inTenant(claims.tenantId, (tx) => this.seats.hasSeat(tx, claims.userId)))) {
        this.metrics.wsRefused.inc({ reason: 'seat' });
        return refuse(socket, 403, `user ${claims.userId} has no agent seat: working as an agent needs one`);
      }
      const sequence = claims.mode === 'agent' ? await this.realtime.nextDesktopSequence(claims.tenantId, claims.userId) : 0;
      if (socket.destroyed) return;
      this.wss.handleUpgrade(request, socket, head, (ws) => this.adopt(ws, claims, sequence));
    });
  }

  private adopt(ws: WebSocket, claims: WsTicketClaims, sequence: number): void {
    const desktop: Desktop = { id: randomUUID(), ws, claims, sequence, alive: true };
    if (this.draining) {
      ws.close(ctiWsCloseCodes.goingAway, 'server shutting down: reconnect');
      return;
    }
    let desktops = this.byTenant.get(claims.tenantId);
    if (!desktops) this.byTenant.set(claims.tenantId, (desktops = new Set()));
    if (claims.mode === 'agent') {
      // Older desktops of the agent here go at once; those on other instances when the claim reaches them.
      for (const other of desktops) if (other.claims.mode === 'agent' && other.claims.userId === claims.userId && other.sequence < sequence) this.replace(other);
      void this.realtime
        .publish({ kind: 'desktop-claimed', tenantId: claims.tenantId, agentId: claims.userId, sequence, connectionId: desktop.id })
        .catch((error: unknown) => this.logger.warn({ tenantId: claims.tenantId, err: error instanceof Error ? error.message : String(error) }, 'a desktop claim could not be announced'));
    }
    desktops.add(desktop);
    this.metrics.wsConnections.inc({ mode: claims.mode });
    ws.on('pong', () => {
      desktop.alive = true;
    });
    ws.on('message', (data, isBinary) => this.onMessage(desktop, data.toString(), isBinary));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.byTenant.get(claims.tenantId)?.delete(desktop);
      if (this.byTenant.get(claims.tenantId)?.size === 0) this.byTenant.delete(claims.tenantId);
      this.metrics.wsConnections.dec({ mode: claims.mode });
    });
    this.send(desktop, { type: 'welcome', connectionId: desktop.id, mode: claims.mode, userId: claims.userId, tenantId: claims.tenantId, heartbeatMs: this.config.CTI_WS_HEARTBEAT_MS });
    this.logger.info({ tenantId: claims.tenantId, userId: claims.userId, mode: claims.mode, connectionId: desktop.id }, 'desktop connected');
  }

  private onMessage(desktop: Desktop, data: string, isBinary: boolean): void {
    desktop.alive = true;
    const parsed = parseClientMessage(data, isBinary);
    if (!parsed.ok) {
      this.send(desktop, parsed.error);
      return;
    }
    const message = parsed.message;
    if (message.type === 'ping') {
      this.send(desktop, message.nonce !== undefined ? { type: 'pong', nonce: message.nonce } : { type: 'pong' });
      return;
    }
    if (desktop.claims.mode !== 'agent') return;
    void this.resync
      .messagesFor(desktop.claims.tenantId, desktop.claims.userId)
      .then((messages) => {
        for (const m of messages) this.send(desktop, m);
      })
      .catch((error: unknown) => this.logger.warn({ tenantId: desktop.claims.tenantId, err: error instanceof Error ? error.message : String(error) }, 'a resync failed'));
  }

  private onSignal(signal: CtiSignal): void {
    const desktops = this.byTenant.get(signal.tenantId);
    if (!desktops) return;
    if (signal.kind === 'push') {
      for (const desktop of desktops) {
        const forIt = desktop.claims.mode === 'agent' ? signal.audience.agentIds.includes(desktop.claims.userId) : signal.audience.supervisors;
        if (forIt) {
          this.send(desktop, signal.message);
          this.metrics.pushes.inc({ type: signal.message.type });
        }
      }
      return;
    }
    for (const desktop of desktops) {
      if (desktop.claims.mode !== 'agent' || desktop.claims.userId !== signal.agentId) continue;
      if (signal.kind === 'desktop-revoked') desktop.ws.close(ctiWsCloseCodes.unseated, 'the agent seat was released');
      else if (desktop.id !== signal.connectionId && desktop.sequence < signal.sequence) this.replace(desktop);
    }
  }

  private replace(desktop: Desktop): void {
    this.send(desktop, { type: 'session.replaced' });
    desktop.ws.close(ctiWsCloseCodes.replaced, 'another desktop of this agent took over');
    this.logger.info({ tenantId: desktop.claims.tenantId, userId: desktop.claims.userId, connectionId: desktop.id }, 'desktop replaced by a newer one');
  }

  private beat(): void {
    for (const desktops of this.byTenant.values()) {
      for (const desktop of desktops) {
        if (!desktop.alive) {
          desktop.ws.close(ctiWsCloseCodes.timeout, 'no heartbeat');
          desktop.ws.terminate();
          continue;
        }
        desktop.alive = false;
        desktop.ws.ping();
      }
    }
  }

  private send(desktop: Desktop, message: CtiServerMessage): void {
    if (desktop.ws.readyState === desktop.ws.OPEN) desktop.ws.send(JSON.stringify(message));
  }

  private closeAndWait(desktop: Desktop, code: number, reason: string): Promise<void> {
    return new Promise((resolve) => {
      if (desktop.ws.readyState === desktop.ws.CLOSED) return resolve();
      const timer = setTimeout(() => {
        desktop.ws.terminate();
        resolve();
      }, 2_000);
      desktop.ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      desktop.ws.close(code, reason);
    });
  }
}

/** Answers a refused upgrade with a plain HTTP status and a JSON body in the API's error shape. */
function refuse(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
