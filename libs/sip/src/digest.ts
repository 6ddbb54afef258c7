// HTTP Digest authentication for SIP (RFC 3261 §22, RFC 2617, RFC 7616, RFC 8760): the server
// side (challenges with stateless HMAC nonces, verification with expiry, `stale`, nonce-count
// replay protection) and the client side (answering a 401/407 for outbound trunks).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseAuthParams, quote } from './sip-header-values';
import type { SipRequest, SipResponse } from './sip-message';
import { uriEquals } from './sip-uri';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

const ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'];

function normaliseAlgorithm(text: string | undefined): DigestAlgorithm | undefined {
  if (text === undefined || text === '') return 'MD5';
  return ALGORITHMS.find((a) => a.toLowerCase() === text.toLowerCase());
}

function hashOf(algorithm: DigestAlgorithm, data: string | Buffer): string {
  return createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
    .update(data)
    .digest('hex');
}

/** Everything that goes into a digest `response` (RFC 7616 §3.4.1). */
export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  /** The password, or `ha1` = H(username:realm:password) stored instead of it. */
  password?: string;
  ha1?: string;
  method: string;
  uri: string;
  nonce: string;
  /** `auth`, `auth-int`, or absent (RFC 2069 compatibility). */
  qop?: 'auth' | 'auth-int';
  /** 8 hex digits, e.g. `00000001`. */
  nc?: string;
  cnonce?: string;
  /** The body, for `auth-int`. */
  body?: Buffer;
}

/** H(username:realm:password) for the algorithm: what a credential store keeps instead of a password. */
export function digestHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return hashOf(algorithm, `${username}:${realm}:${password}`);
}

/** The `response` value for these inputs. */
export function computeDigestResponse(input: DigestInput): string {
  const { algorithm } = input;
  let ha1 = input.ha1 ?? (input.password !== undefined ? digestHa1(algorithm, input.username, input.realm, input.password) : undefined);
  if (ha1 === undefined) throw new TypeError('computeDigestResponse needs a password or an ha1');
  if (algorithm.endsWith('-sess')) ha1 = hashOf(algorithm, `${ha1}:${input.nonce}:${input.cnonce ?? ''}`);
  const ha2 = input.qop === 'auth-int' ? hashOf(algorithm, `${input.method}:${input.uri}:${hashOf(algorithm, input.body ?? Buffer.alloc(0))}`) : hashOf(algorithm, `${input.method}:${input.uri}`);
  if (input.qop === undefined) return hashOf(algorithm, `${ha1}:${input.nonce}:${ha2}`);
  return hashOf(algorithm, `${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:${input.qop}:${ha2}`);
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a.toLowerCase());
  const right = Buffer.from(b.toLowerCase());
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

// ---------------------------------------------------------------------------------------------
// Server side

/** A password, or H(username:realm:password) for the algorithm asked. */
export type DigestSecret = { password: string } | { ha1: string };

/** Finds the secret of a user; `undefined` when the user is unknown. */
export type DigestCredentialLookup = (username: string, realm: string, algorithm: DigestAlgorithm) => Promise<DigestSecret | undefined> | DigestSecret | undefined;

export type DigestFailure =
  | 'missing'
  | 'malformed'
  | 'scheme'
  | 'realm'
  | 'algorithm'
  | 'qop'
  | 'nonce'
  | 'opaque'
  | 'uri'
  | 'unknown-user'
  | 'response'
  | 'replay'
  | 'stale';

export type DigestVerification =
  | { ok: true; username: string; algorithm: DigestAlgorithm }
  /** `stale`: the credentials were right but the nonce expired: challenge again with `stale=true` (the client retries without asking the user). */
  | { ok: false; reason: DigestFailure; stale: boolean; username?: string };

export interface DigestServerOptions {
  realm: string;
  /** Key of the HMAC that makes nonces verifiable without state (≥ 16 random bytes; share it between instances). */
  secret: string | Buffer;
  /** Algorithms to offer, one WWW-Authenticate each, in order of preference (RFC 8760 §2.4). Default `['MD5']`. */
  algorithms?: readonly ('MD5' | 'SHA-256')[];
  /** How long a nonce is accepted (default 300 s). */
  nonceTtlMs?: number;
  /** Nonces whose last nonce-count is remembered for replay checks (oldest forgotten first; default 10,000). */
  maxTrackedNonces?: number;
  now?: () => number;
}

const NONCE_BYTES = 8 + 8 + 16;

/**
 * Server-side digest: `challenge()` makes the WWW-Authenticate / Proxy-Authenticate values;
 * `verify()` checks an Authorization / Proxy-Authorization. Nonces are
 * base64url(timestamp ‖ random ‖ HMAC(secret, timestamp ‖ random ‖ realm)), so their age and
 * origin are checked without state; only the last nonce-count per nonce is remembered.
 */
export class DigestAuthenticator {
  readonly realm: string;
  private readonly secret: Buffer;
  private readonly algorithms: readonly ('MD5' | 'SHA-256')[];
  private readonly ttl: number;
  private readonly maxTracked: number;
  private readonly now: () => number;
  private readonly counts = new Map<string, number>();

  constructor(options: DigestServerOptions) {
    this.realm = options.realm;
    this.secret = typeof options.secret === 'string' ? Buffer.from(options.secret) : options.secret;
    if (this.secret.length < 16) throw new TypeError('DigestAuthenticator secret must be at least 16 bytes');
    this.algorithms = options.algorithms ?? ['MD5'];
    this.ttl = options.nonceTtlMs ?? 300_000;
    this.maxTracked = options.maxTrackedNonces ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  private mac(data: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(data).update(this.realm).digest().subarray(0, 16);
  }

  /** A fresh nonce. */
  createNonce(): string {
    const head = Buffer.alloc(16);
    head.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.now()))), 0);
    randomBytes(8).copy(head, 8);
    return Buffer.concat([head, this.mac(head)]).toString('base64url');
  }

  /** 'ok', 'expired' (genuine but too old) or 'invalid' (not ours, or from the future). */
  checkNonce(nonce: string): 'ok' | 'expired' | 'invalid' {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== NONCE_BYTES || raw.toString('base64url') !== nonce) return 'invalid';
    const head = raw.subarray(0, 16);
    if (!timingSafeEqual(raw.subarray(16), this.mac(head))) return 'invalid';
    const issued = Number(head.readBigUInt64BE(0));
    const age = this.now() - issued;
    if (age < -5_000) return 'invalid';
    return age > this.ttl ? 'expired' : 'ok';
  }

  private opaqueFor(nonce: string): string {
    return createHmac('sha256', this.secret).update(`opaque:${nonce}`).digest('base64url').slice(0, 22);
  }

  /**
   * Challenge header values, one per offered algorithm (SHA-256 first when offered, RFC 8760):
   * `Digest realm="…", nonce="…", opaque="…", algorithm=MD5, qop="auth"[, stale=true]`.
   */
  challenge(options: { stale?: boolean } = {}): string[] {
    const nonce = this.createNonce();
    const opaque = this.opaqueFor(nonce);
    return this.algorithms.map(
      (algorithm) => `Digest realm=${quote(this.realm)}, nonce="${nonce}", opaque="${opaque}", algorithm=${algorithm}, qop="auth"${options.stale ? ', stale=true' : ''}`,
    );
  }

  /** The headers of a challenge response: `WWW-Authenticate` (401) or `Proxy-Authenticate` (407). */
  challengeHeaders(status: 401 | 407 = 401, options: { stale?: boolean } = {}): Array<[string, string]> {
    const name = status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    return this.challenge(options).map((value) => [name, value]);
  }

  /**
   * Verifies the credentials of `request` for this realm (Authorization, or Proxy-Authorization
   * with `proxy`). Checks scheme, realm, algorithm, qop=auth, the nonce's HMAC and age, the
   * opaque, that `uri` matches the Request-URI, the response (constant-time), and that the
   * nonce-count grows per nonce.
   */
  async verify(request: SipRequest, lookup: DigestCredentialLookup, options: { proxy?: boolean } = {}): Promise<DigestVerification> {
    const header = options.proxy ? 'Proxy-Authorization' : 'Authorization';
    const lines = request.headers.getLines(header);
    if (lines.length === 0) return { ok: false, reason: 'missing', stale: false };
    let params: Record<string, string> | undefined;
    for (const line of lines) {
      try {
        const parsed = parseAuthParams(line, header);
        if (parsed.scheme.toLowerCase() !== 'digest') continue;
        if (parsed.params.realm === this.realm) {
          params = parsed.params;
          break;
        }
        params ??= parsed.params;
      } catch {
        return { ok: false, reason: 'malformed', stale: false };
      }
    }
    if (params === undefined) return { ok: false, reason: 'scheme', stale: false };
    const { username, realm, nonce, uri, response, qop, nc, cnonce, opaque } = params;
    const fail = (reason: DigestFailure, stale = false): DigestVerification => (username === undefined ? { ok: false, reason, stale } : { ok: false, reason, stale, username });
    if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) return fail('malformed');
    if (realm !== this.realm) return fail('realm');
    const algorithm = normaliseAlgorithm(params.algorithm);
    if (algorithm === undefined || !(this.algorithms as readonly string[]).includes(algorithm)) return fail('algorithm');
    if (qop !== 'auth' || cnonce === undefined || nc === undefined || !/^[0-9a-fA-F]{8}$/.test(nc)) return fail('qop');
    const nonceState = this.checkNonce(nonce);
    if (nonceState === 'invalid') return fail('nonce');
    if (opaque !== undefined && !safeEqual(opaque, this.opaqueFor(nonce))) return fail('opaque');
    if (uri !== request.uri && !uriEquals(uri, request.uri)) return fail('uri');
    const secret = await lookup(username, realm, algorithm);
    if (secret === undefined) return fail('unknown-user');
    const expected = computeDigestResponse({
      algorithm,
      username,
      realm,
      ...('password' in secret ? { password: secret.password } : { ha1: secret.ha1 }),
      method: request.method,
      uri,
      nonce,
      qop: 'auth',
      nc,
      cnonce,
    });
    if (!safeEqual(expected, response)) return fail('response');
    if (nonceState === 'expired') return fail('stale', true);
    const count = parseInt(nc, 16);
    const last = this.counts.get(nonce);
    if (last !== undefined && count <= last) return fail('replay');
    this.remember(nonce, count);
    return { ok: true, username, algorithm };
  }

  private remember(nonce: string, count: number): void {
    this.counts.delete(nonce);
    this.counts.set(nonce, count);
    while (this.counts.size > this.maxTracked) {
      const oldest = this.counts.keys().next().value;
      if (oldest === undefined) break;
      this.counts.delete(oldest);
    }
  }

  /** How many nonces have a remembered nonce-count (bounded by `maxTrackedNonces`). */
  get trackedNonces(): number {
    return this.counts.size;
  }
}

// ---------------------------------------------------------------------------------------------
// Client side

export interface DigestClientCredentials {
  username: string;
  password: string;
  /** Only answer challenges for this realm (default: any). */
  realm?: string;
}

/** Keeps the nonce-count per nonce so a reused nonce is answered with nc=2, 3… */
export interface DigestClientState {
  nonceCounts: Map<string, number>;
}

export function createDigestClientState(): DigestClientState {
  return { nonceCounts: new Map() };
}

const PREFERENCE: readonly DigestAlgorithm[] = ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'];

/**
 * Builds the Authorization / Proxy-Authorization for the best challenge of a 401 / 407 (SHA-256
 * over MD5, RFC 8760), or `undefined` when no challenge can be answered (unknown scheme or
 * algorithm, another realm, qop without `auth`/`auth-int`).
 */
export function answerDigestChallenge(
  challenge: SipResponse,
  request: Pick<SipRequest, 'method' | 'uri' | 'body'>,
  credentials: DigestClientCredentials,
  state: DigestClientState = createDigestClientState(),
): { header: 'Authorization' | 'Proxy-Authorization'; value: string; realm: string; nonce: string; stale: boolean } | undefined {
  const proxy = challenge.status === 407;
  const lines = challenge.headers.getLines(proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate');
  const options: Array<{ algorithm: DigestAlgorithm; params: Record<string, string> }> = [];
  for (const line of lines) {
    try {
      const parsed = parseAuthParams(line, proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate');
      if (parsed.scheme.toLowerCase() !== 'digest') continue;
      const algorithm = normaliseAlgorithm(parsed.params.algorithm);
      if (algorithm === undefined || parsed.params.realm === undefined || parsed.params.nonce === undefined) continue;
      if (credentials.realm !== undefined && parsed.params.realm !== credentials.realm) continue;
      options.push({ algorithm, params: parsed.params });
    } catch {
      continue;
    }
  }
  options.sort((a, b) => PREFERENCE.indexOf(a.algorithm) - PREFERENCE.indexOf(b.algorithm));
  for (const { algorithm, params } of options) {
    const offered = params.qop?.split(',').map((q) => q.trim().toLowerCase());
    let qop: 'auth' | 'auth-int' | undefined;
    if (offered !== undefined) {
      if (offered.includes('auth')) qop = 'auth';
      else if (offered.includes('auth-int')) qop = 'auth-int';
      else continue;
    }
    const realm = params.realm!;
    const nonce = params.nonce!;
    const count = (state.nonceCounts.get(nonce) ?? 0) + 1;
    state.nonceCounts.set(nonce, count);
    const nc = count.toString(16).padStart(8, '0');
    const cnonce = randomBytes(12).toString('hex');
    const response = computeDigestResponse({ algorithm, username: credentials.username, realm, password: credentials.password, method: request.method, uri: request.uri, nonce, nc, cnonce, body: request.body, ...(qop ? { qop } : {}) });
    let value = `Digest username=${quote(credentials.username)}, realm=${quote(realm)}, nonce=${quote(nonce)}, uri=${quote(request.uri)}, response="${response}", algorithm=${algorithm}`;
    if (qop) value += `, qop=${qop}, nc=${nc}, cnonce="${cnonce}"`;
    if (params.opaque !== undefined) value += `, opaque=${quote(params.opaque)}`;
    return { header: proxy ? 'Proxy-Authorization' : 'Authorization', value, realm, nonce, stale: params.stale?.toLowerCase() === 'true' };
  }
  return undefined;
}

/**
 * The request to send again after a 401 / 407 (RFC 3261 §22.2): a copy with the next CSeq, no
 * Via (the stack adds a fresh branch), and the credentials for the best challenge. Undefined when
 * no challenge can be answered — or when this same nonce was already answered and the challenge
 * is not `stale` (the credentials are wrong: do not loop).
 */
export function authorizeRetry(request: SipRequest, challenge: SipResponse, credentials: DigestClientCredentials, state: DigestClientState = createDigestClientState()): SipRequest | undefined {
  const retry = request.clone();
  retry.headers.delete('Via');
  retry.headers.set('CSeq', `${request.cseq.seq + 1} ${request.cseq.method}`);
  const previous = new Set(state.nonceCounts.keys());
  const answer = answerDigestChallenge(challenge, retry, credentials, state);
  if (answer === undefined) return undefined;
  if (previous.has(answer.nonce) && !answer.stale) return undefined;
  retry.headers.set(answer.header, answer.value);
  return retry;
}
