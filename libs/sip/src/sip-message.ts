// The SIP message model: requests and responses with their headers in order, looked up without
// regard to case or compact form, and structured header values parsed lazily (only when asked,
// cached until the header changes).
import { canonicalHeaderName, headerKey, isListHeader } from './sip-header-names';
import {
  parseCSeq,
  parseMediaType,
  parseNameAddr,
  parseUnsigned,
  isToken,
  parseVia,
  splitHeaderList,
  type CSeq,
  type NameAddr,
  type SipParams,
  type Via,
} from './sip-header-values';
import { SipParseError, SipStackError } from './sip.errors';

export const EMPTY_BODY: Buffer = Buffer.alloc(0);

/** Header values as passed to builders: a value, several values (one line each), or a list of [name, value] pairs. */
export type SipHeaderInit = Record<string, string | number | readonly string[]> | ReadonlyArray<readonly [string, string]>;

/**
 * The headers of a message, in order. Lookups ignore case and accept compact forms (`v` ≡ `Via`).
 * `get` returns the first line's value as written; `getAll` splits list headers (Via, Contact,
 * Route, Allow…) on the commas between values.
 */
export class SipHeaders implements Iterable<[string, string]> {
  /** @internal names as they will be written */
  names: string[] = [];
  /** @internal values as written (folded lines joined with one space) */
  values: string[] = [];
  /** @internal lower-case canonical names */
  keys: string[] = [];

  constructor(init?: SipHeaderInit) {
    if (init) this.appendAll(init);
  }

  get size(): number {
    return this.names.length;
  }

  private indexOf(key: string, from = 0): number {
    const keys = this.keys;
    for (let i = from; i < keys.length; i++) if (keys[i] === key) return i;
    return -1;
  }

  /** The value of the first line of this header, as written (not split). */
  get(name: string): string | undefined {
    const i = this.indexOf(headerKey(name));
    return i === -1 ? undefined : this.values[i];
  }

  has(name: string): boolean {
    return this.indexOf(headerKey(name)) !== -1;
  }

  /** Every line of this header, unsplit, in order. */
  getLines(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) out.push(this.values[i]!);
    return out;
  }

  /** Every value of this header in order; list headers are split on the commas between values. */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const split = isListHeader(key);
    const out: string[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== key) continue;
      if (split) for (const v of splitHeaderList(this.values[i]!, this.names[i])) out.push(v);
      else out.push(this.values[i]!);
    }
    return out;
  }

  /** Replaces every line of this header with `value` (one line per array item), at the first one's place. */
  set(name: string, value: string | number | readonly string[]): this {
    const key = headerKey(name);
    const written = canonicalHeaderName(name);
    const values = (typeof value === 'object' ? value : [String(value)]).map((v) => checked(name, v));
    const first = this.indexOf(key);
    this.delete(name);
    const at = first === -1 ? this.names.length : first;
    for (let j = 0; j < values.length; j++) {
      this.names.splice(at + j, 0, written);
      this.values.splice(at + j, 0, values[j]!);
      this.keys.splice(at + j, 0, key);
    }
    return this;
  }

  /** Adds a line after all the others. */
  append(name: string, value: string | number): this {
    this.names.push(canonicalHeaderName(name));
    this.values.push(checked(name, String(value)));
    this.keys.push(headerKey(name));
    return this;
  }

  /** Adds a line before the first line of the same header (a new top Via, Route or Record-Route), or first of all. */
  prepend(name: string, value: string | number): this {
    const key = headerKey(name);
    const first = this.indexOf(key);
    const at = first === -1 ? 0 : first;
    this.names.splice(at, 0, canonicalHeaderName(name));
    this.values.splice(at, 0, checked(name, String(value)));
    this.keys.splice(at, 0, key);
    return this;
  }

  /** Removes every line of this header; returns how many there were. */
  delete(name: string): number {
    const key = headerKey(name);
    let removed = 0;
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (this.keys[i] === key) {
        this.names.splice(i, 1);
        this.values.splice(i, 1);
        this.keys.splice(i, 1);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Removes the first value of a list header (e.g. the top Via): the whole first line when it
   * holds one value, else its first comma-separated value. Returns the removed value.
   */
  shift(name: string): string | undefined {
    const key = headerKey(name);
    const i = this.indexOf(key);
    if (i === -1) return undefined;
    const parts = splitHeaderList(this.values[i]!, this.names[i]);
    if (parts.length <= 1) {
      this.names.splice(i, 1);
      this.values.splice(i, 1);
      this.keys.splice(i, 1);
      return parts[0];
    }
    this.values[i] = parts.slice(1).join(', ');
    return parts[0];
  }

  /** Replaces the first value of a list header (e.g. the top Via), keeping the others on its line. */
  replaceFirst(name: string, value: string): void {
    checked(name, value);
    const i = this.indexOf(headerKey(name));
    if (i === -1) {
      this.prepend(name, value);
      return;
    }
    const current = this.values[i]!;
    if (!current.includes(',')) {
      this.values[i] = value;
      return;
    }
    const parts = splitHeaderList(current, this.names[i]);
    parts[0] = value;
    this.values[i] = parts.join(', ');
  }

  /** @internal the raw first value of a key already in canonical lower-case form */
  firstByKey(key: string): string | undefined {
    const i = this.indexOf(key);
    return i === -1 ? undefined : this.values[i];
  }

  appendAll(init: SipHeaderInit): this {
    if (Array.isArray(init)) {
      for (const [name, value] of init as ReadonlyArray<readonly [string, string]>) this.append(name, value);
      return this;
    }
    for (const [name, value] of Object.entries(init as Record<string, string | number | readonly string[]>)) {
      if (typeof value === 'object') for (const v of value) this.append(name, v);
      else this.append(name, value);
    }
    return this;
  }

  entries(): Array<[string, string]> {
    return this.names.map((n, i) => [n, this.values[i]!]);
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return this.entries()[Symbol.iterator]();
  }

  clone(): SipHeaders {
    const copy = new SipHeaders();
    copy.names = this.names.slice();
    copy.values = this.values.slice();
    copy.keys = this.keys.slice();
    return copy;
  }
}

/** Refuses what would break the message on the wire: a name that is not a token, a value with a line break. */
function checked(name: string, value: string): string {
  if (!isToken(name)) throw new SipStackError(`bad header name "${name}"`);
  if (value.indexOf('\n') !== -1 || value.indexOf('\r') !== -1) throw new SipStackError(`header ${name} contains a line break`);
  return value;
}

interface Cached<T> {
  raw: string;
  value: T;
}

abstract class SipMessageBase {
  readonly headers: SipHeaders;
  /** The body as bytes; `bodyText` decodes it as UTF-8. */
  body: Buffer;
  // Parsed header values, each valid while its header's raw text is unchanged (one slot per
  // accessor: plain fields keep the hot path monomorphic).
  private cCallId?: Cached<string>;
  private cCSeq?: Cached<CSeq>;
  private cFrom?: Cached<NameAddr>;
  private cTo?: Cached<NameAddr>;
  private cVia?: Cached<Via>;
  private cOther?: Map<string, Cached<unknown>>;

  protected constructor(headers: SipHeaders, body: Buffer) {
    this.headers = headers;
    this.body = body;
  }

  private raw(key: string, name: string): string {
    const raw = this.headers.firstByKey(key);
    if (raw === undefined) throw new SipParseError('missing-header', 'missing header', name);
    return raw;
  }

  /** Parses a less common header's value once per distinct raw value; missing → `undefined`. */
  private cached<T>(key: string, parse: (raw: string) => T): T | undefined {
    const raw = this.headers.firstByKey(key);
    if (raw === undefined) return undefined;
    const cache = (this.cOther ??= new Map());
    const hit = cache.get(key);
    if (hit !== undefined && hit.raw === raw) return hit.value as T;
    const value = parse(raw);
    cache.set(key, { raw, value });
    return value;
  }

  get bodyText(): string {
    return this.body.toString('utf8');
  }

  /** Call-ID; a missing header is a `SipParseError`. */
  get callId(): string {
    const raw = this.raw('call-id', 'Call-ID');
    let c = this.cCallId;
    if (c === undefined || c.raw !== raw) {
      if (raw === '' || /\s/.test(raw)) throw new SipParseError('bad-header-value', 'bad Call-ID', 'Call-ID');
      this.cCallId = c = { raw, value: raw };
    }
    return c.value;
  }

  get cseq(): CSeq {
    const raw = this.raw('cseq', 'CSeq');
    let c = this.cCSeq;
    if (c === undefined || c.raw !== raw) this.cCSeq = c = { raw, value: parseCSeq(raw) };
    return c.value;
  }

  get from(): NameAddr {
    const raw = this.raw('from', 'From');
    let c = this.cFrom;
    if (c === undefined || c.raw !== raw) this.cFrom = c = { raw, value: parseNameAddr(raw, 'From') };
    return c.value;
  }

  get to(): NameAddr {
    const raw = this.raw('to', 'To');
    let c = this.cTo;
    if (c === undefined || c.raw !== raw) this.cTo = c = { raw, value: parseNameAddr(raw, 'To') };
    return c.value;
  }

  /** The `tag` parameter of From, if any. */
  get fromTag(): string | undefined {
    return tagOf(this.from.params);
  }

  /** The `tag` parameter of To, if any. */
  get toTag(): string | undefined {
    return tagOf(this.to.params);
  }

  /** The first Via value; a missing or malformed one is a `SipParseError`. */
  get topVia(): Via {
    const raw = this.raw('via', 'Via');
    let c = this.cVia;
    if (c === undefined || c.raw !== raw) {
      this.cVia = c = { raw, value: parseVia(raw.indexOf(',') === -1 ? raw : (splitHeaderList(raw, 'Via')[0] ?? '')) };
    }
    return c.value;
  }

  /** Every Via value, top first. */
  get vias(): Via[] {
    return this.headers.getAll('via').map((v) => parseVia(v));
  }

  /** Contact values (empty when there is none); a wildcard is one entry with uri `*`. */
  get contacts(): NameAddr[] {
    return this.headers.getAll('contact').map((v) => parseNameAddr(v, 'Contact'));
  }

  get routes(): NameAddr[] {
    return this.headers.getAll('route').map((v) => parseNameAddr(v, 'Route'));
  }

  get recordRoutes(): NameAddr[] {
    return this.headers.getAll('record-route').map((v) => parseNameAddr(v, 'Record-Route'));
  }

  /** Content-Length as written, if present (the serializer always writes the body's byte length). */
  get contentLength(): number | undefined {
    return this.cached('content-length', (raw) => parseUnsigned(raw, 'Content-Length'));
  }

  /** Lower-case media type of the body (`application/sdp`), if any. */
  get contentType(): string | undefined {
    return this.cached('content-type', (raw) => parseMediaType(raw).type);
  }

  get maxForwards(): number | undefined {
    return this.cached('max-forwards', (raw) => parseUnsigned(raw, 'Max-Forwards', 255));
  }

  get expires(): number | undefined {
    return this.cached('expires', (raw) => parseUnsigned(raw, 'Expires'));
  }

  /** Option tags of Supported / Require (lower-case). */
  optionTags(header: 'Supported' | 'Require' | 'Proxy-Require' | 'Unsupported'): string[] {
    return this.headers.getAll(header).map((t) => t.toLowerCase());
  }
}

function tagOf(params: SipParams): string | undefined {
  const tag = params.tag;
  return typeof tag === 'string' && tag !== '' ? tag : undefined;
}

/** A SIP request. `uri` is the Request-URI as written (see `parseUri`). */
export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;
  method: string;
  uri: string;

  constructor(method: string, uri: string, headers: SipHeaders | SipHeaderInit = new SipHeaders(), body: Buffer | string = EMPTY_BODY) {
    super(headers instanceof SipHeaders ? headers : new SipHeaders(headers), typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
    this.method = method;
    this.uri = uri;
  }

  /** A deep copy (headers and body). */
  clone(): SipRequest {
    return new SipRequest(this.method, this.uri, this.headers.clone(), Buffer.from(this.body));
  }
}

/** A SIP response. */
export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;
  status: number;
  reason: string;

  constructor(status: number, reason: string, headers: SipHeaders | SipHeaderInit = new SipHeaders(), body: Buffer | string = EMPTY_BODY) {
    super(headers instanceof SipHeaders ? headers : new SipHeaders(headers), typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
    this.status = status;
    this.reason = reason;
  }

  clone(): SipResponse {
    return new SipResponse(this.status, this.reason, this.headers.clone(), Buffer.from(this.body));
  }
}

export type SipMessage = SipRequest | SipResponse;

export function isRequest(message: SipMessage): message is SipRequest {
  return message.kind === 'request';
}

export function isResponse(message: SipMessage): message is SipResponse {
  return message.kind === 'response';
}
