// Server transactions (RFC 3261 §17.2 with RFC 6026): INVITE (Proceeding → Accepted | Completed
// → Confirmed → Terminated; timers G, H, I, L, plus the 2xx retransmission of RFC 3261 §13.3.1.4
// kept here, in Accepted) and non-INVITE (Trying → Proceeding → Completed → Terminated; timer J).
// A retransmitted request is answered with the last response sent.
import { createResponse, generateTag } from './sip-builders';
import { SipEmitter } from './sip-emitter';
import type { SipRequest, SipResponse } from './sip-message';
import type { SipTimerHandle } from './sip-scheduler';
import type { TransactionEnvironment, TransactionSender } from './transaction-client';
import { SipStackError } from './sip.errors';

export type ServerTransactionState = 'trying' | 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

/** RFC timers plus `2xx` (the 2xx retransmission) and `Trying` (the automatic 100). */
export type ServerTimerName = 'G' | 'H' | 'I' | 'J' | 'L' | '2xx' | 'Trying';

export interface ServerTransactionEvents {
  /** The ACK: for a non-2xx (same transaction) or, routed here by the stack, for the 2xx. */
  ack: [ack: SipRequest];
  /** A CANCEL for this INVITE arrived before the final response (the stack then sends 487). */
  cancelled: [cancel: SipRequest];
  /** No ACK came: for a non-2xx (timer H), or for a 2xx within 64*T1 — the TU should send BYE (§13.3.1.4). */
  ackTimeout: [];
  transportError: [error: Error];
  terminated: [];
}

export interface ServerTransactionOptions {
  /** Send `100 Trying` for an INVITE the TU has not answered after this many ms (default 200; `false`: never). */
  tryingDelayMs?: number | false;
}

export class ServerTransaction extends SipEmitter<ServerTransactionEvents> {
  readonly isInvite: boolean;
  state: ServerTransactionState;
  /** The last response sent (re-sent on retransmitted requests). */
  lastResponse?: SipResponse;
  /** True once a CANCEL for this INVITE was accepted. */
  cancelled = false;
  /** True once the ACK arrived (INVITE only). */
  acknowledged = false;
  readonly timerLog: Array<{ timer: ServerTimerName; delay: number; at: number }> = [];
  /** The To tag of every response this transaction builds: the request's own, or one made here (RFC 3261 §8.2.6.2). */
  readonly toTag: string;

  private readonly timers = new Map<ServerTimerName, SipTimerHandle>();
  private retransmitInterval: number;

  constructor(
    readonly request: SipRequest,
    private readonly env: TransactionEnvironment,
    private readonly sender: TransactionSender,
    options: ServerTransactionOptions = {},
  ) {
    super();
    this.isInvite = request.method === 'INVITE';
    this.state = this.isInvite ? 'proceeding' : 'trying';
    this.retransmitInterval = env.timers.t1;
    this.toTag = request.toTag ?? generateTag();
    const trying = options.tryingDelayMs ?? 200;
    if (this.isInvite && trying !== false) {
      if (trying === 0) this.respond(createResponse(request, 100, 'Trying'));
      else this.startTimer('Trying', trying, () => this.lastResponse === undefined && this.state === 'proceeding' && this.respond(createResponse(request, 100, 'Trying')));
    }
  }

  get reliable(): boolean {
    return this.sender.reliable;
  }

  /** True once a final response was sent. */
  get finalSent(): boolean {
    return this.lastResponse !== undefined && this.lastResponse.status >= 200;
  }

  /**
   * Sends a response through the transaction. 1xx only before a final; one final (a 2xx may be
   * repeated in Accepted, e.g. with a different To tag); nothing after termination.
   */
  respond(response: SipResponse): void {
    const status = response.status;
    this.stopTimer('Trying');
    switch (this.state) {
      case 'trying':
      case 'proceeding':
        break;
      case 'accepted':
        if (status >= 200 && status < 300) {
          this.transmit(response);
          return;
        }
        throw new SipStackError(`cannot send ${status}: a 2xx was already sent`);
      default:
        throw new SipStackError(`cannot send ${status}: the transaction is ${this.state}`);
    }
    this.lastResponse = response;
    if (status < 200) {
      this.state = 'proceeding';
      this.transmit(response);
      return;
    }
    const { t1 } = this.env.timers;
    if (!this.isInvite) {
      this.state = 'completed';
      if (!this.transmit(response)) return;
      if (this.reliable) this.terminate();
      else this.startTimer('J', 64 * t1, () => this.terminate());
      return;
    }
    if (status < 300) {
      // RFC 6026 §7.1: Accepted. Retransmit the 2xx until the ACK (unreliable transports), for 64*T1.
      this.state = 'accepted';
      if (!this.transmit(response)) return;
      if (!this.reliable) this.startTimer('2xx', t1, () => this.retransmit2xx());
      this.startTimer('L', 64 * t1, () => {
        if (!this.acknowledged) this.emit('ackTimeout');
        this.terminate();
      });
      return;
    }
    this.state = 'completed';
    if (!this.transmit(response)) return;
    if (!this.reliable) this.startTimer('G', t1, () => this.retransmitFinal());
    this.startTimer('H', 64 * t1, () => {
      this.emit('ackTimeout');
      this.terminate();
    });
  }

  /** A request matched to this transaction: a retransmission, or the ACK for a non-2xx. */
  receiveRequest(request: SipRequest): void {
    if (request.method === 'ACK') {
      if (this.state === 'completed') {
        this.acknowledged = true;
        this.state = 'confirmed';
        this.stopTimer('G');
        this.stopTimer('H');
        this.emit('ack', request);
        if (this.reliable) this.terminate();
        else this.startTimer('I', this.env.timers.t4, () => this.terminate());
      } else if (this.state === 'accepted') {
        this.receiveAck2xx(request);
      }
      return;
    }
    // A retransmission: re-send the last response (RFC 6026: absorbed in Accepted; the 2xx timer covers it).
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) this.transmit(this.lastResponse);
  }

  /** The ACK for our 2xx (its own branch: the stack matches it by dialog and CSeq). */
  receiveAck2xx(ack: SipRequest): void {
    if (this.state !== 'accepted') return;
    const first = !this.acknowledged;
    this.acknowledged = true;
    this.stopTimer('2xx');
    if (first) this.emit('ack', ack);
  }

  /**
   * A CANCEL for this INVITE. Returns false when it is too late (a final was sent). Otherwise
   * marks the transaction cancelled, sends `487 Request Terminated` unless a listener of
   * `cancelled` already answered, and returns true.
   */
  cancel(cancelRequest: SipRequest): boolean {
    if (!this.isInvite || this.finalSent || this.state === 'terminated') return false;
    this.cancelled = true;
    this.emit('cancelled', cancelRequest);
    if (!this.finalSent && this.state === 'proceeding') this.respond(createResponse(this.request, 487, 'Request Terminated', { toTag: this.toTag }));
    return true;
  }

  /** The transport failed: the TU is told and the transaction ends (§17.2.4). */
  transportFailed(error: Error): void {
    if (this.state === 'terminated') return;
    this.emit('transportError', error);
    this.terminate();
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    for (const handle of this.timers.values()) handle.cancel();
    this.timers.clear();
    this.emit('terminated');
  }

  private retransmit2xx(): void {
    if (this.state !== 'accepted' || this.acknowledged || !this.lastResponse) return;
    if (!this.transmit(this.lastResponse)) return;
    this.retransmitInterval = Math.min(this.retransmitInterval * 2, this.env.timers.t2);
    this.startTimer('2xx', this.retransmitInterval, () => this.retransmit2xx());
  }

  private retransmitFinal(): void {
    if (this.state !== 'completed' || !this.lastResponse) return;
    if (!this.transmit(this.lastResponse)) return;
    this.retransmitInterval = Math.min(this.retransmitInterval * 2, this.env.timers.t2);
    this.startTimer('G', this.retransmitInterval, () => this.retransmitFinal());
  }

  private transmit(response: SipResponse): boolean {
    try {
      this.sender.send(response);
      return true;
    } catch (error) {
      this.transportFailed(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  private startTimer(name: ServerTimerName, delay: number, fn: () => void): void {
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

  private stopTimer(name: ServerTimerName): void {
    this.timers.get(name)?.cancel();
    this.timers.delete(name);
  }
}
