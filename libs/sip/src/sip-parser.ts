// SIP message parser (RFC 3261 §7): one datagram / WebSocket message at a time, or a TCP byte
// stream framed by Content-Length. Header values are kept as text and parsed on demand by the
// message accessors. Anything malformed is a SipParseError, never another exception.
import { createResponse } from './sip-builders';
import { matchKnownHeaderName, resolveHeaderName } from './sip-header-names';
import { isToken, parseVia, quote } from './sip-header-values';
import { EMPTY_BODY, SipHeaders, SipRequest, SipResponse, type SipMessage } from './sip-message';
import { SipParseError } from './sip.errors';

export interface SipParseOptions {
  /** Largest start line + header section accepted, in bytes (default 65,535). */
  maxHeaderBytes?: number;
  /** Most header lines accepted (default 256). */
  maxHeaders?: number;
  /**
   * Stream transports (TCP, TLS) require Content-Length (RFC 3261 §18.3); datagrams take the rest
   * of the packet when it is missing. Default false.
   */
  requireContentLength?: boolean;
}

const DEFAULT_MAX_HEADER_BYTES = 65535;
const DEFAULT_MAX_HEADERS = 256;
const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');
const LFCRLF = Buffer.from('\n\r\n');

/**
 * Where the header section ends: [index of its last byte + 1 (before the blank line), index of
 * the body]. CRLF CRLF is the rule; a bare-LF blank line is accepted too (`parseHead` notices one
 * that comes before a later CRLF CRLF and reports it as `blankLine`).
 */
function findHeaderEnd(buf: Buffer, from: number): [number, number] | undefined {
  const crlf = buf.indexOf(CRLFCRLF, from);
  if (crlf !== -1) return [crlf, crlf + 4];
  const lf = buf.indexOf(LFLF, from);
  if (lf !== -1) return [lf, lf + 2];
  const mixed = buf.indexOf(LFCRLF, from);
  return mixed === -1 ? undefined : [mixed, mixed + 3];
}

function skipLeadingNewlines(buf: Buffer, from: number): number {
  let i = from;
  while (i < buf.length && (buf[i] === 13 || buf[i] === 10)) i++;
  return i;
}

function parseStartLine(line: string, headers: SipHeaders): SipMessage {
  if (line.startsWith('SIP/')) {
    const sp1 = line.indexOf(' ');
    const version = sp1 === -1 ? line : line.slice(0, sp1);
    if (version.toUpperCase() !== 'SIP/2.0') throw new SipParseError('unsupported-version', `unsupported SIP version "${version}"`);
    const code = line.slice(sp1 + 1, sp1 + 4);
    const after = line.charCodeAt(sp1 + 4);
    if (sp1 === -1 || !/^[1-6]\d\d$/.test(code) || !(Number.isNaN(after) || after === 32)) {
      throw new SipParseError('bad-start-line', `bad status line "${line.slice(0, 80)}"`);
    }
    return new SipResponse(Number(code), line.slice(sp1 + 5), headers, EMPTY_BODY);
  }
  const sp1 = line.indexOf(' ');
  const sp2 = line.lastIndexOf(' ');
  if (sp1 <= 0 || sp2 === sp1) throw new SipParseError('bad-start-line', `bad request line "${line.slice(0, 80)}"`);
  const method = line.slice(0, sp1);
  const uri = line.slice(sp1 + 1, sp2);
  if (!isToken(method) || uri === '' || uri.indexOf(' ') !== -1 || uri.indexOf(':') === -1) {
    throw new SipParseError('bad-start-line', `bad request line "${line.slice(0, 80)}"`);
  }
  if (line.length - sp2 !== 8 || !line.endsWith('SIP/2.0')) {
    const version = line.slice(sp2 + 1);
    if (!/^SIP\/\d+\.\d+$/i.test(version)) throw new SipParseError('bad-start-line', `bad request line "${line.slice(0, 80)}"`);
    if (version.toUpperCase() !== 'SIP/2.0') throw new SipParseError('unsupported-version', `unsupported SIP version "${version}"`);
  }
  return new SipRequest(method, uri, headers, EMPTY_BODY);
}

const TOKEN_CHAR = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~") TOKEN_CHAR[ch.charCodeAt(0)] = 1;

/**
 * Parses the start line and headers in `text`. A bad header line does not stop the parse: the
 * first problem is returned along with the message made of the good lines (to answer 400).
 */
function parseHead(text: string, maxHeaders: number): { message: SipMessage; error?: SipParseError; blankLine?: number } {
  let nl = text.indexOf('\n');
  if (nl === -1) nl = text.length;
  const startLine = text.charCodeAt(nl - 1) === 13 ? text.slice(0, nl - 1) : text.slice(0, nl);
  const headers = new SipHeaders();
  const message = parseStartLine(startLine, headers);
  const names = headers.names;
  const values = headers.values;
  const keys = headers.keys;
  let error: SipParseError | undefined;
  let pos = nl + 1;
  const end = text.length;
  let lastWasBad = false;
  while (pos < end) {
    let lineEnd = text.indexOf('\n', pos);
    const next = lineEnd === -1 ? end : lineEnd + 1;
    if (lineEnd === -1) lineEnd = end;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    if (lineEnd === pos) {
      // A blank line ends the headers: what follows belongs to the body.
      return error ? { message, error, blankLine: pos } : { message, blankLine: pos };
    }
    const first = text.charCodeAt(pos);
    if (first === 32 || first === 9) {
      // A folded line continues the previous header (RFC 3261 §7.3.1): join with one space.
      const more = text.slice(pos, lineEnd).trim();
      if (values.length === 0 && !lastWasBad) {
        error ??= new SipParseError('bad-header', 'continuation line before any header');
      } else if (!lastWasBad && more !== '') {
        const last = values.length - 1;
        values[last] = values[last] === '' ? more : `${values[last]} ${more}`;
      }
      pos = next;
      continue;
    }
    const colon = text.indexOf(':', pos);
    let nameEnd = colon;
    while (nameEnd > pos && (text.charCodeAt(nameEnd - 1) === 32 || text.charCodeAt(nameEnd - 1) === 9)) nameEnd--;
    let valid = colon !== -1 && colon < lineEnd && nameEnd > pos;
    let name: string | undefined;
    let key: string | undefined;
    if (valid) {
      const known = matchKnownHeaderName(text, pos, nameEnd - pos);
      if (known !== undefined) {
        name = known.name;
        key = known.key;
      } else {
        for (let i = pos; i < nameEnd; i++) {
          const c = text.charCodeAt(i);
          if (c >= 128 || TOKEN_CHAR[c] !== 1) {
            valid = false;
            break;
          }
        }
      }
    }
    if (!valid) {
      error ??= new SipParseError('bad-header', `malformed header line "${text.slice(pos, Math.min(lineEnd, pos + 60))}"`);
      lastWasBad = true;
      pos = next;
      continue;
    }
    lastWasBad = false;
    if (names.length >= maxHeaders) throw new SipParseError('too-large', `more than ${maxHeaders} header lines`);
    if (name === undefined || key === undefined) [name, key] = resolveHeaderName(text.slice(pos, nameEnd));
    names.push(name);
    keys.push(key);
    let vStart = colon + 1;
    let vEnd = lineEnd;
    while (vStart < vEnd && (text.charCodeAt(vStart) === 32 || text.charCodeAt(vStart) === 9)) vStart++;
    while (vEnd > vStart && (text.charCodeAt(vEnd - 1) === 32 || text.charCodeAt(vEnd - 1) === 9 || text.charCodeAt(vEnd - 1) === 13)) vEnd--;
    values.push(text.slice(vStart, vEnd));
    pos = next;
  }
  return error ? { message, error } : { message };
}

function contentLengthOf(message: SipMessage): number | undefined {
  const { keys, values } = message.headers;
  let text: string | undefined;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] !== 'content-length') continue;
    const value = values[i]!;
    if (text !== undefined && value !== text) {
      throw new SipParseError('bad-content-length', `conflicting Content-Length values "${text}" and "${value}"`, 'Content-Length', message);
    }
    text = value;
  }
  if (text === undefined) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57 || i >= 10) throw new SipParseError('bad-content-length', `bad Content-Length "${text}"`, 'Content-Length', message);
    n = n * 10 + (c - 48);
  }
  if (text.length === 0) throw new SipParseError('bad-content-length', 'empty Content-Length', 'Content-Length', message);
  return n;
}

/**
 * Parses one whole message: a UDP datagram or a WebSocket message. Leading CRLFs are skipped; a
 * missing Content-Length means the body is the rest of the datagram; a Content-Length larger
 * than what arrived is `truncated`; bytes after the body are ignored (RFC 3261 §18.3).
 */
export function parseSipMessage(data: Buffer | string, options: SipParseOptions = {}): SipMessage {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const start = skipLeadingNewlines(buf, 0);
  if (start >= buf.length) throw new SipParseError('empty', 'empty message');
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const bounds = findHeaderEnd(buf, start);
  if (bounds === undefined) {
    if (buf.length - start > maxHeaderBytes) throw new SipParseError('too-large', `header section larger than ${maxHeaderBytes} bytes`);
    throw new SipParseError('truncated', 'no blank line after the headers');
  }
  const [headEnd] = bounds;
  let bodyStart = bounds[1];
  if (headEnd - start > maxHeaderBytes) throw new SipParseError('too-large', `header section larger than ${maxHeaderBytes} bytes`);
  const text = buf.toString('utf8', start, headEnd);
  const { message, error, blankLine } = parseHead(text, options.maxHeaders ?? DEFAULT_MAX_HEADERS);
  if (error) throw error.withPartial(message);
  if (blankLine !== undefined) bodyStart = start + Buffer.byteLength(text.slice(0, blankLine)) + (buf[start + Buffer.byteLength(text.slice(0, blankLine))] === 13 ? 2 : 1);
  const length = contentLengthOf(message);
  if (length === undefined) {
    if (options.requireContentLength) throw new SipParseError('bad-content-length', 'Content-Length is required on a stream', 'Content-Length', message);
    message.body = bodyStart < buf.length ? buf.subarray(bodyStart) : EMPTY_BODY;
  } else {
    if (bodyStart + length > buf.length) {
      throw new SipParseError('truncated', `body shorter than Content-Length (${buf.length - bodyStart} < ${length} bytes)`, 'Content-Length', message);
    }
    message.body = length === 0 ? EMPTY_BODY : buf.subarray(bodyStart, bodyStart + length);
  }
  return message;
}

/** What a stream framer found in the bytes pushed to it. */
export type SipFrame =
  | { kind: 'message'; message: SipMessage }
  /** RFC 5626 §4.4.1 keep-alive: `ping` (CRLF CRLF, answer with CRLF) or `pong` (a lone CRLF). */
  | { kind: 'keepalive'; type: 'ping' | 'pong' }
  /** `fatal`: the stream cannot be resynchronised and the connection should be closed (after a 400 if one can be built). */
  | { kind: 'error'; error: SipParseError; fatal: boolean };

export interface SipStreamFramerOptions extends SipParseOptions {
  /** Largest body accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

/**
 * Frames a TCP (or TLS) byte stream into SIP messages by Content-Length: copes with partial
 * reads, several messages in one chunk and keep-alive CRLFs. Push each chunk; get the frames.
 */
export class SipStreamFramer {
  private pending: Buffer = EMPTY_BODY;
  private broken = false;
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;
  private readonly maxHeaders: number;
  /** Once a head is parsed, the message waiting for its body. */
  private waiting?: { message: SipMessage; bodyStart: number; length: number; error?: SipParseError };

  constructor(options: SipStreamFramerOptions = {}) {
    this.maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.maxHeaders = options.maxHeaders ?? DEFAULT_MAX_HEADERS;
  }

  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): SipFrame[] {
    if (this.broken) return [];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: SipFrame[] = [];
    const buf = this.pending;
    let pos = 0;
    for (;;) {
      if (this.waiting) {
        const { message, bodyStart, length, error } = this.waiting;
        if (buf.length - pos < bodyStart + length) break;
        message.body = length === 0 ? EMPTY_BODY : Buffer.from(buf.subarray(pos + bodyStart, pos + bodyStart + length));
        pos += bodyStart + length;
        this.waiting = undefined;
        // The framing was known, so the stream survives a bad header line: report it and go on.
        frames.push(error ? { kind: 'error', error: error.withPartial(message), fatal: false } : { kind: 'message', message });
        continue;
      }
      // Keep-alives between messages.
      if (buf[pos] === 13 || buf[pos] === 10) {
        if (buf[pos] === 13 && buf[pos + 1] === 10 && buf[pos + 2] === 13 && buf[pos + 3] === 10) {
          frames.push({ kind: 'keepalive', type: 'ping' });
          pos += 4;
          continue;
        }
        if (buf[pos] === 13 && buf[pos + 1] === 10 && buf[pos + 2] === 13 && pos + 3 >= buf.length) break; // maybe a ping, split
        if (buf[pos] === 13 && pos + 1 >= buf.length) break;
        frames.push({ kind: 'keepalive', type: 'pong' });
        pos += buf[pos] === 13 && buf[pos + 1] === 10 ? 2 : 1;
        continue;
      }
      if (pos >= buf.length) break;
      const bounds = findHeaderEnd(buf, pos);
      if (bounds === undefined) {
        if (buf.length - pos > this.maxHeaderBytes) return this.fail(frames, new SipParseError('too-large', `header section larger than ${this.maxHeaderBytes} bytes`));
        break;
      }
      const [headEnd] = bounds;
      let bodyStart = bounds[1];
      if (headEnd - pos > this.maxHeaderBytes) return this.fail(frames, new SipParseError('too-large', `header section larger than ${this.maxHeaderBytes} bytes`));
      try {
        const text = buf.toString('utf8', pos, headEnd);
        const head = parseHead(text, this.maxHeaders);
        if (head.blankLine !== undefined) {
          const at = pos + Buffer.byteLength(text.slice(0, head.blankLine));
          bodyStart = at + (buf[at] === 13 ? 2 : 1);
        }
        const length = contentLengthOf(head.message);
        if (length === undefined) throw new SipParseError('bad-content-length', 'Content-Length is required on a stream', 'Content-Length', head.message);
        if (length > this.maxBodyBytes) throw new SipParseError('too-large', `body larger than ${this.maxBodyBytes} bytes`, 'Content-Length', head.message);
        this.waiting = { message: head.message, bodyStart: bodyStart - pos, length, ...(head.error ? { error: head.error } : {}) };
      } catch (error) {
        return this.fail(frames, error instanceof SipParseError ? error : new SipParseError('bad-header', String(error)));
      }
    }
    this.pending = pos >= buf.length ? EMPTY_BODY : pos === 0 ? buf : buf.subarray(pos);
    return frames;
  }

  private fail(frames: SipFrame[], error: SipParseError): SipFrame[] {
    this.broken = true;
    this.pending = EMPTY_BODY;
    this.waiting = undefined;
    frames.push({ kind: 'error', error, fatal: true });
    return frames;
  }
}

/**
 * Whether a `400 Bad Request` can be sent for this input: it must be a request (never an ACK)
 * with a usable top Via (to route the response) and CSeq, Call-ID, From and To to copy.
 */
export function canBuildBadRequest(source: SipMessage | SipParseError): boolean {
  const message = source instanceof SipParseError ? source.partial : source;
  if (message === undefined || message.kind !== 'request' || message.method === 'ACK') return false;
  const h = message.headers;
  if (!h.has('cseq') || !h.has('call-id') || !h.has('from') || !h.has('to')) return false;
  const via = h.get('via');
  if (via === undefined) return false;
  try {
    parseVia(via.includes(',') ? (via.split(',')[0] ?? '') : via);
    return true;
  } catch {
    return false;
  }
}

/** The `400 Bad Request` for this input (the reason in a Warning header), or `undefined` when none can be built. */
export function buildBadRequest(source: SipMessage | SipParseError, reason?: string): SipResponse | undefined {
  if (!canBuildBadRequest(source)) return undefined;
  const message = (source instanceof SipParseError ? source.partial : source) as SipRequest;
  const text = reason ?? (source instanceof SipParseError ? source.message : 'Bad Request');
  return createResponse(message, 400, 'Bad Request', { headers: [['Warning', `399 - ${quote(text.slice(0, 200).replace(/[\x00-\x1f\x7f]/g, '?'))}`]] });
}
