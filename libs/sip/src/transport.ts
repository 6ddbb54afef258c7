// What every transport shares: flows (RFC 5626-style: one per connection, or per remote address
// for UDP), delivery of parsed messages with the Via stamped (RFC 3261 §18.2.1, RFC 3581), and
// answering malformed requests with 400 on the flow they came in on (or dropping them).
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { formatVia, type Via } from './sip-header-values';
import { SipEmitter } from './sip-emitter';
import { buildBadRequest, parseSipMessage, type SipParseOptions } from './sip-parser';
import type { SipMessage } from './sip-message';
import { serializeSipMessage } from './sip-serializer';
import { SipParseError } from './sip.errors';

export type SipTransportKind = 'udp' | 'tcp' | 'ws' | 'wss';

export interface SipAddress {
  address: string;
  port: number;
}

/**
 * A flow: the path a message came on (RFC 5626 §3). Responses and requests sent on a flow go
 * back the same way: down the same TCP or WebSocket connection, or to the same UDP address.
 */
export interface SipFlow {
  readonly transport: SipTransportKind;
  readonly local: SipAddress;
  readonly remote: SipAddress;
  /** Unique for the life of the process; the key of a connection (or of a UDP remote address). */
  readonly id: string;
}

/** Where to send when there is no flow yet. */
export interface SipDestination {
  transport: SipTransportKind;
  address: string;
  port: number;
}

export interface SipInbound {
  message: SipMessage;
  flow: SipFlow;
}

export interface SipTransportEvents {
  message: [inbound: SipInbound];
  /** A connection closed (TCP, WebSocket): registrations and dialogs bound to it are gone. */
  flowClosed: [flow: SipFlow];
  /** Input that did not parse; `answered` when a 400 went back. */
  parseError: [info: { error: SipParseError; flow: SipFlow; answered: boolean }];
  error: [error: Error];
}

export interface SipTransport extends SipEmitter<SipTransportEvents> {
  readonly kind: SipTransportKind;
  /** Reliable (stream or WebSocket): the transaction layer does not retransmit. */
  readonly reliable: boolean;
  /** The address to put in Via and Contact (the listening address, or `publicAddress`). */
  readonly sentBy: SipAddress;
  listen(): Promise<void>;
  /**
   * Sends bytes on a flow (when it is still open) or to a destination (opening a connection,
   * or reusing one to that address). Resolves with the flow used.
   */
  send(data: Buffer, target: SipFlow | SipDestination): Promise<SipFlow>;
  /** True while the flow can carry messages (always true for UDP flows). */
  isFlowOpen(flow: SipFlow): boolean;
  /** The open flow with this id (a UDP flow id names a remote address, so it is always found). */
  getFlow(id: string): SipFlow | undefined;
  close(): Promise<void>;
}

export function isSipFlow(target: SipFlow | SipDestination): target is SipFlow {
  return 'id' in target && 'remote' in target;
}

/** A fresh flow id: the transport kind and 96 random bits. */
export function newFlowId(kind: SipTransportKind): string {
  return `${kind}:${randomBytes(12).toString('base64url')}`;
}

/** `::ffff:192.0.2.1` → `192.0.2.1` (a dual-stack socket's view of an IPv4 peer). */
export function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * The address to advertise for a socket bound to `bound`: `publicAddress` when given; for a
 * wildcard bind, the first non-internal address of the same family (else loopback).
 */
export function advertisedAddress(bound: string, publicAddress?: string): string {
  if (publicAddress) return publicAddress;
  if (bound !== '0.0.0.0' && bound !== '::') return bound;
  const family = bound === '::' ? 'IPv6' : 'IPv4';
  for (const list of Object.values(networkInterfaces())) {
    for (const item of list ?? []) if (!item.internal && item.family === family) return item.address;
  }
  return family === 'IPv6' ? '::1' : '127.0.0.1';
}

/** Strips IPv6 brackets for comparisons and socket calls. */
function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Stamps the top Via of a received request (RFC 3261 §18.2.1, RFC 3581 §4): `received` when the
 * sent-by host is not the source address, and with `rport` asked for, `rport=<source port>` and
 * `received` always. Returns true when the header changed.
 */
export function stampVia(message: SipMessage, source: SipAddress): boolean {
  let via: Via;
  try {
    via = message.topVia;
  } catch {
    return false;
  }
  const address = normaliseAddress(source.address);
  const wantsRport = via.rport !== undefined;
  const differs = bare(via.host).toLowerCase() !== address.toLowerCase();
  if (!differs && !wantsRport) return false;
  const params = { ...via.params };
  if (differs || wantsRport) params.received = address;
  if (wantsRport) params.rport = String(source.port);
  message.headers.replaceFirst('Via', formatVia({ protocol: via.protocol, transport: via.transport, host: via.host, port: via.port, params }));
  return true;
}

export interface SipTransportOptions {
  /** Address to listen on (default `0.0.0.0`; `::` for IPv6 and IPv4). */
  address?: string;
  /** Port to listen on (default 5060; 0: any free port). */
  port?: number;
  /** The address to advertise in Via/Contact when listening on a wildcard or behind NAT. */
  publicAddress?: string;
  /** Parser limits. */
  parse?: SipParseOptions;
}

/** Delivery, Via stamping and 400 handling shared by the transports. */
export abstract class BaseTransport extends SipEmitter<SipTransportEvents> {
  abstract readonly kind: SipTransportKind;
  abstract readonly reliable: boolean;
  abstract readonly sentBy: SipAddress;
  abstract send(data: Buffer, target: SipFlow | SipDestination): Promise<SipFlow>;

  protected constructor(protected readonly parseOptions: SipParseOptions = {}) {
    super();
  }

  /** A whole message (datagram, WebSocket message) arrived on `flow`. */
  protected receiveBytes(data: Buffer, flow: SipFlow): void {
    let message: SipMessage;
    try {
      message = parseSipMessage(data, this.parseOptions);
    } catch (error) {
      this.rejectInput(error instanceof SipParseError ? error : new SipParseError('bad-header', String(error)), flow);
      return;
    }
    this.receiveMessage(message, flow);
  }

  /** A parsed message arrived on `flow` (stream transports parse as they frame). */
  protected receiveMessage(message: SipMessage, flow: SipFlow): void {
    if (message.kind === 'request') stampVia(message, flow.remote);
    this.emit('message', { message, flow });
  }

  /** Answers unparseable input with 400 on its flow when possible; reports it either way. */
  protected rejectInput(error: SipParseError, flow: SipFlow): void {
    const response = error.partial ? buildBadRequest(error) : undefined;
    let answered = false;
    if (response) {
      answered = true;
      this.send(serializeSipMessage(response), flow).catch(() => undefined);
    }
    this.emit('parseError', { error, flow, answered });
  }
}
