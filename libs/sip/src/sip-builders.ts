// Building requests and responses: identifiers (branch, tag, Call-ID), reason phrases, and
// responses that copy what RFC 3261 §8.2.6.2 says they must.
import { randomBytes } from 'node:crypto';
import { formatNameAddr, parseNameAddr, type NameAddr, type SipParams } from './sip-header-values';
import { SipHeaders, SipRequest, SipResponse, type SipHeaderInit } from './sip-message';

/** The RFC 3261 magic cookie that starts every branch this stack makes. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

let idPool = randomBytes(4096);
let idOffset = 0;

function randomHex(bytes: number): string {
  if (idOffset + bytes > idPool.length) {
    idPool = randomBytes(4096);
    idOffset = 0;
  }
  const out = idPool.toString('hex', idOffset, idOffset + bytes);
  idOffset += bytes;
  return out;
}

/** A fresh branch (`z9hG4bK` + 64 random bits), unique per transaction. */
export function generateBranch(): string {
  return `${BRANCH_MAGIC_COOKIE}${randomHex(8)}`;
}

/** A fresh From/To tag (64 random bits). */
export function generateTag(): string {
  return randomHex(8);
}

/** A fresh Call-ID (128 random bits, `@host` appended when given). */
export function generateCallId(host?: string): string {
  return host ? `${randomHex(16)}@${host}` : randomHex(16);
}

const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  199: 'Early Dialog Terminated', 200: 'OK', 202: 'Accepted', 204: 'No Notification',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 305: 'Use Proxy', 380: 'Alternative Service',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  410: 'Gone', 412: 'Conditional Request Failed', 413: 'Request Entity Too Large', 414: 'Request-URI Too Long',
  415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme', 417: 'Unknown Resource-Priority', 420: 'Bad Extension',
  421: 'Extension Required', 422: 'Session Interval Too Small', 423: 'Interval Too Brief', 428: 'Use Identity Header',
  429: 'Provide Referrer Identity', 430: 'Flow Failed', 433: 'Anonymity Disallowed', 439: 'First Hop Lacks Outbound Support',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected', 483: 'Too Many Hops',
  484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here',
  489: 'Bad Event', 491: 'Request Pending', 493: 'Undecipherable', 494: 'Security Agreement Required',
  500: 'Server Internal Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Server Time-out', 505: 'Version Not Supported', 513: 'Message Too Large', 555: 'Push Notification Service Not Supported',
  580: 'Precondition Failure', 600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable', 607: 'Unwanted', 608: 'Rejected',
};

/** The usual reason phrase for a status code (`Unknown` when there is none). */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (REASONS[Math.floor(status / 100) * 100] ?? 'Unknown');
}

export interface ResponseOptions {
  headers?: SipHeaderInit;
  body?: Buffer | string;
  /** The To tag to add when the request's To has none (ignored for 100). Default: a fresh one. */
  toTag?: string;
}

/**
 * Builds a response to `request` (RFC 3261 §8.2.6): Via lines, From, To (with a tag, except on
 * 100), Call-ID and CSeq copied as written; Record-Route copied on 1xx/2xx to a request that
 * can create a dialog (§12.1.1). Works on a request whose other headers are malformed, so it can
 * answer `400 Bad Request`.
 */
export function createResponse(request: SipRequest, status: number, reason?: string, options: ResponseOptions = {}): SipResponse {
  const headers = new SipHeaders();
  const src = request.headers;
  for (let i = 0; i < src.keys.length; i++) {
    const key = src.keys[i];
    if (key === 'via' || key === 'from' || key === 'call-id' || key === 'cseq') {
      headers.append(src.names[i]!, src.values[i]!);
    } else if (key === 'to') {
      let to = src.values[i]!;
      if (status > 100 && !/;\s*tag\s*=/i.test(to)) to = `${to};tag=${options.toTag ?? generateTag()}`;
      headers.append(src.names[i]!, to);
    } else if (key === 'record-route' && status > 100 && status < 300 && (request.method === 'INVITE' || request.method === 'SUBSCRIBE' || request.method === 'REFER')) {
      headers.append(src.names[i]!, src.values[i]!);
    }
  }
  if (options.headers) headers.appendAll(options.headers);
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body;
  return new SipResponse(status, reason ?? reasonPhrase(status), headers, body);
}

export interface RequestInit {
  method: string;
  /** Request-URI. */
  uri: string;
  /** From: a URI, a name-addr string (with `<…>`), or its parts; a tag is added when missing. */
  from: string | NameAddr | { uri: string; displayName?: string; params?: SipParams };
  to: string | NameAddr | { uri: string; displayName?: string; params?: SipParams };
  callId?: string;
  cseq?: number;
  /** Contact URI or name-addr (required on INVITE by RFC 3261 §8.1.1.8; the stack does not invent one). */
  contact?: string | NameAddr | { uri: string; displayName?: string; params?: SipParams };
  maxForwards?: number;
  /** Route set to put in Route headers, in order. */
  route?: readonly string[];
  headers?: SipHeaderInit;
  body?: Buffer | string;
  contentType?: string;
}

/** A URI string (`sip:a@b;transport=tcp`), a name-addr string (`"A" <sip:a@b>;tag=1`: it has `<`), or parts. */
function addr(value: string | { uri: string; displayName?: string; params?: SipParams }): { uri: string; displayName?: string; params: SipParams } {
  if (typeof value === 'string') {
    if (!value.includes('<')) return { uri: value, params: {} };
    const parsed = parseNameAddr(value);
    return parsed.displayName === undefined ? { uri: parsed.uri, params: { ...parsed.params } } : { uri: parsed.uri, displayName: parsed.displayName, params: { ...parsed.params } };
  }
  const out: { uri: string; displayName?: string; params: SipParams } = { uri: value.uri, params: { ...(value.params ?? {}) } };
  if (value.displayName !== undefined) out.displayName = value.displayName;
  return out;
}

/**
 * Builds an out-of-dialog request (RFC 3261 §8.1.1): From with a fresh tag, To, Call-ID, CSeq,
 * Max-Forwards, optional Contact, Route and body. The stack adds the Via when it sends it.
 */
export function createRequest(init: RequestInit): SipRequest {
  const from = addr(init.from);
  if (typeof from.params.tag !== 'string') from.params.tag = generateTag();
  const headers = new SipHeaders();
  for (const route of init.route ?? []) headers.append('Route', route.startsWith('<') ? route : `<${route}>`);
  headers.append('Max-Forwards', init.maxForwards ?? 70);
  headers.append('From', formatNameAddr(from));
  headers.append('To', formatNameAddr(addr(init.to)));
  headers.append('Call-ID', init.callId ?? generateCallId());
  headers.append('CSeq', `${init.cseq ?? 1} ${init.method}`);
  if (init.contact !== undefined) headers.append('Contact', formatNameAddr(addr(init.contact)));
  if (init.headers) headers.appendAll(init.headers);
  if (init.contentType !== undefined) headers.set('Content-Type', init.contentType);
  return new SipRequest(init.method, init.uri, headers, init.body);
}
