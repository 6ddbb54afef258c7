import { answerDigestChallenge, authorizeRetry, computeDigestResponse, createDigestClientState, digestHa1, DigestAuthenticator, type DigestCredentialLookup } from './digest';
import { parseAuthParams } from './sip-header-values';
import { SipRequest, SipResponse } from './sip-message';

describe('computeDigestResponse: published test vectors', () => {
  it('RFC 2617 §3.5 (MD5, qop=auth)', () => {
    expect(
      computeDigestResponse({ algorithm: 'MD5', username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  const rfc7616 = { username: 'Mufasa', realm: 'http-auth@example.org', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', qop: 'auth' as const, nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };

  it('RFC 7616 §3.9.1 (MD5)', () => {
    expect(computeDigestResponse({ ...rfc7616, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('RFC 7616 §3.9.1 (SHA-256, the RFC 8760 algorithm)', () => {
    expect(computeDigestResponse({ ...rfc7616, algorithm: 'SHA-256' })).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('gives the same response from a stored HA1 as from the password', () => {
    const ha1 = digestHa1('SHA-256', 'Mufasa', rfc7616.realm, rfc7616.password);
    const { password: _password, ...withoutPassword } = rfc7616;
    expect(computeDigestResponse({ ...withoutPassword, algorithm: 'SHA-256', ha1 })).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });
});

describe('DigestAuthenticator ⇄ answerDigestChallenge', () => {
  const realm = 'parley.example';
  const secret = 'a-very-secret-hmac-key-of-32-byte';
  const users: Record<string, string> = { alice: 'wonderland', bob: 'builder' };
  const lookup: DigestCredentialLookup = (username) => (users[username] === undefined ? undefined : { password: users[username]! });
  let clock = 1_700_000_000_000;
  const now = (): number => clock;

  function register(uri = 'sip:parley.example'): SipRequest {
    return new SipRequest('REGISTER', uri, { 'Call-ID': 'c1', CSeq: '1 REGISTER' });
  }

  function challengeResponse(server: DigestAuthenticator, options: { stale?: boolean } = {}): SipResponse {
    return new SipResponse(401, 'Unauthorized', server.challengeHeaders(401, options));
  }

  function authorize(server: DigestAuthenticator, request: SipRequest, password = users.alice!, state = createDigestClientState()): SipRequest {
    const answer = answerDigestChallenge(challengeResponse(server), request, { username: 'alice', password }, state);
    if (!answer) throw new Error('no answer');
    request.headers.set(answer.header, answer.value);
    return request;
  }

  beforeEach(() => {
    clock = 1_700_000_000_000;
  });

  it('challenges with realm, an HMAC nonce, opaque, qop=auth and the algorithm', () => {
    const server = new DigestAuthenticator({ realm, secret, now });
    const [value] = server.challenge();
    const { scheme, params } = parseAuthParams(value!, 'WWW-Authenticate');
    expect(scheme).toBe('Digest');
    expect(params).toMatchObject({ realm, algorithm: 'MD5', qop: 'auth' });
    expect(params.opaque).toEqual(expect.any(String));
    expect(server.checkNonce(params.nonce!)).toBe('ok');
    expect(server.challenge({ stale: true })[0]).toMatch(/, stale=true$/);
  });

  it('offers SHA-256 before MD5 when both are asked for, and the client picks SHA-256', () => {
    const server = new DigestAuthenticator({ realm, secret, now, algorithms: ['SHA-256', 'MD5'] });
    const headers = server.challengeHeaders(401);
    expect(headers.map(([name, value]) => [name, /algorithm=([\w-]+)/.exec(value)![1]])).toEqual([
      ['WWW-Authenticate', 'SHA-256'],
      ['WWW-Authenticate', 'MD5'],
    ]);
    const answer = answerDigestChallenge(new SipResponse(401, 'Unauthorized', [...headers].reverse()), register(), { username: 'alice', password: 'wonderland' });
    expect(answer?.value).toMatch(/algorithm=SHA-256/);
  });

  it('accepts correct credentials (MD5 and SHA-256, password or HA1)', async () => {
    for (const algorithm of ['MD5', 'SHA-256'] as const) {
      const server = new DigestAuthenticator({ realm, secret, now, algorithms: [algorithm] });
      await expect(server.verify(authorize(server, register()), lookup)).resolves.toEqual({ ok: true, username: 'alice', algorithm });
      const viaHa1: DigestCredentialLookup = (username, r, alg) => ({ ha1: digestHa1(alg, username, r, users[username]!) });
      await expect(server.verify(authorize(server, register()), viaHa1)).resolves.toMatchObject({ ok: true });
    }
  });

  it('refuses a wrong password, an unknown user, a missing header', async () => {
    const server = new DigestAuthenticator({ realm, secret, now });
    await expect(server.verify(authorize(server, register(), 'nope'), lookup)).resolves.toMatchObject({ ok: false, reason: 'response', stale: false, username: 'alice' });
    const unknown = register();
    const answer = answerDigestChallenge(challengeResponse(server), unknown, { username: 'mallory', password: 'x' })!;
    unknown.headers.set(answer.header, answer.value);
    await expect(server.verify(unknown, lookup)).resolves.toMatchObject({ ok: false, reason: 'unknown-user' });
    await expect(server.verify(register(), lookup)).resolves.toMatchObject({ ok: false, reason: 'missing' });
  });

  it('says stale=true for an expired nonce with otherwise good credentials, and no stale for bad ones', async () => {
    const server = new DigestAuthenticator({ realm, secret, now, nonceTtlMs: 60_000 });
    const good = authorize(server, register());
    const bad = authorize(server, register(), 'wrong');
    clock += 61_000;
    await expect(server.verify(good, lookup)).resolves.toMatchObject({ ok: false, reason: 'stale', stale: true });
    await expect(server.verify(bad, lookup)).resolves.toMatchObject({ ok: false, reason: 'response', stale: false });
  });

  it('refuses a nonce it did not make, or one from another secret', async () => {
    const server = new DigestAuthenticator({ realm, secret, now });
    const other = new DigestAuthenticator({ realm, secret: 'another-secret-of-enough-bytes!!', now });
    await expect(server.verify(authorize(other, register()), lookup)).resolves.toMatchObject({ ok: false, reason: 'nonce' });
    const forged = authorize(server, register());
    forged.headers.set('Authorization', forged.headers.get('Authorization')!.replace(/nonce="([^"]+)"/, (_m, n: string) => `nonce="${n.slice(0, -2)}AA"`));
    await expect(server.verify(forged, lookup)).resolves.toMatchObject({ ok: false, reason: 'nonce' });
  });

  it('refuses a replayed nonce-count and accepts a higher one', async () => {
    const server = new DigestAuthenticator({ realm, secret, now });
    const state = createDigestClientState();
    const challenge = challengeResponse(server);
    const first = register();
    const a1 = answerDigestChallenge(challenge, first, { username: 'alice', password: 'wonderland' }, state)!;
    first.headers.set(a1.header, a1.value);
    await expect(server.verify(first, lookup)).resolves.toMatchObject({ ok: true });
    await expect(server.verify(first, lookup)).resolves.toMatchObject({ ok: false, reason: 'replay' });
    const second = register();
    const a2 = answerDigestChallenge(challenge, second, { username: 'alice', password: 'wonderland' }, state)!;
    expect(a2.value).toMatch(/nc=00000002/);
    second.headers.set(a2.header, a2.value);
    await expect(server.verify(second, lookup)).resolves.toMatchObject({ ok: true });
  });

  it('keeps the nonce-count memory bounded', async () => {
    const server = new DigestAuthenticator({ realm, secret, now, maxTrackedNonces: 3 });
    for (let i = 0; i < 5; i++) await expect(server.verify(authorize(server, register()), lookup)).resolves.toMatchObject({ ok: true });
    expect(server.trackedNonces).toBe(3);
  });

  it('refuses credentials computed for another Request-URI, realm or qop', async () => {
    const server = new DigestAuthenticator({ realm, secret, now });
    const moved = authorize(server, register('sip:parley.example'));
    moved.uri = 'sip:other.example';
    await expect(server.verify(moved, lookup)).resolves.toMatchObject({ ok: false, reason: 'uri' });
    // An equivalent Request-URI (RFC 3261 §19.1.4: host case differs) is the same resource.
    const equivalent = authorize(server, register('sip:PARLEY.example'));
    equivalent.uri = 'sip:parley.example';
    await expect(server.verify(equivalent, lookup)).resolves.toMatchObject({ ok: true });
    const noQop = authorize(server, register());
    noQop.headers.set('Authorization', noQop.headers.get('Authorization')!.replace(/, qop=auth/, ''));
    await expect(server.verify(noQop, lookup)).resolves.toMatchObject({ ok: false, reason: 'qop' });
    const otherRealm = authorize(server, register());
    otherRealm.headers.set('Authorization', otherRealm.headers.get('Authorization')!.replace(`realm="${realm}"`, 'realm="evil"'));
    await expect(server.verify(otherRealm, lookup)).resolves.toMatchObject({ ok: false, reason: 'realm' });
  });

  it('refuses an algorithm it did not offer, a tampered opaque, and garbage', async () => {
    const server = new DigestAuthenticator({ realm, secret, now, algorithms: ['SHA-256'] });
    const md5 = new DigestAuthenticator({ realm, secret, now, algorithms: ['MD5'] });
    await expect(server.verify(authorize(md5, register()), lookup)).resolves.toMatchObject({ ok: false, reason: 'algorithm' });
    const tampered = authorize(server, register());
    tampered.headers.set('Authorization', tampered.headers.get('Authorization')!.replace(/opaque="[^"]+"/, 'opaque="x"'));
    await expect(server.verify(tampered, lookup)).resolves.toMatchObject({ ok: false, reason: 'opaque' });
    const garbage = register();
    garbage.headers.set('Authorization', 'Digest username="a", realm="unterminated');
    await expect(server.verify(garbage, lookup)).resolves.toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('answers a 407 with Proxy-Authorization and skips challenges for another realm', () => {
    const server = new DigestAuthenticator({ realm, secret, now });
    const proxyChallenge = new SipResponse(407, 'Proxy Authentication Required', server.challengeHeaders(407));
    expect(answerDigestChallenge(proxyChallenge, register(), { username: 'alice', password: 'x' })?.header).toBe('Proxy-Authorization');
    expect(answerDigestChallenge(proxyChallenge, register(), { username: 'alice', password: 'x', realm: 'elsewhere' })).toBeUndefined();
    expect(answerDigestChallenge(new SipResponse(401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="x"' }), register(), { username: 'a', password: 'b' })).toBeUndefined();
  });

  it('builds the retry of a challenged INVITE: next CSeq, no Via, credentials; and stops on a second challenge for the same nonce', async () => {
    const server = new DigestAuthenticator({ realm, secret, now });
    const invite = new SipRequest('INVITE', 'sip:+14155550123@trunk.example', { Via: 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa', From: '<sip:agent@parley.example>;tag=f1', To: '<sip:+14155550123@trunk.example>', 'Call-ID': 'trunk-1', CSeq: '5 INVITE' });
    const state = createDigestClientState();
    const challenge = new SipResponse(407, 'Proxy Authentication Required', server.challengeHeaders(407));
    const retry = authorizeRetry(invite, challenge, { username: 'alice', password: 'wonderland' }, state)!;
    expect(retry.cseq).toEqual({ seq: 6, method: 'INVITE' });
    expect(retry.headers.has('via')).toBe(false);
    expect(retry.callId).toBe('trunk-1');
    expect(retry.fromTag).toBe('f1');
    expect(invite.headers.has('proxy-authorization')).toBe(false);
    await expect(server.verify(retry, lookup, { proxy: true })).resolves.toMatchObject({ ok: true, username: 'alice' });
    // The same challenge again means the password is wrong: no endless retries.
    expect(authorizeRetry(retry, challenge, { username: 'alice', password: 'wonderland' }, state)).toBeUndefined();
  });

  it('rejects a short HMAC secret', () => {
    expect(() => new DigestAuthenticator({ realm, secret: 'short' })).toThrow(/16 bytes/);
  });
});
