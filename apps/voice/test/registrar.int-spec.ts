import { randomUUID } from 'node:crypto';
import { deriveSipCredentials } from '@parley/auth';
import { FailureLimiter, MemoryCounterStore } from '@parley/rate-limit';
import { answerDigestChallenge, createRequest, SipStack, UdpTransport, WsTransport, type SipDestination, type SipResponse } from '@parley/sip';
import { DidDirectory } from '../src/directory/did-directory';
import { MemoryBindingStore } from '../src/registrar/memory-binding.store';
import { Registrar } from '../src/registrar/registrar';

const SECRET = 'sip-credential-secret-for-tests-0123456789';

describe('registrar over a real SIP stack (UDP and WebSocket)', () => {
  const directory = new DidDirectory();
  const bindings = new MemoryBindingStore();
  const tenantId = randomUUID();
  const agentId = randomUUID();
  const domain = 'acme.sip.parley.local';
  let server: SipStack;
  let client: SipStack;
  let registrar: Registrar;
  let udp: SipDestination;
  let ws: SipDestination;

  beforeAll(async () => {
    directory.onTenant({ tenantId, slug: 'acme', companyName: 'Acme', locale: 'en', plan: 'trial', seatLimit: 5, sipDomain: domain, createdAt: new Date().toISOString() });
    directory.onUserCreated({ tenantId, userId: agentId });
    directory.onSeat({ tenantId, userId: agentId }, true);
    registrar = new Registrar({
      directory,
      bindings,
      failures: new FailureLimiter(new MemoryCounterStore(), { maxFailures: 10, windowSeconds: 60, blockSeconds: 300, prefix: 'sip-auth' }),
      credentialSecret: SECRET,
      nonceSecret: 'nonce-secret-for-tests-0123456789',
      nodeId: 'voice-test',
    });
    server = new SipStack({ transports: [new UdpTransport({ address: '127.0.0.1', port: 0 }), new WsTransport({ address: '127.0.0.1', port: 0 })] });
    server.onRequest((inbound) => (inbound.method === 'REGISTER' ? registrar.handle(inbound) : void inbound.respond(405, 'Method Not Allowed')));
    server.on('flowClosed', (flow) => void registrar.onFlowClosed(flow));
    await server.start();
    client = new SipStack({ transports: [new UdpTransport({ address: '127.0.0.1', port: 0 }), new WsTransport({ address: '127.0.0.1', port: 0 })] });
    await client.start();
    const u = server.transport('udp')!.sentBy;
    const w = server.transport('ws')!.sentBy;
    udp = { transport: 'udp', address: u.address, port: u.port };
    ws = { transport: 'ws', address: w.address, port: w.port };
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  async function register(to: SipDestination, username: string, password: string, options: { domain?: string; expires?: number; user?: string } = {}): Promise<{ first: SipResponse; final: SipResponse }> {
    const d = options.domain ?? domain;
    const user = options.user ?? agentId;
    const init = { method: 'REGISTER', uri: `sip:${d}`, from: `sip:${user}@${d}`, to: `sip:${user}@${d}`, contact: `sip:${randomUUID().slice(0, 8)}@abc.invalid;transport=${to.transport}`, headers: { Expires: options.expires ?? 600 }, callId: randomUUID(), cseq: 1 };
    const first = await client.sendRequest(createRequest(init), to).finalResponse;
    if (first.status !== 401) return { first, final: first };
    const request = createRequest({ ...init, cseq: 2 });
    const answer = answerDigestChallenge(first, request, { username, password });
    if (!answer) throw new Error('no challenge to answer');
    request.headers.append(answer.header, answer.value);
    return { first, final: await client.sendRequest(request, to).finalResponse };
  }

  it('challenges (401), then accepts the tenant service credentials (200) and stores the binding with its flow', async () => {
    const creds = deriveSipCredentials({ secret: SECRET, userId: agentId, tenantSlug: 'acme', sipDomainSuffix: 'sip.parley.local', ttlSeconds: 3600 });
    const { first, final } = await register(udp, creds.username, creds.password);
    expect(first.status).toBe(401);
    expect(first.headers.getLines('WWW-Authenticate').some((h) => h.includes('algorithm=SHA-256'))).toBe(true);
    expect(final.status).toBe(200);
    expect(final.headers.get('Contact')).toMatch(/expires=(599|600)/);
    const stored = await bindings.list(tenantId, agentId);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.flowId).toBeTruthy();
  });

  it('answers a wrong password, an expired credential, an unknown user and an unknown domain alike (401 with a fresh challenge)', async () => {
    const good = deriveSipCredentials({ secret: SECRET, userId: agentId, tenantSlug: 'acme', sipDomainSuffix: 'sip.parley.local', ttlSeconds: 3600 });
    const expired = deriveSipCredentials({ secret: SECRET, userId: agentId, tenantSlug: 'acme', sipDomainSuffix: 'sip.parley.local', ttlSeconds: 60, now: new Date(Date.now() - 3_600_000) });
    const stranger = randomUUID();
    const strangerCreds = deriveSipCredentials({ secret: SECRET, userId: stranger, tenantSlug: 'acme', sipDomainSuffix: 'sip.parley.local', ttlSeconds: 3600 });
    const answers = [
      await register(udp, good.username, 'not-the-password'),
      await register(udp, expired.username, expired.password),
      await register(udp, strangerCreds.username, strangerCreds.password, { user: stranger }),
      await register(udp, good.username, good.password, { domain: 'nobody.sip.parley.local' }),
    ];
    expect(answers.map((a) => a.final.status)).toEqual([401, 401, 401, 401]);
    const shape = (r: SipResponse): string => r.headers.getLines('WWW-Authenticate').map((h) => h.replace(/nonce="[^"]+"|opaque="[^"]+"|realm="[^"]+"/g, '')).join('|');
    expect(new Set(answers.map((a) => shape(a.final))).size).toBe(1);
  });

  it('removes a binding when its WebSocket connection closes', async () => {
    const other = randomUUID();
    directory.onUserCreated({ tenantId, userId: other });
    directory.onSeat({ tenantId, userId: other }, true);
    const creds = deriveSipCredentials({ secret: SECRET, userId: other, tenantSlug: 'acme', sipDomainSuffix: 'sip.parley.local', ttlSeconds: 3600 });
    const { final } = await register(ws, creds.username, creds.password, { user: other });
    expect(final.status).toBe(200);
    expect(await bindings.list(tenantId, other)).toHaveLength(1);
    await client.close();
    for (let i = 0; i < 100 && (await bindings.list(tenantId, other)).length > 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(await bindings.list(tenantId, other)).toEqual([]);
    client = new SipStack({ transports: [new UdpTransport({ address: '127.0.0.1', port: 0 })] });
    await client.start();
  });

  it('refuses an address for a while after 10 failed authentications in a minute (403)', async () => {
    const good = deriveSipCredentials({ secret: SECRET, userId: agentId, tenantSlug: 'acme', sipDomainSuffix: 'sip.parley.local', ttlSeconds: 3600 });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await register(udp, good.username, `wrong-${i}`)).final.status);
    expect(statuses.slice(0, 7)).toEqual(Array(7).fill(401));
    expect(statuses.slice(-2)).toEqual([403, 403]);
    expect((await register(udp, good.username, good.password)).final.status).toBe(403);
  });
});
