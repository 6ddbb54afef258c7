// The SIP endpoint: transports below, transactions in the middle, the TU (the app) above.
// Incoming requests are checked (RFC 3261 §8.2), matched to server transactions (retransmissions
// absorbed, ACK/CANCEL routed) and handed to `onRequest`; responses are matched to client
// transactions. Requests go out through `sendRequest`, with a Via per RFC 3261 §8.1.1.7.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { createResponse, generateBranch, reasonPhrase, type ResponseOptions } from './sip-builders';
import { SipEmitter, type SipErrorSink } from './sip-emitter';
import { formatVia, type Via } from './sip-header-values';
import { SipRequest, type SipHeaderInit, type SipMessage, type SipResponse } from './sip-message';
import { buildBadRequest } from './sip-parser';
import { DEFAULT_SIP_TIMERS, realScheduler, type SipScheduler, type SipTimerConfig } from './sip-scheduler';
import { serializeSipMessage } from './sip-serializer';
import { hostAddress, parseUri, uriHost } from './sip-uri';
import { SipParseError, SipStackError } from './sip.errors';
import { ClientTransaction, type TransactionEnvironment, type TransactionSender } from './transaction-client';
import { clientTransactionKey, clientTransactionKeyOf, serverTransactionKey } from './transaction-keys';
import { ServerTransaction, type ServerTransactionEvents } from './transaction-server';
import { isSipFlow, type SipDestination, type SipFlow, type SipInbound, type SipTransport, type SipTransportKind } from './transport';

/** pino-compatible logger (`logger.warn({ callId }, 'message')`). */
export interface SipLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

export const noopSipLogger: SipLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export interface SipStackOptions {
  transports: SipTransport[];
  /** T1, T2, T4 (defaults 500 ms, 4 s, 5 s). */
  timers?: Partial<SipTimerConfig>;
  /** Clock and timers (default: Node timers). */
  scheduler?: SipScheduler;
  /** Delay before an automatic `100 Trying` on an unanswered INVITE (default 200 ms; `false`: never). */
  tryingDelayMs?: number | false;
  /** Written as User-Agent on requests and Server on responses that lack them. */
  userAgent?: string;
  logger?: SipLogger;
  /** Resolves a host name to an address (default: `dns.lookup`). No SRV/NAPTR (RFC 3263) lookups are made. */
  resolveHost?: (host: string) => Promise<string>;
}

export interface SipStackEvents {
  /** A TCP / WebSocket connection closed: forget what was bound to it (registrations, dialogs). */
  flowClosed: [flow: SipFlow];
  /** An ACK that matched no transaction (e.g. for a 2xx after timer L). */
  strayAck: [inbound: SipInbound];
  /** A response that matched no client transaction (e.g. a 2xx retransmitted after timer M). */
  strayResponse: [inbound: SipInbound];
  /** Input that failed to parse or validate; `answered` when a 400 (or 416) went back. */
  parseError: [info: { error: SipParseError; flow: SipFlow; answered: boolean }];
  /** A transport-level error (socket error, listener bug). */
  error: [error: Error];
}

/** What `onRequest` receives: the request, its flow, and `respond`. ACK and CANCEL never come here (see the events). */
export class InboundRequest {
  constructor(
    readonly request: SipRequest,
    readonly flow: SipFlow,
    readonly transaction: ServerTransaction,
    private readonly userAgent?: string,
  ) {}

  get method(): string {
    return this.request.method;
  }

  /** The To tag every response of this transaction carries (a dialog's local tag). */
  get toTag(): string {
    return this.transaction.toTag;
  }

  /** True once a CANCEL for this INVITE arrived (a 487 was sent). */
  get cancelled(): boolean {
    return this.transaction.cancelled;
  }

  get finalSent(): boolean {
    return this.transaction.finalSent;
  }

  /** Builds and sends a response (Via, From, To with this transaction's tag, Call-ID and CSeq copied). */
  respond(status: number, reason?: string, headers?: SipHeaderInit, body?: Buffer | string): SipResponse {
    const options: ResponseOptions = { toTag: this.transaction.toTag };
    if (headers) options.headers = headers;
    if (body !== undefined) options.body = body;
    const response = createResponse(this.request, status, reason ?? reasonPhrase(status), options);
    this.reply(response);
    return response;
  }

  /** Sends a response built by the caller. */
  reply(response: SipResponse): void {
    if (this.userAgent && !response.headers.has('server')) response.headers.append('Server', this.userAgent);
    this.transaction.respond(response);
  }

  on<K extends keyof ServerTransactionEvents>(event: K, listener: (...args: ServerTransactionEvents[K]) => void): this {
    this.transaction.on(event, listener);
    return this;
  }

  once<K extends keyof ServerTransactionEvents>(event: K, listener: (...args: ServerTransactionEvents[K]) => void): this {
    this.transaction.once(event, listener);
    return this;
  }
}

/** Handles a new request; may return a promise (a rejection, like a throw, answers 500 if nothing final was sent). */
export type SipRequestHandler = (inbound: InboundRequest) => unknown;

export interface SendRequestOptions {
  /** Keep the request's top Via (a CANCEL must repeat its INVITE's). Default: add a new one. */
  keepVia?: boolean;
}

const DEFAULT_PORTS: Record<SipTransportKind, number> = { udp: 5060, tcp: 5060, ws: 80, wss: 443 };

export class SipStack extends SipEmitter<SipStackEvents> {
  readonly transports: readonly SipTransport[];
  readonly timers: SipTimerConfig;
  readonly scheduler: SipScheduler;
  private readonly env: TransactionEnvironment;
  private readonly logger: SipLogger;
  private handler?: SipRequestHandler;
  private readonly clientTransactions = new Map<string, ClientTransaction>();
  private readonly serverTransactions = new Map<string, ServerTransaction>();
  /** INVITE server transactions by Call-ID|CSeq|From tag, for the ACK of a 2xx (its own branch). */
  private readonly invitesByDialog = new Map<string, ServerTransaction>();
  private readonly resolveHost: (host: string) => Promise<string>;
  private readonly sink: SipErrorSink;
  private started = false;
  private closed = false;

  constructor(private readonly options: SipStackOptions) {
    super();
    if (options.transports.length === 0) throw new SipStackError('SipStack needs at least one transport');
    this.transports = options.transports;
    this.timers = { ...DEFAULT_SIP_TIMERS, ...options.timers };
    this.scheduler = options.scheduler ?? realScheduler;
    this.env = { scheduler: this.scheduler, timers: this.timers };
    this.logger = options.logger ?? noopSipLogger;
    this.resolveHost = options.resolveHost ?? (async (host) => (await lookup(host)).address);
    this.sink = (error, context) => this.logger.error({ err: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined }, context);
    this.setErrorSink(this.sink);
  }

  /** Starts every transport listening and wires them in. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const transport of this.transports) {
      transport.setErrorSink(this.sink);
      transport.on('message', (inbound) => this.receive(inbound));
      transport.on('flowClosed', (flow) => this.emit('flowClosed', flow));
      transport.on('parseError', (info) => {
        this.logger.debug({ reason: info.error.message, flow: info.flow.id, answered: info.answered }, 'SIP parse error');
        this.emit('parseError', info);
      });
      transport.on('error', (error) => {
        this.logger.warn({ err: error.message }, 'SIP transport error');
        this.emit('error', error);
      });
      await transport.listen();
    }
  }

  /** The handler of new requests (one; a second call replaces it). */
  onRequest(handler: SipRequestHandler): void {
    this.handler = handler;
  }

  transport(kind: SipTransportKind): SipTransport | undefined {
    return this.transports.find((t) => t.kind === kind);
  }

  /** The open flow with this id, on any transport (e.g. from a flow token kept by a registrar). */
  findFlow(id: string): SipFlow | undefined {
    for (const transport of this.transports) {
      const flow = transport.getFlow(id);
      if (flow) return flow;
    }
    return undefined;
  }

  /** Live transactions (client + server), for diagnostics. */
  get transactionCount(): number {
    return this.clientTransactions.size + this.serverTransactions.size;
  }

  // ---- incoming -------------------------------------------------------------------------------

  private receive(inbound: SipInbound): void {
    if (this.closed) return;
    try {
      if (inbound.message.kind === 'request') this.receiveRequest(inbound.message, inbound.flow);
      else this.receiveResponse(inbound.message, inbound.flow);
    } catch (error) {
      this.sink(error, 'handling an incoming SIP message');
    }
  }

  private rejectInvalid(request: SipRequest, flow: SipFlow, error: SipParseError, status = 400): void {
    let answered = false;
    if (request.method !== 'ACK') {
      const response = status === 400 ? buildBadRequest(request, error.message) : safeResponse(request, status);
      if (response) {
        answered = true;
        this.sendStateless(response, this.responseTarget(request, flow)).catch(() => undefined);
      }
    }
    this.emit('parseError', { error, flow, answered });
  }

  private receiveRequest(request: SipRequest, flow: SipFlow): void {
    // RFC 3261 §8.2: the headers every transaction and response needs must parse.
    try {
      void request.topVia;
      void request.from;
      void request.to;
      void request.callId;
      const cseq = request.cseq;
      if (cseq.method !== request.method) throw new SipParseError('bad-header-value', `CSeq method ${cseq.method} does not match ${request.method}`, 'CSeq');
    } catch (error) {
      this.rejectInvalid(request, flow, error instanceof SipParseError ? error : new SipParseError('bad-header-value', String(error)));
      return;
    }
    try {
      parseUri(request.uri);
    } catch (error) {
      const scheme = request.uri.slice(0, request.uri.indexOf(':')).toLowerCase();
      const unsupported = !['sip', 'sips', 'tel'].includes(scheme);
      this.rejectInvalid(request, flow, error instanceof SipParseError ? error : new SipParseError('bad-uri', String(error)), unsupported ? 416 : 400);
      return;
    }

    const key = serverTransactionKey(request);
    const existing = this.serverTransactions.get(key);
    if (existing) {
      existing.receiveRequest(request);
      return;
    }
    if (request.method === 'ACK') {
      const invite = this.invitesByDialog.get(dialogKey(request));
      if (invite && invite.state === 'accepted' && (request.toTag === undefined || request.toTag === invite.toTag)) {
        invite.receiveAck2xx(request);
        return;
      }
      this.emit('strayAck', { message: request, flow });
      return;
    }

    const transaction = this.createServerTransaction(request, flow, key);
    if (request.method === 'CANCEL') {
      const invite = this.serverTransactions.get(serverTransactionKey(request, 'INVITE'));
      if (invite && invite.isInvite && !invite.finalSent) {
        transaction.respond(createResponse(request, 200, 'OK', { toTag: invite.toTag }));
        invite.cancel(request);
      } else {
        transaction.respond(createResponse(request, 481, 'Call/Transaction Does Not Exist'));
      }
      return;
    }

    const inbound = new InboundRequest(request, flow, transaction, this.options.userAgent);
    const handler = this.handler;
    if (!handler) {
      inbound.respond(501, 'Not Implemented');
      return;
    }
    const fail = (error: unknown): void => {
      this.sink(error, `onRequest handler failed for ${request.method}`);
      if (!transaction.finalSent && transaction.state !== 'terminated') {
        try {
          inbound.respond(500, 'Server Internal Error');
        } catch {
          // the transaction ended meanwhile
        }
      }
    };
    try {
      const result = handler(inbound);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  private createServerTransaction(request: SipRequest, flow: SipFlow, key: string): ServerTransaction {
    const transport = this.transportOf(flow);
    const target = this.responseTarget(request, flow);
    const sender: TransactionSender = {
      reliable: transport.reliable,
      send: (message) => {
        const bytes = serializeSipMessage(message);
        const via = transport.reliable && transport.isFlowOpen(flow) ? flow : target;
        transport.send(bytes, via).catch((error: unknown) => transaction.transportFailed(error instanceof Error ? error : new Error(String(error))));
      },
    };
    // The sender's callbacks run after construction (sends settle asynchronously), so they may name it.
    const transaction: ServerTransaction = new ServerTransaction(request, this.env, sender, this.options.tryingDelayMs === undefined ? {} : { tryingDelayMs: this.options.tryingDelayMs });
    transaction.setErrorSink(this.sink);
    this.serverTransactions.set(key, transaction);
    const byDialog = request.method === 'INVITE' ? dialogKey(request) : undefined;
    if (byDialog) this.invitesByDialog.set(byDialog, transaction);
    transaction.on('terminated', () => {
      if (this.serverTransactions.get(key) === transaction) this.serverTransactions.delete(key);
      if (byDialog && this.invitesByDialog.get(byDialog) === transaction) this.invitesByDialog.delete(byDialog);
    });
    return transaction;
  }

  private receiveResponse(response: SipResponse, flow: SipFlow): void {
    let key: string;
    try {
      key = clientTransactionKey(response);
      void response.callId;
    } catch (error) {
      this.emit('parseError', { error: error instanceof SipParseError ? error : new SipParseError('bad-header-value', String(error)), flow, answered: false });
      return;
    }
    const transaction = this.clientTransactions.get(key);
    if (transaction) transaction.receiveResponse(response);
    else this.emit('strayResponse', { message: response, flow });
  }

  /** Where a response to `request` goes (RFC 3261 §18.2.2, RFC 3581): the flow for reliable transports, else the Via. */
  private responseTarget(request: SipRequest, flow: SipFlow): SipFlow | SipDestination {
    if (flow.transport !== 'udp') return flow;
    let via: Via;
    try {
      via = request.topVia;
    } catch {
      return flow;
    }
    if (typeof via.rport === 'number') return { transport: 'udp', address: via.received ?? flow.remote.address, port: via.rport };
    const address = via.received ?? hostAddress(via.host);
    if (isIP(address) === 0) return flow;
    return { transport: 'udp', address, port: via.port ?? 5060 };
  }

  private transportOf(target: SipFlow | SipDestination): SipTransport {
    const transport = this.transport(target.transport);
    if (!transport) throw new SipStackError(`no ${target.transport} transport`);
    return transport;
  }

  // ---- outgoing -------------------------------------------------------------------------------

  /** The next hop of a request without an explicit target: its first Route, else its Request-URI. */
  private async resolveNextHop(request: SipRequest): Promise<SipDestination> {
    const route = request.routes[0];
    const uri = parseUri(route ? route.uri : request.uri);
    if (uri.scheme === 'tel') throw new SipStackError(`cannot route a tel: URI (${request.uri}) without a target`);
    const kind = this.nextHopTransport(request);
    const address = isIP(hostAddress(uri.host)) ? hostAddress(uri.host) : await this.resolveHost(uri.host);
    return { transport: kind, address, port: uri.port ?? DEFAULT_PORTS[kind] };
  }

  private nextHopTransport(request: SipRequest): SipTransportKind {
    const route = request.routes[0];
    const uri = parseUri(route ? route.uri : request.uri);
    if (uri.scheme === 'sips') throw new SipStackError('sips: needs TLS, which this stack does not provide');
    const param = uri.params.transport?.toLowerCase();
    if (param === 'udp' || param === 'tcp' || param === 'ws' || param === 'wss') return param;
    if (param !== undefined && param !== null) throw new SipStackError(`unsupported transport "${param}"`);
    return this.transport('udp') ? 'udp' : this.transports[0]!.kind;
  }

  private addVia(request: SipRequest, transport: SipTransport): void {
    const sentBy = transport.sentBy;
    request.headers.prepend('Via', formatVia({ transport: transport.kind.toUpperCase(), host: uriHost(sentBy.address), port: sentBy.port, params: { branch: generateBranch(), rport: null } }));
  }

  private prepare(request: SipRequest): void {
    if (!request.headers.has('max-forwards')) request.headers.append('Max-Forwards', 70);
    if (this.options.userAgent && !request.headers.has('user-agent')) request.headers.append('User-Agent', this.options.userAgent);
  }

  /**
   * Sends a request in a new client transaction. The target is a flow (send down that
   * connection), a destination, or — left out — the first Route or the Request-URI (IP or host
   * name; `;transport=` picks the transport, UDP by default). The stack adds the top Via (new
   * branch, `rport`) and Max-Forwards to `request` itself.
   */
  sendRequest(request: SipRequest, target?: SipFlow | SipDestination, options: SendRequestOptions = {}): ClientTransaction {
    if (this.closed) throw new SipStackError('SipStack is closed');
    if (request.method === 'ACK') throw new SipStackError('ACK has no transaction: use sendAck');
    const kind = target ? target.transport : this.nextHopTransport(request);
    const transport = this.transport(kind);
    if (!transport) throw new SipStackError(`no ${kind} transport`);
    if (!options.keepVia || !request.headers.has('via')) this.addVia(request, transport);
    this.prepare(request);
    let destination: SipFlow | SipDestination | undefined = target;
    const sender: TransactionSender = {
      reliable: transport.reliable,
      send: (message) => {
        const to = transaction.flow && transport.isFlowOpen(transaction.flow) ? transaction.flow : destination;
        if (!to) throw new SipStackError('no destination');
        transport
          .send(serializeSipMessage(message), to)
          .then((flow) => (transaction.flow = flow))
          .catch((error: unknown) => transaction.transportFailed(error instanceof Error ? error : new Error(String(error))));
      },
    };
    // Nothing is sent before start(), so the sender may name the transaction.
    const transaction: ClientTransaction = new ClientTransaction(request, this.env, sender);
    transaction.setErrorSink(this.sink);
    if (target && isSipFlow(target)) transaction.flow = target;
    const key = clientTransactionKeyOf(request);
    this.clientTransactions.set(key, transaction);
    transaction.on('terminated', () => {
      if (this.clientTransactions.get(key) === transaction) this.clientTransactions.delete(key);
    });
    if (destination) {
      transaction.start();
    } else {
      this.resolveNextHop(request).then(
        (resolved) => {
          destination = resolved;
          transaction.start();
        },
        (error: unknown) => transaction.transportFailed(error instanceof Error ? error : new Error(String(error))),
      );
    }
    return transaction;
  }

  /**
   * Sends the ACK for a 2xx (no transaction: its own branch, RFC 3261 §13.2.2.4). With the INVITE
   * client transaction, the ACK is remembered and re-sent when the 2xx is retransmitted.
   */
  async sendAck(ack: SipRequest, target?: SipFlow | SipDestination, invite?: ClientTransaction): Promise<SipFlow> {
    const to = target ?? invite?.flow ?? (await this.resolveNextHop(ack));
    const transport = this.transportOf(to);
    this.addVia(ack, transport);
    this.prepare(ack);
    const bytes = serializeSipMessage(ack);
    const flow = await transport.send(bytes, to);
    const toTag = ack.toTag;
    if (invite && toTag !== undefined) invite.rememberAck(toTag, () => void transport.send(bytes, transport.isFlowOpen(flow) ? flow : to).catch(() => undefined));
    return flow;
  }

  /**
   * Cancels an INVITE client transaction (RFC 3261 §9.1): a CANCEL with the INVITE's Request-URI,
   * Call-ID, From, To, CSeq number, Route and top Via, on the same flow. Sent once a provisional
   * has arrived (right away if one has). Returns the CANCEL's transaction, or undefined when it is
   * too late.
   */
  cancel(invite: ClientTransaction, reason?: string): Promise<ClientTransaction | undefined> {
    if (!invite.isInvite || invite.finalResponseReceived || invite.state === 'terminated') return Promise.resolve(undefined);
    const send = (): ClientTransaction | undefined => {
      if (invite.finalResponseReceived || invite.state === 'terminated') return undefined;
      const original = invite.request;
      const cancel = new SipRequest('CANCEL', original.uri);
      cancel.headers.append('Via', original.headers.getAll('via')[0]!);
      for (const route of original.headers.getLines('route')) cancel.headers.append('Route', route);
      cancel.headers.append('Max-Forwards', 70);
      cancel.headers.append('From', original.headers.get('from')!);
      cancel.headers.append('To', original.headers.get('to')!);
      cancel.headers.append('Call-ID', original.callId);
      cancel.headers.append('CSeq', `${original.cseq.seq} CANCEL`);
      if (reason) cancel.headers.append('Reason', reason);
      return this.sendRequest(cancel, invite.flow, { keepVia: true });
    };
    if (invite.state === 'proceeding') return Promise.resolve(send());
    return new Promise((resolve) => {
      invite.once('provisional', () => resolve(send()));
      invite.once('terminated', () => resolve(undefined));
      invite.once('final', () => resolve(undefined));
    });
  }

  /** Sends a message outside any transaction (a stateless response, a stray ACK). */
  sendStateless(message: SipMessage, target: SipFlow | SipDestination): Promise<SipFlow> {
    return this.transportOf(target).send(serializeSipMessage(message), target);
  }

  /** Stops every transaction and closes the transports. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const transaction of [...this.clientTransactions.values()]) transaction.terminate();
    for (const transaction of [...this.serverTransactions.values()]) transaction.terminate();
    this.clientTransactions.clear();
    this.serverTransactions.clear();
    this.invitesByDialog.clear();
    await Promise.all(this.transports.map((t) => t.close()));
  }
}

function dialogKey(request: SipRequest): string {
  return `${request.callId}|${request.cseq.seq}|${request.fromTag ?? ''}`;
}

function safeResponse(request: SipRequest, status: number): SipResponse | undefined {
  try {
    return createResponse(request, status);
  } catch {
    return undefined;
  }
}

