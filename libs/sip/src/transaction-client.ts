// Client transactions (RFC 3261 §17.1 with RFC 6026): INVITE (Calling → Proceeding → Accepted |
// Completed → Terminated; timers A, B, D, M) and non-INVITE (Trying → Proceeding → Completed →
// Terminated; timers E, F, K). The INVITE client transaction ACKs non-2xx finals itself; the
// ACK for a 2xx belongs to the TU, and Accepted re-sends it when the 2xx is retransmitted.
import { createResponse } from './sip-builders';
import { SipEmitter } from './sip-emitter';
import { SipHeaders, SipRequest, type SipMessage, type SipResponse } from './sip-message';
import type { SipScheduler, SipTimerConfig, SipTimerHandle } from './sip-scheduler';
import type { SipFlow } from './transport';

export type ClientTransactionState = 'calling' | 'trying' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

/** Names of the RFC 3261 / RFC 6026 client timers, for observing them in tests. */
export type ClientTimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'K' | 'M';

export interface ClientTransactionEvents {
  /** A 1xx (100 included). */
  provisional: [response: SipResponse];
  /**
   * The first final response. A timeout (timer B/F) gives a local `408 Request Timeout`; a
   * transport failure a local `503 Service Unavailable` (RFC 3261 §8.1.3.1).
   */
  final: [response: SipResponse];
  /** A retransmitted 2xx absorbed in the Accepted state (its ACK, if remembered, was re-sent). */
  retransmission: [response: SipResponse];
  /** A 2xx from another branch of a forked INVITE (a different To tag): the TU must ACK it (and may BYE it). */
  fork: [response: SipResponse];
  timeout: [];
  transportError: [error: Error];
  terminated: [];
}

/** How a transaction reaches the network: the stack binds it to a transport and destination. */
export interface TransactionSender {
  send(message: SipMessage): void;
  /** Reliable transport (TCP, WebSocket): no retransmissions, zero wait timers. */
  readonly reliable: boolean;
}

export interface TransactionEnvironment {
  scheduler: SipScheduler;
  timers: SipTimerConfig;
}

/** Builds the ACK for a non-2xx final response (RFC 3261 §17.1.1.3). */
export function buildAckForNon2xx(request: SipRequest, response: SipResponse): SipRequest {
  const headers = new SipHeaders();
  const via = request.headers.getAll('via')[0];
  if (via !== undefined) headers.append('Via', via);
  for (const route of request.headers.getLines('route')) headers.append('Route', route);
  headers.append('Max-Forwards', 70);
  const from = request.headers.get('from');
  if (from !== undefined) headers.append('From', from);
  const to = response.headers.get('to');
  if (to !== undefined) headers.append('To', to);
  headers.append('Call-ID', request.callId);
  headers.append('CSeq', `${request.cseq.seq} ACK`);
  return new SipRequest('ACK', request.uri, headers);
}

export class ClientTransaction extends SipEmitter<ClientTransactionEvents> {
  readonly isInvite: boolean;
  state: ClientTransactionState;
  /** The first final response, once there is one. */
  finalResponseReceived?: SipResponse;
  /** Resolves with the first final response (a local 408/503 on timeout / transport failure). */
  readonly finalResponse: Promise<SipResponse>;
  /** The flow the request went out on, once sent (its retransmissions, CANCEL and ACK follow it). */
  flow?: SipFlow;
  /** Timers started, in order, with their delay (for tests and diagnostics). */
  readonly timerLog: Array<{ timer: ClientTimerName; delay: number; at: number }> = [];

  private resolveFinal!: (response: SipResponse) => void;
  private readonly timers = new Map<ClientTimerName, SipTimerHandle>();
  private retransmitInterval: number;
  private ack?: SipRequest;
  /** ACKs the TU sent for 2xx responses, by To tag, re-sent when that 2xx is retransmitted. */
  private readonly acks2xx = new Map<string, () => void>();
  private readonly seenToTags = new Set<string>();

  constructor(
    readonly request: SipRequest,
    private readonly env: TransactionEnvironment,
    private readonly sender: TransactionSender,
  ) {
    super();
    this.isInvite = request.method === 'INVITE';
    this.state = this.isInvite ? 'calling' : 'trying';
    this.retransmitInterval = env.timers.t1;
    this.finalResponse = new Promise((resolve) => (this.resolveFinal = resolve));
  }

  get branch(): string {
    return this.request.topVia.branch ?? '';
  }

  get reliable(): boolean {
    return this.sender.reliable;
  }

  /** Sends the request and starts timers A/B (INVITE) or E/F (non-INVITE). */
  start(): void {
    if (!this.transmit(this.request)) return;
    const { t1 } = this.env.timers;
    if (this.isInvite) {
      if (!this.reliable) this.startTimer('A', t1, () => this.onRetransmitTimer('A'));
      this.startTimer('B', 64 * t1, () => this.onTimeout());
    } else {
      if (!this.reliable) this.startTimer('E', t1, () => this.onRetransmitTimer('E'));
      this.startTimer('F', 64 * t1, () => this.onTimeout());
    }
  }

  /** A response matched to this transaction. */
  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'trying':
      case 'proceeding':
        if (status < 200) {
          if (this.state !== 'proceeding') {
            this.state = 'proceeding';
            // Timer B only runs in Calling (§17.1.1.2): once ringing, the TU decides how long to wait (and CANCELs).
            if (this.isInvite) {
              this.stopTimer('A');
              this.stopTimer('B');
            }
            // Non-INVITE keeps retransmitting in Proceeding, at T2 (§17.1.2.2).
            else if (!this.reliable) this.retransmitInterval = this.env.timers.t2;
          }
          this.emit('provisional', response);
          return;
        }
        this.finish(response);
        return;
      case 'accepted':
        if (status >= 200 && status < 300) {
          const tag = response.toTag ?? '';
          if (this.seenToTags.has(tag)) {
            this.acks2xx.get(tag)?.();
            this.emit('retransmission', response);
          } else {
            this.seenToTags.add(tag);
            this.emit('fork', response);
          }
        }
        return;
      case 'completed':
        // A retransmitted final: re-send the ACK (INVITE), absorb it (non-INVITE).
        if (this.isInvite && status >= 300 && this.ack) this.transmit(this.ack);
        return;
      case 'terminated':
        return;
    }
  }

  /**
   * The TU sent an ACK for a 2xx: remember how to re-send it so a retransmitted 2xx with this To
   * tag (the ACK was lost) is answered again while the transaction is Accepted.
   */
  rememberAck(toTag: string, resend: () => void): void {
    this.acks2xx.set(toTag, resend);
  }

  /** The transport could not send: finish with a local 503 (RFC 3261 §8.1.3.1). */
  transportFailed(error: Error): void {
    if (this.state === 'terminated') return;
    this.emit('transportError', error);
    if (this.finalResponseReceived === undefined) this.deliverFinal(createResponse(this.request, 503, 'Service Unavailable', { headers: [['Warning', `399 - "transport failure: ${error.message.replace(/["\\\r\n]/g, ' ')}"`]] }));
    this.terminate();
  }

  /** Stops every timer and ends the transaction (no final response is invented). */
  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    for (const handle of this.timers.values()) handle.cancel();
    this.timers.clear();
    this.emit('terminated');
  }

  private finish(response: SipResponse): void {
    const { t1, t4 } = this.env.timers;
    this.stopTimer('A');
    this.stopTimer('B');
    this.stopTimer('E');
    this.stopTimer('F');
    if (this.isInvite && response.status < 300) {
      // RFC 6026 §8.4: Accepted absorbs retransmitted 2xx (and takes forked ones) for 64*T1.
      this.state = 'accepted';
      this.seenToTags.add(response.toTag ?? '');
      this.startTimer('M', 64 * t1, () => this.terminate());
      this.deliverFinal(response);
      return;
    }
    this.state = 'completed';
    if (this.isInvite) {
      this.ack = buildAckForNon2xx(this.request, response);
      this.transmit(this.ack);
      this.deliverFinal(response);
      if (this.state === 'completed') this.startTimerOrNow('D', this.reliable ? 0 : Math.max(32_000, 64 * t1));
    } else {
      this.deliverFinal(response);
      if (this.state === 'completed') this.startTimerOrNow('K', this.reliable ? 0 : t4);
    }
  }

  private deliverFinal(response: SipResponse): void {
    this.finalResponseReceived = response;
    this.resolveFinal(response);
    this.emit('final', response);
  }

  private onRetransmitTimer(timer: 'A' | 'E'): void {
    if (this.state === 'terminated' || this.state === 'completed' || this.state === 'accepted') return;
    if (!this.transmit(this.request)) return;
    // Timer A doubles without bound (B ends it); timer E doubles up to T2 (§17.1.2.2).
    this.retransmitInterval = timer === 'A' ? this.retransmitInterval * 2 : Math.min(this.retransmitInterval * 2, this.env.timers.t2);
    if (timer === 'E' && this.state === 'proceeding') this.retransmitInterval = this.env.timers.t2;
    this.startTimer(timer, this.retransmitInterval, () => this.onRetransmitTimer(timer));
  }

  private onTimeout(): void {
    if (this.state === 'terminated' || this.state === 'completed' || this.state === 'accepted') return;
    this.emit('timeout');
    this.deliverFinal(createResponse(this.request, 408, 'Request Timeout'));
    this.terminate();
  }

  private transmit(message: SipMessage): boolean {
    try {
      this.sender.send(message);
      return true;
    } catch (error) {
      this.transportFailed(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  private startTimerOrNow(name: ClientTimerName, delay: number): void {
    if (delay === 0) {
      this.timerLog.push({ timer: name, delay, at: this.env.scheduler.now() });
      this.terminate();
    } else {
      this.startTimer(name, delay, () => this.terminate());
    }
  }

  private startTimer(name: ClientTimerName, delay: number, fn: () => void): void {
    this.timers.get(name)?.cancel();
    this.timerLog.push({ timer: name, delay, at: this.env.scheduler.now() });
    this.timers.set(
      name,
      this.env.scheduler.setTimer(delay, () => {
        this.timers.delete(name);
        fn();
      }),
    );
  }

  private stopTimer(name: ClientTimerName): void {
    this.timers.get(name)?.cancel();
    this.timers.delete(name);
  }
}
