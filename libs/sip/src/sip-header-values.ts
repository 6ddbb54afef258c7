// Structured header values: comma lists, quoted strings, parameters, name-addr / addr-spec
// (From, To, Contact, Route…), Via, CSeq, and auth-params (WWW-Authenticate, Authorization).
// Every parser here throws only SipParseError.
import { SipParseError } from './sip.errors';

/** Header parameters in order of appearance; names lower-case, flags (`;lr`, `;rport`) are `null`, quoted values keep their quotes. */
export type SipParams = Record<string, string | null>;

/** name-addr or addr-spec (RFC 3261 §25.1): `"Alice" <sip:alice@example.com>;tag=1`. */
export interface NameAddr {
  /** Unquoted and unescaped, when present. */
  displayName?: string;
  /** The URI text, unparsed (see `parseUri`); `*` for a wildcard Contact. */
  uri: string;
  params: SipParams;
}

/** One Via value (RFC 3261 §20.42). */
export interface Via {
  /** `SIP/2.0` */
  protocol: string;
  /** Upper-case transport: `UDP`, `TCP`, `TLS`, `WS`, `WSS`, `SCTP`. */
  transport: string;
  host: string;
  port?: number;
  params: SipParams;
  branch?: string;
  received?: string;
  /** `null` when the parameter is present without a value (a request asking for it, RFC 3581). */
  rport?: number | null;
}

/** CSeq (RFC 3261 §20.16). */
export interface CSeq {
  seq: number;
  method: string;
}

/** `Digest realm="x", nonce="y"` → scheme `Digest`, params with quotes removed. */
export interface AuthParams {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~") TOKEN[ch.charCodeAt(0)] = 1;

/** True when `text` is a non-empty RFC 3261 token. */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return false;
  }
  return true;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/** End index (exclusive, after the closing quote) of the quoted string starting at `start`. */
function skipQuoted(text: string, start: number, header?: string): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i + 1;
  }
  throw new SipParseError('bad-header-value', 'unterminated quoted string', header);
}

/**
 * Splits a list header value on the commas that separate values: commas inside quoted strings
 * or angle brackets do not count. Values are trimmed; empty ones are dropped.
 */
export function splitHeaderList(value: string, header?: string): string[] {
  if (!value.includes(',')) {
    const trimmed = value.trim();
    return trimmed === '' ? [] : [trimmed];
  }
  const out: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34) {
      i = skipQuoted(value, i, header) - 1;
    } else if (c === 60) {
      angle = true;
    } else if (c === 62) {
      angle = false;
    } else if (c === 44 && !angle) {
      const item = value.slice(start, i).trim();
      if (item !== '') out.push(item);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last !== '') out.push(last);
  return out;
}

/** Removes the quotes and backslash-escapes of a quoted string; other text is returned trimmed. */
export function unquote(text: string): string {
  const t = text.trim();
  if (t.length < 2 || t.charCodeAt(0) !== 34 || t.charCodeAt(t.length - 1) !== 34) return t;
  const inner = t.slice(1, -1);
  return inner.includes('\\') ? inner.replace(/\\(.)/gs, '$1') : inner;
}

/** Wraps `text` in quotes, escaping `"` and `\`. */
export function quote(text: string): string {
  return `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

/** Common parameter names, matched in place so the hot path neither slices nor lower-cases them. */
const KNOWN_PARAMS = ['branch', 'rport', 'received', 'tag', 'lr', 'transport', 'maddr', 'ttl', 'user', 'expires', 'q', 'ob', 'refresher', 'method', 'reg-id', '+sip.instance', 'alias'];
const PARAMS_BY_LENGTH: string[][] = Array.from({ length: 16 }, () => []);
for (const name of KNOWN_PARAMS) PARAMS_BY_LENGTH[name.length]!.push(name);

function paramName(text: string, start: number, end: number): string {
  const length = end - start;
  if (length < 16) {
    const candidates = PARAMS_BY_LENGTH[length]!;
    for (let k = 0; k < candidates.length; k++) if (text.startsWith(candidates[k]!, start)) return candidates[k]!;
  }
  return text.slice(start, end).toLowerCase();
}

/**
 * Parses `;name=value;flag` parameters from `text[start, end)` (`start` at a `;` or the end).
 * Values may be quoted strings (kept with their quotes). With `stopAtComment` a `(` ends them
 * (a Via comment).
 */
export function parseParams(text: string, start = 0, header?: string, end = text.length, stopAtComment = false): SipParams {
  const params: SipParams = {};
  let i = start;
  const n = end;
  while (i < n) {
    let c = text.charCodeAt(i);
    while (i < n && (c === 32 || c === 9)) c = text.charCodeAt(++i);
    if (i >= n) break;
    if (c !== 59) {
      if (stopAtComment && c === 40) break;
      throw new SipParseError('bad-header-value', `unexpected "${text[i]}" in parameters`, header);
    }
    c = text.charCodeAt(++i);
    while (i < n && (c === 32 || c === 9)) c = text.charCodeAt(++i);
    const nameStart = i;
    while (i < n && c !== 61 && c !== 59 && c !== 32 && c !== 9) c = text.charCodeAt(++i);
    if (i === nameStart) throw new SipParseError('bad-header-value', 'empty parameter name', header);
    const name = paramName(text, nameStart, i);
    const target: SipParams = name === '__proto__' ? {} : params; // never let a parameter name reach the prototype
    while (i < n && (c === 32 || c === 9)) c = text.charCodeAt(++i);
    if (i < n && c === 61) {
      c = text.charCodeAt(++i);
      while (i < n && (c === 32 || c === 9)) c = text.charCodeAt(++i);
      if (i < n && c === 34) {
        const close = skipQuoted(text, i, header);
        if (close > n) throw new SipParseError('bad-header-value', 'unterminated quoted string', header);
        target[name] = text.slice(i, close);
        i = close;
      } else {
        const valueStart = i;
        while (i < n && c !== 59 && c !== 32 && c !== 9 && !(stopAtComment && c === 40)) c = text.charCodeAt(++i);
        target[name] = text.slice(valueStart, i);
      }
    } else {
      target[name] = null;
    }
  }
  return params;
}

/** Writes parameters back (`;name=value;flag`). */
export function formatParams(params: SipParams): string {
  let out = '';
  for (const name in params) {
    const value = params[name];
    out += value === null || value === undefined ? `;${name}` : `;${name}=${value}`;
  }
  return out;
}

/**
 * Parses a name-addr or addr-spec with header parameters. In the addr-spec form (no angle
 * brackets) everything after the first `;` is a header parameter, not a URI parameter (RFC 3261 §20.10).
 */
export function parseNameAddr(value: string, header?: string): NameAddr {
  const text = value.trim();
  if (text === '') throw new SipParseError('bad-header-value', 'empty address', header);
  if (text === '*') return { uri: '*', params: {} };
  let i = 0;
  let displayName: string | undefined;
  if (text.charCodeAt(0) === 34) {
    const end = skipQuoted(text, 0, header);
    displayName = unquote(text.slice(0, end));
    i = end;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 60) throw new SipParseError('bad-header-value', 'quoted display name without <URI>', header);
  }
  const lt = text.indexOf('<', i);
  if (lt !== -1) {
    if (displayName === undefined) {
      const name = text.slice(0, lt).trim();
      if (name !== '') displayName = name;
    }
    const gt = text.indexOf('>', lt);
    if (gt === -1) throw new SipParseError('bad-header-value', 'missing ">" after URI', header);
    const uri = text.slice(lt + 1, gt).trim();
    if (uri === '' || !uri.includes(':')) throw new SipParseError('bad-header-value', `bad URI "${uri}"`, header);
    const result: NameAddr = { uri, params: parseParams(text, gt + 1, header) };
    if (displayName !== undefined) result.displayName = displayName;
    return result;
  }
  const semi = text.indexOf(';');
  const uri = (semi === -1 ? text : text.slice(0, semi)).trim();
  if (!uri.includes(':') || /\s/.test(uri)) throw new SipParseError('bad-header-value', `bad address "${text}"`, header);
  return { uri, params: semi === -1 ? {} : parseParams(text, semi, header) };
}

/** Writes a name-addr: `"Display" <uri>;params` (always with angle brackets). */
export function formatNameAddr(addr: { displayName?: string; uri: string; params?: SipParams }): string {
  if (addr.uri === '*') return '*';
  const name = addr.displayName === undefined || addr.displayName === '' ? '' : `${isToken(addr.displayName) ? addr.displayName : quote(addr.displayName)} `;
  return `${name}<${addr.uri}>${addr.params ? formatParams(addr.params) : ''}`;
}

const TRANSPORTS = ['UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP'];

/** Parses one Via value: `SIP/2.0/UDP host:port;branch=z9hG4bK…;rport`. */
export function parseVia(value: string, header = 'Via'): Via {
  const text = value;
  const n = text.length;
  let i = 0;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  let protocol: string;
  if (text.startsWith('SIP/2.0/', i)) {
    protocol = 'SIP/2.0';
    i += 8;
  } else {
    const s1 = text.indexOf('/', i);
    const s2 = s1 === -1 ? -1 : text.indexOf('/', s1 + 1);
    if (s2 === -1) throw new SipParseError('bad-header-value', 'Via without SIP/2.0/<transport>', header);
    const name = text.slice(i, s1).trim();
    const version = text.slice(s1 + 1, s2).trim();
    if (!isToken(name) || !isToken(version)) throw new SipParseError('bad-header-value', 'bad Via protocol', header);
    protocol = `${name}/${version}`;
    i = s2 + 1;
  }
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  const tStart = i;
  while (i < n && !isSpace(text.charCodeAt(i))) i++;
  let transport: string | undefined;
  for (const t of TRANSPORTS) if (t.length === i - tStart && text.startsWith(t, tStart)) transport = t;
  if (transport === undefined) {
    transport = text.slice(tStart, i).toUpperCase();
    if (!isToken(transport)) throw new SipParseError('bad-header-value', 'bad Via transport', header);
  }
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  const hostStart = i;
  if (text.charCodeAt(i) === 91) {
    const close = text.indexOf(']', i);
    if (close === -1) throw new SipParseError('bad-header-value', 'unterminated IPv6 reference in Via', header);
    for (let k = i + 1; k < close; k++) {
      const c = text.charCodeAt(k);
      if (!((c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46)) throw new SipParseError('bad-header-value', 'bad IPv6 address in Via', header);
    }
    i = close + 1;
  } else {
    while (i < n) {
      const c = text.charCodeAt(i);
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 46 || c === 45 || (c >= 65 && c <= 90) || c === 95) i++;
      else break;
    }
  }
  const host = text.slice(hostStart, i);
  if (host === '' || host === '[]') throw new SipParseError('bad-header-value', 'missing Via host', header);
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  let port: number | undefined;
  if (text.charCodeAt(i) === 58) {
    i++;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    const pStart = i;
    let p = 0;
    while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) p = p * 10 + text.charCodeAt(i++) - 48;
    if (i === pStart || i - pStart > 5 || p > 65535) throw new SipParseError('bad-header-value', 'bad Via port', header);
    port = p;
  }
  const params = parseParams(text, i, header, n, true);
  const via: Via = { protocol, transport, host, params };
  if (port !== undefined) via.port = port;
  const branch = params.branch;
  if (typeof branch === 'string') via.branch = branch;
  const received = params.received;
  if (typeof received === 'string') via.received = received;
  const rport = params.rport;
  if (rport !== undefined) {
    if (rport === null || rport === '') via.rport = null;
    else if (/^\d{1,5}$/.test(rport)) via.rport = Number(rport);
    else throw new SipParseError('bad-header-value', 'bad rport', header);
  }
  return via;
}

/** Writes a Via value from its parts (`params` is the source of truth for branch/received/rport). */
export function formatVia(via: Pick<Via, 'transport' | 'host' | 'port' | 'params'> & { protocol?: string }): string {
  return `${via.protocol ?? 'SIP/2.0'}/${via.transport} ${via.host}${via.port === undefined ? '' : `:${via.port}`}${formatParams(via.params)}`;
}

/** Parses CSeq: a sequence number below 2**31 and a method token. */
export function parseCSeq(value: string, header = 'CSeq'): CSeq {
  const text = value.trim();
  let i = 0;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  const digits = text.slice(0, i);
  const method = text.slice(i).trim();
  if (digits === '' || digits.length > 10 || !isToken(method) || i === text.length || !isSpace(text.charCodeAt(i))) {
    throw new SipParseError('bad-header-value', `bad CSeq "${text}"`, header);
  }
  const seq = Number(digits);
  if (seq > 2147483647) throw new SipParseError('bad-header-value', 'CSeq number out of range', header);
  return { seq, method };
}

/** Parses a non-negative decimal header value (Content-Length, Expires, Max-Forwards…). */
export function parseUnsigned(value: string, header: string, max = 4294967295): number {
  const text = value.trim();
  if (!/^\d{1,10}$/.test(text)) throw new SipParseError('bad-header-value', `not a number: "${text}"`, header);
  const n = Number(text);
  if (n > max) throw new SipParseError('bad-header-value', `number out of range: ${n}`, header);
  return n;
}

/** Parses `Digest k=v, k2="v2"` (challenges and credentials). Quoted values are unquoted. */
export function parseAuthParams(value: string, header = 'Authorization'): AuthParams {
  const text = value.trim();
  let i = 0;
  while (i < text.length && !isSpace(text.charCodeAt(i))) i++;
  const scheme = text.slice(0, i);
  if (!isToken(scheme)) throw new SipParseError('bad-header-value', 'bad auth scheme', header);
  const params: Record<string, string> = {};
  const n = text.length;
  while (i < n) {
    while (i < n && (isSpace(text.charCodeAt(i)) || text.charCodeAt(i) === 44)) i++;
    if (i >= n) break;
    const nameStart = i;
    while (i < n && text.charCodeAt(i) !== 61 && !isSpace(text.charCodeAt(i)) && text.charCodeAt(i) !== 44) i++;
    const name = text.slice(nameStart, i).toLowerCase();
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (!isToken(name) || text.charCodeAt(i) !== 61) throw new SipParseError('bad-header-value', 'bad auth parameter', header);
    const target: Record<string, string> = name === '__proto__' ? {} : params;
    i++;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === 34) {
      const end = skipQuoted(text, i, header);
      target[name] = unquote(text.slice(i, end));
      i = end;
    } else {
      const vStart = i;
      while (i < n && text.charCodeAt(i) !== 44 && !isSpace(text.charCodeAt(i))) i++;
      target[name] = text.slice(vStart, i);
    }
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i < n && text.charCodeAt(i) !== 44) throw new SipParseError('bad-header-value', 'missing "," between auth parameters', header);
  }
  return { scheme, params };
}

/** Parses a Content-Type: `application/sdp; charset=utf-8` → lower-case type and params. */
export function parseMediaType(value: string, header = 'Content-Type'): { type: string; params: SipParams } {
  const semi = value.indexOf(';');
  const type = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  const slash = type.indexOf('/');
  if (slash <= 0 || !isToken(type.slice(0, slash).trim()) || !isToken(type.slice(slash + 1).trim())) {
    throw new SipParseError('bad-header-value', `bad media type "${value.trim()}"`, header);
  }
  return { type: type.replace(/\s+/g, ''), params: semi === -1 ? {} : parseParams(value, semi, header) };
}
