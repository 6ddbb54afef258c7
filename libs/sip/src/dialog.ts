// Dialogs (RFC 3261 §12): state from an INVITE and its 1xx/2xx (Call-ID, tags, CSeqs, remote
// target, route set, secure flag), in-dialog requests with loose (and strict) routing, the ACK
// for a 2xx, target refresh on re-INVITE / UPDATE, and CSeq ordering of incoming requests.
import { generateTag } from './sip-builders';
import { formatNameAddr, parseNameAddr } from './sip-header-values';
import { SipHeaders, SipRequest, type SipHeaderInit, type SipResponse } from './sip-message';
import { parseUri, tryParseUri } from './sip-uri';
import { SipStackError } from './sip.errors';
import type { SessionTimer } from './session-timer';
import type { SipFlow } from './transport';

export type DialogRole = 'uac' | 'uas';
export type DialogState = 'early' | 'confirmed' | 'terminated';

/** Methods whose request (and 2xx) may change the remote target (RFC 3261 §12.2, RFC 3311, RFC 3515). */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

export interface DialogRequestOptions {
  headers?: SipHeaderInit;
  body?: Buffer | string;
  contentType?: string;
}

/** The dialog ID of a message as seen by `role` (RFC 3261 §12): Call-ID, local tag, remote tag. */
export function dialogIdOf(message: SipRequest | SipResponse, role: DialogRole): string {
  const local = role === 'uac' ? message.fromTag : message.toTag;
  const remote = role === 'uac' ? message.toTag : message.fromTag;
  return `${message.callId}|${local ?? ''}|${remote ?? ''}`;
}

/** The dialog ID of an incoming request, as its receiver sees it (local = To tag). */
export function dialogIdOfIncoming(request: SipRequest): string {
  return `${request.callId}|${request.toTag ?? ''}|${request.fromTag ?? ''}`;
}

function firstContactUri(message: SipRequest | SipResponse): string | undefined {
  const contact = message.contacts[0];
  return contact && contact.uri !== '*' ? contact.uri : undefined;
}

export class Dialog {
  state: DialogState;
  /** Our last CSeq number (the next request uses one more). */
  localSeq: number;
  /** The peer's last CSeq number; undefined until its first request. */
  remoteSeq?: number;
  /** Where in-dialog requests go: the peer's Contact. */
  remoteTarget: string;
  /** Route set as URIs in the order requests carry them (from Record-Route). */
  readonly routeSet: string[];
  /** The flow the dialog was set up on: in-dialog requests go down it while it is open (WebSocket, TCP, NAT). */
  flow?: SipFlow;
  /** Our Contact, added to target-refresh requests. */
  localContact?: string;
  /** An RFC 4028 session timer watching this dialog (stopped when it terminates). */
  sessionTimer?: SessionTimer;

  private constructor(
    readonly role: DialogRole,
    readonly callId: string,
    readonly localTag: string,
    public remoteTag: string,
    /** Our name-addr (From on our requests) with our tag. */
    readonly localAddress: string,
    /** The peer's name-addr (To on our requests), with its tag. */
    public remoteAddress: string,
    remoteTarget: string,
    routeSet: string[],
    localSeq: number,
    readonly secure: boolean,
    state: DialogState,
  ) {
    this.remoteTarget = remoteTarget;
    this.routeSet = routeSet;
    this.localSeq = localSeq;
    this.state = state;
  }

  /** The dialog ID: Call-ID, local tag, remote tag. */
  get id(): string {
    return `${this.callId}|${this.localTag}|${this.remoteTag}`;
  }

  /**
   * The UAC's dialog from the INVITE it sent and a 1xx-with-tag (early) or 2xx (confirmed)
   * response (RFC 3261 §12.1.2): route set = Record-Route reversed, remote target = Contact.
   */
  static fromUacResponse(request: SipRequest, response: SipResponse, options: { flow?: SipFlow; localContact?: string } = {}): Dialog {
    const remoteTag = response.toTag;
    const localTag = request.fromTag;
    if (remoteTag === undefined || localTag === undefined) throw new SipStackError('a dialog needs both a From tag and a To tag');
    const target = firstContactUri(response);
    if (target === undefined) throw new SipStackError('a dialog-creating response must carry a Contact');
    const routeSet = response.recordRoutes.map((r) => r.uri).reverse();
    const dialog = new Dialog(
      'uac',
      request.callId,
      localTag,
      remoteTag,
      request.headers.get('from')!,
      response.headers.get('to')!,
      target,
      routeSet,
      request.cseq.seq,
      isSecure(request),
      response.status >= 200 ? 'confirmed' : 'early',
    );
    if (options.flow) dialog.flow = options.flow;
    const contact = options.localContact ?? firstContactUri(request);
    if (contact) dialog.localContact = contact;
    return dialog;
  }

  /**
   * The UAS's dialog from the INVITE it received and the 1xx/2xx it sent (with its To tag,
   * RFC 3261 §12.1.1): route set = Record-Route in order, remote target = the request's Contact.
   */
  static fromUasRequest(request: SipRequest, response: SipResponse, options: { flow?: SipFlow; localContact?: string } = {}): Dialog {
    const localTag = response.toTag;
    const remoteTag = request.fromTag;
    if (localTag === undefined) throw new SipStackError('the response must carry a To tag');
    const target = firstContactUri(request);
    if (target === undefined) throw new SipStackError('a dialog-creating request must carry a Contact');
    const dialog = new Dialog(
      'uas',
      request.callId,
      localTag,
      remoteTag ?? '',
      response.headers.get('to')!,
      request.headers.get('from')!,
      target,
      request.recordRoutes.map((r) => r.uri),
      Math.floor(Math.random() * 10_000) + 1,
      isSecure(request),
      response.status >= 200 ? 'confirmed' : 'early',
    );
    dialog.remoteSeq = request.cseq.seq;
    if (options.flow) dialog.flow = options.flow;
    const contact = options.localContact ?? firstContactUri(response);
    if (contact) dialog.localContact = contact;
    return dialog;
  }

  /** True when `message` belongs to this dialog (Call-ID and both tags): an incoming request, or a response to one of our requests. */
  matches(message: SipRequest | SipResponse): boolean {
    try {
      if (message.callId !== this.callId) return false;
      // A request is the peer's (From is remote); a response answers ours (From is local).
      const fromIsRemote = message.kind === 'request';
      const local = fromIsRemote ? message.toTag : message.fromTag;
      const remote = fromIsRemote ? message.fromTag : message.toTag;
      return local === this.localTag && (remote === this.remoteTag || (this.remoteTag === '' && remote === undefined));
    } catch {
      return false;
    }
  }

  /**
   * Builds an in-dialog request (BYE, re-INVITE, UPDATE, INFO, REFER, NOTIFY, MESSAGE, OPTIONS):
   * From/To with the tags, Call-ID, the next local CSeq, Request-URI and Route per the route set
   * (loose routing; strict routing when the first route lacks `lr`), Contact on target refreshes.
   */
  createRequest(method: string, options: DialogRequestOptions = {}): SipRequest {
    if (this.state === 'terminated') throw new SipStackError('the dialog is terminated');
    if (method === 'ACK' || method === 'CANCEL') throw new SipStackError(`${method} is not built by createRequest (see createAck / SipStack.cancel)`);
    this.localSeq += 1;
    return this.build(method, this.localSeq, options);
  }

  /** The ACK for a 2xx to the INVITE with CSeq `inviteSeq` (default: the last local CSeq). */
  createAck(inviteSeq = this.localSeq, options: DialogRequestOptions = {}): SipRequest {
    return this.build('ACK', inviteSeq, options);
  }

  private build(method: string, seq: number, options: DialogRequestOptions): SipRequest {
    const headers = new SipHeaders();
    let requestUri = this.remoteTarget;
    const routes = [...this.routeSet];
    const first = routes[0];
    if (first !== undefined) {
      const parsed = tryParseUri(first);
      if (parsed && !('lr' in parsed.params)) {
        // Strict routing (RFC 3261 §12.2.1.1): the first route becomes the Request-URI.
        requestUri = first;
        routes.shift();
        routes.push(this.remoteTarget);
      }
    }
    for (const route of routes) headers.append('Route', `<${route}>`);
    headers.append('Max-Forwards', 70);
    headers.append('From', this.localAddress);
    headers.append('To', this.remoteAddress);
    headers.append('Call-ID', this.callId);
    headers.append('CSeq', `${seq} ${method}`);
    if (this.localContact && TARGET_REFRESH.has(method)) headers.append('Contact', this.localContact.startsWith('<') ? this.localContact : `<${this.localContact}>`);
    if (options.headers) headers.appendAll(options.headers);
    if (options.contentType !== undefined) headers.set('Content-Type', options.contentType);
    return new SipRequest(method, requestUri, headers, options.body);
  }

  /**
   * Checks and records an incoming in-dialog request (RFC 3261 §12.2.2): a CSeq lower than the
   * last one is out of order (answer 500); a target refresh updates the remote target.
   */
  receiveRequest(request: SipRequest): 'ok' | 'out-of-order' {
    const seq = request.cseq.seq;
    if (request.method !== 'ACK' && request.method !== 'CANCEL') {
      if (this.remoteSeq !== undefined && seq <= this.remoteSeq) return 'out-of-order';
      this.remoteSeq = seq;
    }
    if (this.remoteTag === '' && request.fromTag) this.remoteTag = request.fromTag;
    if (TARGET_REFRESH.has(request.method)) {
      const target = firstContactUri(request);
      if (target) this.remoteTarget = target;
    }
    if (request.method === 'BYE') this.terminate();
    return 'ok';
  }

  /** Records a response to one of our in-dialog requests: a 2xx to a target refresh updates the target; 481/408 end the dialog (RFC 3261 §12.2.1.2). */
  receiveResponse(response: SipResponse): void {
    const method = response.cseq.method;
    if (response.status >= 200 && response.status < 300) {
      if (this.state === 'early' && method === 'INVITE') this.state = 'confirmed';
      if (TARGET_REFRESH.has(method)) {
        const target = firstContactUri(response);
        if (target) this.remoteTarget = target;
      }
    } else if ((response.status === 481 || response.status === 408) && method !== 'INVITE') {
      this.terminate();
    }
  }

  /** Ends the dialog and its session timer. */
  terminate(): void {
    this.state = 'terminated';
    this.sessionTimer?.stop();
  }
}

function isSecure(request: SipRequest): boolean {
  try {
    return parseUri(request.uri).scheme === 'sips';
  } catch {
    return false;
  }
}

/** Makes a local name-addr with a fresh tag, e.g. for a UAS that builds its own To. */
export function withTag(nameAddr: string, tag: string = generateTag()): string {
  const parsed = parseNameAddr(nameAddr);
  return formatNameAddr({ ...parsed, params: { ...parsed.params, tag } });
}
