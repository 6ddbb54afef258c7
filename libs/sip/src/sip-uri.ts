// SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966): parse, format with percent-escaping, compare
// per RFC 3261 §19.1.4.
import { isIPv6 } from 'node:net';
import { SipParseError } from './sip.errors';

export type SipUriScheme = 'sip' | 'sips' | 'tel';

/**
 * A parsed URI. Text fields are unescaped (`%40` → `@`); `formatUri` escapes them again. For
 * `tel:` the telephone number is in `user` and `host` is empty. An IPv6 host keeps its brackets
 * (`[2001:db8::1]`). Parameter names are lower-case; a flag parameter (`;lr`) has the value `null`.
 */
export interface SipUri {
  scheme: SipUriScheme;
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params: Record<string, string | null>;
  headers: Record<string, string>;
}

/** What `formatUri` accepts: a `SipUri` whose params and headers may be left out. */
export type SipUriInit = Omit<SipUri, 'params' | 'headers'> & {
  params?: Record<string, string | null>;
  headers?: Record<string, string>;
};

const HEX = '0123456789ABCDEF';
const UNRESERVED = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()") UNRESERVED[ch.charCodeAt(0)] = 1;

function allowedTable(extra: string): Uint8Array {
  const table = UNRESERVED.slice();
  for (const ch of extra) table[ch.charCodeAt(0)] = 1;
  return table;
}
const USER_CHARS = allowedTable('&=+$,;?/');
const PASSWORD_CHARS = allowedTable('&=+$,');
const PARAM_CHARS = allowedTable('[]/:&+$');
const HEADER_CHARS = allowedTable('[]/?:+$');
const TEL_CHARS = allowedTable('+#%[]/:&$');

function escapeWith(value: string, allowed: Uint8Array): string {
  let plain = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || allowed[c] !== 1) {
      plain = false;
      break;
    }
  }
  if (plain) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    if (byte < 128 && allowed[byte] === 1) out += String.fromCharCode(byte);
    else out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** Percent-decodes `value` (UTF-8). A `%` not followed by two hex digits is a `SipParseError`. */
export function unescapeUriComponent(value: string): string {
  if (!value.includes('%')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 37) {
      const hex = value.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new SipParseError('bad-uri', `bad percent-escape in "${value}"`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c < 128) {
      bytes.push(c);
    } else {
      for (const b of Buffer.from(value[i]!, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Escapes a URI user part (RFC 3261 `user`: unreserved, escaped, user-unreserved). */
export function escapeUriUser(user: string): string {
  return escapeWith(user, USER_CHARS);
}

const HOST_CHARS = /^[A-Za-z0-9._-]+$/;

function parseHostPort(text: string, whole: string): { host: string; port?: number } {
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) throw new SipParseError('bad-uri', `unterminated IPv6 reference in "${whole}"`);
    host = text.slice(0, close + 1);
    if (!isIPv6(host.slice(1, -1))) throw new SipParseError('bad-uri', `bad IPv6 address in "${whole}"`);
    rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new SipParseError('bad-uri', `junk after IPv6 reference in "${whole}"`);
  } else {
    const colon = text.indexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    rest = colon === -1 ? '' : text.slice(colon);
    if (!HOST_CHARS.test(host)) throw new SipParseError('bad-uri', `bad host in "${whole}"`);
  }
  if (rest === '') return { host };
  const portText = rest.slice(1);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new SipParseError('bad-uri', `bad port in "${whole}"`);
  return { host, port: Number(portText) };
}

function parseUriParams(text: string, whole: string): Record<string, string | null> {
  const params: Record<string, string | null> = {};
  if (text === '') return params;
  for (const part of text.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = unescapeUriComponent(eq === -1 ? part : part.slice(0, eq)).toLowerCase();
    if (name === '' || /[\s]/.test(name)) throw new SipParseError('bad-uri', `bad parameter in "${whole}"`);
    if (name === '__proto__') continue;
    params[name] = eq === -1 ? null : unescapeUriComponent(part.slice(eq + 1));
  }
  return params;
}

function parseUriHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (text === '') return headers;
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = unescapeUriComponent(eq === -1 ? part : part.slice(0, eq));
    if (name !== '__proto__') headers[name] = eq === -1 ? '' : unescapeUriComponent(part.slice(eq + 1));
  }
  return headers;
}

/** Parses a `sip:`, `sips:` or `tel:` URI. Anything else, or a malformed URI, is a `SipParseError`. */
export function parseUri(text: string): SipUri {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new SipParseError('bad-uri', `not a URI: "${text}"`);
  const scheme = text.slice(0, colon).toLowerCase();
  const rest = text.slice(colon + 1);
  if (/[\s<>"]/.test(rest)) throw new SipParseError('bad-uri', `illegal character in "${text}"`);
  if (scheme === 'tel') {
    const semi = rest.indexOf(';');
    const number = unescapeUriComponent(semi === -1 ? rest : rest.slice(0, semi));
    if (number === '' || !/^[0-9A-Fa-f*#+\-.()pPwW]+$/.test(number)) throw new SipParseError('bad-uri', `bad telephone number in "${text}"`);
    return { scheme: 'tel', user: number, host: '', params: parseUriParams(semi === -1 ? '' : rest.slice(semi + 1), text), headers: {} };
  }
  if (scheme !== 'sip' && scheme !== 'sips') throw new SipParseError('bad-uri', `unsupported URI scheme "${scheme}"`);
  const question = rest.indexOf('?');
  const main = question === -1 ? rest : rest.slice(0, question);
  const headers = parseUriHeaders(question === -1 ? '' : rest.slice(question + 1));
  const at = main.lastIndexOf('@');
  let user: string | undefined;
  let password: string | undefined;
  let hostPart = main;
  if (at !== -1) {
    const userinfo = main.slice(0, at);
    hostPart = main.slice(at + 1);
    const pwColon = userinfo.indexOf(':');
    user = unescapeUriComponent(pwColon === -1 ? userinfo : userinfo.slice(0, pwColon));
    if (pwColon !== -1) password = unescapeUriComponent(userinfo.slice(pwColon + 1));
    if (user === '') throw new SipParseError('bad-uri', `empty user in "${text}"`);
  }
  const semi = hostPart.indexOf(';');
  const { host, port } = parseHostPort(semi === -1 ? hostPart : hostPart.slice(0, semi), text);
  const uri: SipUri = { scheme, host, params: parseUriParams(semi === -1 ? '' : hostPart.slice(semi + 1), text), headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (port !== undefined) uri.port = port;
  return uri;
}

/** Like `parseUri`, but `undefined` instead of an error. */
export function tryParseUri(text: string): SipUri | undefined {
  try {
    return parseUri(text);
  } catch {
    return undefined;
  }
}

/** Writes a URI, percent-escaping every part that needs it. */
export function formatUri(uri: SipUriInit): string {
  let out = `${uri.scheme}:`;
  if (uri.scheme === 'tel') {
    out += escapeWith(uri.user ?? '', TEL_CHARS);
  } else {
    if (uri.user !== undefined) {
      out += escapeWith(uri.user, USER_CHARS);
      if (uri.password !== undefined) out += `:${escapeWith(uri.password, PASSWORD_CHARS)}`;
      out += '@';
    }
    out += uri.host;
    if (uri.port !== undefined) out += `:${uri.port}`;
  }
  if (uri.params) {
    for (const name in uri.params) {
      const value = uri.params[name];
      out += `;${escapeWith(name, PARAM_CHARS)}`;
      if (value !== null && value !== undefined) out += `=${escapeWith(value, PARAM_CHARS)}`;
    }
  }
  if (uri.headers) {
    let first = true;
    for (const name in uri.headers) {
      out += `${first ? '?' : '&'}${escapeWith(name, HEADER_CHARS)}=${escapeWith(uri.headers[name] ?? '', HEADER_CHARS)}`;
      first = false;
    }
  }
  return out;
}

const SIGNIFICANT_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport'] as const;

function sameText(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  return a.toLowerCase() === b.toLowerCase();
}

function telDigits(number: string): string {
  return number.replace(/[-.()]/g, '').toLowerCase();
}

/**
 * URI equivalence per RFC 3261 §19.1.4: same scheme; user and password compared case-sensitively
 * (after unescaping); host case-insensitively; a port, and the `user`, `ttl`, `method`, `maddr`
 * and `transport` parameters must match when present in either; other parameters only when
 * present in both; URI headers must all match. For `tel:` the number is compared without visual
 * separators (RFC 3966 §4).
 */
export function uriEquals(left: SipUri | string, right: SipUri | string): boolean {
  let a: SipUri;
  let b: SipUri;
  try {
    a = typeof left === 'string' ? parseUri(left) : left;
    b = typeof right === 'string' ? parseUri(right) : right;
  } catch {
    return false;
  }
  if (a.scheme !== b.scheme) return false;
  if (a.scheme === 'tel') {
    if (telDigits(a.user ?? '') !== telDigits(b.user ?? '')) return false;
    const names = new Set([...Object.keys(a.params), ...Object.keys(b.params)]);
    for (const name of names) if (!sameText(a.params[name], b.params[name])) return false;
    return true;
  }
  if (a.user !== b.user || a.password !== b.password) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase()) return false;
  if (a.port !== b.port) return false;
  for (const name of SIGNIFICANT_PARAMS) {
    if (!sameText(a.params[name], b.params[name])) return false;
  }
  for (const name of Object.keys(a.params)) {
    if (name in b.params && !sameText(a.params[name], b.params[name])) return false;
  }
  const headerNames = new Set([...Object.keys(a.headers).map((h) => h.toLowerCase()), ...Object.keys(b.headers).map((h) => h.toLowerCase())]);
  const lowerA = lowerKeys(a.headers);
  const lowerB = lowerKeys(b.headers);
  for (const name of headerNames) if (lowerA[name] !== lowerB[name]) return false;
  return true;
}

function lowerKeys(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record)) out[key.toLowerCase()] = record[key]!;
  return out;
}

/** The host without IPv6 brackets, as socket APIs want it. */
export function hostAddress(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Wraps an IPv6 address in brackets for use in a URI or Via; other hosts are returned as they are. */
export function uriHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}
