// Two SipStacks on 127.0.0.1 talking over real UDP, TCP and WebSocket sockets.
import { createSocket, type Socket } from 'node:dgram';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import {
  authorizeRetry,
  createDigestClientState,
  createRequest,
  Dialog,
  DigestAuthenticator,
  FlowTokens,
  parseSipMessage,
  SipStack,
  UdpTransport,
  WsTransport,
  type InboundRequest,
  type SipFlow,
  type SipRequest,
  type SipResponse,
  type SipTransportKind,
} from '../src';
import { delay, destinationOf, startStack, waitFor } from './sip-test-kit';

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

const stacks: SipStack[] = [];
async function stack(kinds: ReadonlyArray<'udp' | 'tcp' | 'ws'>): Promise<SipStack> {
  const s = await startStack(kinds);
  stacks.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.close()));
});

function contactOf(s: SipStack, kind: SipTransportKind, user: string): string {
  const d = destinationOf(s, kind);
  return `sip:${user}@${d.address}:${d.port};transport=${kind}`;
}

/** A UAS on `s`: answers INVITE with 180 then 200 + SDP, records the ACK, answers BYE. */
function answeringUas(s: SipStack, kind: SipTransportKind) {
  const seen = { invites: 0, acks: 0, byes: 0, dialog: undefined as Dialog | undefined, inviteVia: '', inviteFlow: undefined as SipFlow | undefined };
  s.onRequest((inbound: InboundRequest) => {
    const { request } = inbound;
    if (request.method === 'INVITE') {
      seen.invites++;
      seen.inviteVia = request.headers.get('via')!;
      seen.inviteFlow = inbound.flow;
      inbound.respond(180);
      const ok = inbound.respond(200, 'OK', { Contact: `<${contactOf(s, kind, 'bob')}>`, 'Content-Type': 'application/sdp' }, SDP);
      seen.dialog = Dialog.fromUasRequest(request, ok, { flow: inbound.flow });
      inbound.on('ack', () => seen.acks++);
    } else if (request.method === 'BYE') {
      seen.byes++;
      expect(seen.dialog?.matches(request)).toBe(true);
      seen.dialog?.receiveRequest(request);
      inbound.respond(200);
    } else {
      inbound.respond(200);
    }
  });
  return seen;
}

describe.each(['udp', 'tcp', 'ws'] as const)('a call between two SipStacks over %s', (kind) => {
  it('INVITE → 180 → 200 (SDP) → ACK → BYE → 200, with Via stamped and the dialog kept on both sides', async () => {
    const uas = await stack([kind]);
    const uac = await stack([kind]);
    const seen = answeringUas(uas, kind);
    const invite = createRequest({
      method: 'INVITE',
      uri: contactOf(uas, kind, 'bob'),
      from: { uri: 'sip:alice@parley.test', displayName: 'Alice Ünïcode' },
      to: 'sip:bob@parley.test',
      contact: contactOf(uac, kind, 'alice'),
      body: SDP,
      contentType: 'application/sdp',
    });
    const tx = uac.sendRequest(invite, destinationOf(uas, kind));
    const provisional: number[] = [];
    tx.on('provisional', (r) => provisional.push(r.status));
    const final = await tx.finalResponse;
    expect(final.status).toBe(200);
    expect(final.bodyText).toBe(SDP);
    expect(provisional).toContain(180);

    const uacDialog = Dialog.fromUacResponse(invite, final, tx.flow ? { flow: tx.flow } : {});
    await uac.sendAck(uacDialog.createAck(), kind === 'udp' ? undefined : tx.flow, tx);
    await waitFor(() => seen.acks === 1, 3000, 'the ACK');

    // RFC 3581: the UAS stamped received and rport on the top Via it saw.
    const uacPort = kind === 'udp' ? uac.transport('udp')!.sentBy.port : tx.flow!.local.port;
    expect(seen.inviteVia).toMatch(new RegExp(`;rport=${uacPort}(;|$)`));
    expect(seen.inviteVia).toMatch(/;received=127\.0\.0\.1(;|$)/);
    expect(seen.inviteFlow?.transport).toBe(kind);

    const bye = uacDialog.createRequest('BYE');
    const byeTx = uac.sendRequest(bye, kind === 'udp' ? undefined : uacDialog.flow);
    expect((await byeTx.finalResponse).status).toBe(200);
    expect(seen).toMatchObject({ invites: 1, acks: 1, byes: 1 });
    expect(seen.dialog?.state).toBe('terminated');
  });
});

describe('digest on a real call (the README flow)', () => {
  it('challenges the INVITE with 401, takes the retry with credentials, and the call goes on', async () => {
    const uas = await stack(['udp']);
    const uac = await stack(['udp']);
    const auth = new DigestAuthenticator({ realm: 'parley.test', secret: 'integration-secret-of-32-bytes!!', algorithms: ['SHA-256', 'MD5'] });
    const outcomes: string[] = [];
    uas.onRequest(async (inbound) => {
      const { request } = inbound;
      if (request.method === 'BYE') return inbound.respond(200);
      const verdict = await auth.verify(request, (user) => (user === 'agent' ? { password: 's3cret' } : undefined));
      outcomes.push(verdict.ok ? `ok:${verdict.algorithm}` : verdict.reason);
      if (!verdict.ok) return inbound.respond(401, undefined, auth.challengeHeaders(401, { stale: verdict.stale }));
      return inbound.respond(200, 'OK', { Contact: `<${contactOf(uas, 'udp', 'bob')}>` });
    });
    let invite = createRequest({ method: 'INVITE', uri: contactOf(uas, 'udp', 'bob'), from: 'sip:agent@parley.test', to: 'sip:bob@parley.test', contact: contactOf(uac, 'udp', 'agent') });
    let tx = uac.sendRequest(invite);
    let final = await tx.finalResponse;
    expect(final.status).toBe(401);
    const retry = authorizeRetry(invite, final, { username: 'agent', password: 's3cret' }, createDigestClientState());
    expect(retry).toBeDefined();
    invite = retry!;
    tx = uac.sendRequest(invite);
    final = await tx.finalResponse;
    expect(final.status).toBe(200);
    const dialog = Dialog.fromUacResponse(invite, final);
    await uac.sendAck(dialog.createAck(), undefined, tx);
    expect((await uac.sendRequest(dialog.createRequest('BYE')).finalResponse).status).toBe(200);
    expect(outcomes).toEqual(['missing', 'ok:SHA-256']);
  });
});

describe('UDP over IPv6', () => {
  it('routes to sip:[::1]:port from the Request-URI alone and stamps the Via', async () => {
    const a = new SipStack({ transports: [new UdpTransport({ address: '::1', port: 0 })] });
    const b = new SipStack({ transports: [new UdpTransport({ address: '::1', port: 0 })] });
    stacks.push(a, b);
    await Promise.all([a.start(), b.start()]);
    let via = '';
    b.onRequest((inbound) => {
      via = inbound.request.headers.get('via')!;
      inbound.respond(200);
    });
    const port = b.transport('udp')!.sentBy.port;
    const tx = a.sendRequest(createRequest({ method: 'OPTIONS', uri: `sip:bob@[::1]:${port}`, from: 'sip:alice@[::1]', to: `sip:bob@[::1]:${port}` }));
    expect((await tx.finalResponse).status).toBe(200);
    expect(via).toMatch(/^SIP\/2\.0\/UDP \[::1\]:\d+;branch=z9hG4bK\w+;rport=\d+;received=::1$/);
  });
});

describe('WebSocket flows (RFC 7118)', () => {
  it('sends requests to a WebSocket client down its own connection, whatever its Contact says', async () => {
    const server = await stack(['ws']);
    const client = await stack(['ws']);
    const seen = { dialog: undefined as Dialog | undefined, flow: undefined as SipFlow | undefined };
    server.onRequest((inbound) => {
      const ok = inbound.respond(200, 'OK', { Contact: `<${contactOf(server, 'ws', 'edge')}>` });
      seen.dialog = Dialog.fromUasRequest(inbound.request, ok, { flow: inbound.flow });
      seen.flow = inbound.flow;
    });
    const byes: SipRequest[] = [];
    client.onRequest((inbound) => {
      byes.push(inbound.request);
      inbound.respond(200);
    });
    const invite = createRequest({ method: 'INVITE', uri: contactOf(server, 'ws', 'edge'), from: 'sip:agent@parley.test', to: 'sip:edge@parley.test', contact: 'sip:x7k2@df7jal23ls0d.invalid;transport=ws' });
    const tx = client.sendRequest(invite, destinationOf(server, 'ws'));
    const final = await tx.finalResponse;
    await client.sendAck(Dialog.fromUacResponse(invite, final).createAck(), tx.flow, tx);
    // A registrar would keep a signed flow token and find the connection again from it.
    const tokens = new FlowTokens('registrar-flow-token-secret-0123');
    const token = tokens.encode(seen.flow!.id);
    const flow = server.findFlow(tokens.decode(token)!);
    expect(flow).toEqual(seen.flow);
    const bye = seen.dialog!.createRequest('BYE');
    expect(bye.uri).toBe('sip:x7k2@df7jal23ls0d.invalid;transport=ws');
    const byeTx = server.sendRequest(bye, flow);
    expect((await byeTx.finalResponse).status).toBe(200);
    expect(byes.map((b) => b.method)).toEqual(['BYE']);
  });

  it('attaches to an existing http.Server at /sip and refuses a handshake without the sip subprotocol', async () => {
    const http = createServer((_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;
    const s = new SipStack({ transports: [new WsTransport({ server: http, path: '/sip' })] });
    stacks.push(s);
    await s.start();
    s.onRequest((inbound) => inbound.respond(200, 'OK', { Allow: 'INVITE, ACK, BYE, OPTIONS' }));
    try {
      const refused = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/sip`, 'chat');
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => undefined);
      });
      expect(refused).toBe(400);

      const ws = new WebSocket(`ws://127.0.0.1:${port}/sip`, 'sip');
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      expect(ws.protocol).toBe('sip');
      const reply = new Promise<SipResponse>((resolve) => ws.once('message', (data) => resolve(parseSipMessage(data as Buffer) as SipResponse)));
      ws.send(
        'OPTIONS sip:edge@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKws1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:edge@127.0.0.1>\r\nCall-ID: ws-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n',
      );
      const response = await reply;
      expect(response.status).toBe(200);
      expect(response.headers.get('via')).toMatch(/received=127\.0\.0\.1/);

      // Malformed on a WebSocket: 400 on the same connection, which stays open.
      const badReply = new Promise<SipResponse>((resolve) => ws.once('message', (data) => resolve(parseSipMessage(data as Buffer) as SipResponse)));
      ws.send('OPTIONS sip:edge@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bKws2\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:edge@127.0.0.1>\r\nCall-ID: ws-2\r\nCSeq: 2 INVITE\r\n\r\n');
      expect((await badReply).status).toBe(400);
      ws.send(Buffer.from([0x00, 0xff, 0x13]));
      await delay(50);
      expect(ws.readyState).toBe(WebSocket.OPEN);

      const closed: SipFlow[] = [];
      s.on('flowClosed', (flow) => closed.push(flow));
      ws.close();
      await waitFor(() => closed.length === 1, 3000, 'flowClosed');
      expect(closed[0]!.transport).toBe('ws');
      // Plain HTTP on the same server still works.
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('hello');
    } finally {
      await s.close();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});

describe('malformed input and retransmissions on real sockets', () => {
  let raw: Socket;
  const received: Buffer[] = [];
  beforeEach(async () => {
    received.length = 0;
    raw = createSocket('udp4');
    raw.on('message', (m) => received.push(m));
    await new Promise<void>((resolve) => raw.bind(0, '127.0.0.1', resolve));
  });
  afterEach(() => new Promise<void>((resolve) => raw.close(() => resolve())));

  const rawPort = (): number => raw.address().port;
  const sendRaw = (s: SipStack, text: string | Buffer): void => {
    raw.send(typeof text === 'string' ? Buffer.from(text) : text, s.transport('udp')!.sentBy.port, '127.0.0.1');
  };
  const responses = (): SipResponse[] => received.map((b) => parseSipMessage(b) as SipResponse);

  function rawInvite(branch: string, callId: string): string {
    return [
      'INVITE sip:bob@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:${rawPort()};branch=${branch}`,
      'From: <sip:raw@127.0.0.1>;tag=raw1',
      'To: <sip:bob@127.0.0.1>',
      `Call-ID: ${callId}`,
      'CSeq: 1 INVITE',
      `Contact: <sip:raw@127.0.0.1:${rawPort()}>`,
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  }

  it('answers 400 to a malformed request it can answer, drops garbage, and keeps working', async () => {
    const s = await stack(['udp']);
    const handled: string[] = [];
    s.onRequest((inbound) => {
      handled.push(inbound.method);
      inbound.respond(200);
    });
    sendRaw(s, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x0d, 0x0a, 0x0d, 0x0a]));
    sendRaw(s, `OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${rawPort()};branch=z9hG4bKbad1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@b>\r\nCall-ID: bad-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 99\r\n\r\nshort`);
    sendRaw(s, `OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${rawPort()};branch=z9hG4bKbad2\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@b>\r\nCall-ID: bad-2\r\nCSeq: one OPTIONS\r\n\r\n`);
    sendRaw(s, `OPTIONS mailto:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${rawPort()};branch=z9hG4bKbad3\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@b>\r\nCall-ID: bad-3\r\nCSeq: 1 OPTIONS\r\n\r\n`);
    await waitFor(() => received.length >= 3, 3000, 'three responses');
    await delay(100);
    const byCallId = new Map(responses().map((r) => [r.callId, r.status]));
    expect(byCallId).toEqual(new Map([['bad-1', 400], ['bad-2', 400], ['bad-3', 416]]));
    sendRaw(s, rawInvite('z9hG4bKok1', 'good-1').replace('INVITE sip', 'OPTIONS sip').replace('1 INVITE', '1 OPTIONS'));
    await waitFor(() => handled.length === 1, 3000, 'the good OPTIONS');
    expect(handled).toEqual(['OPTIONS']);
  });

  it('absorbs a retransmitted INVITE and re-sends the 200 until the ACK comes (the first ACK "lost")', async () => {
    const s = await stack(['udp']);
    let invites = 0;
    let acks = 0;
    s.onRequest((inbound) => {
      invites++;
      inbound.respond(200, 'OK', { Contact: `<sip:bob@127.0.0.1:${s.transport('udp')!.sentBy.port}>` });
      inbound.on('ack', () => acks++);
    });
    const invite = rawInvite('z9hG4bKretx1', 'retx-1');
    sendRaw(s, invite);
    sendRaw(s, invite);
    // No ACK yet: the 200 is re-sent at T1 (500 ms) and 2*T1 (1500 ms).
    await waitFor(() => responses().filter((r) => r.status === 200).length >= 3, 3000, 'the 200 retransmissions');
    expect(invites).toBe(1);
    const ok = responses().find((r) => r.status === 200)!;
    sendRaw(
      s,
      [
        `ACK sip:bob@127.0.0.1:${s.transport('udp')!.sentBy.port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${rawPort()};branch=z9hG4bKack1`,
        'From: <sip:raw@127.0.0.1>;tag=raw1',
        `To: ${ok.headers.get('to')}`,
        'Call-ID: retx-1',
        'CSeq: 1 ACK',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    await waitFor(() => acks === 1, 3000, 'the ACK');
    const count = received.length;
    await delay(2500);
    expect(received.length).toBe(count);
  });

  it('answers CANCEL with 200 and the INVITE with 487, ACKed by the client transaction', async () => {
    const uas = await stack(['udp']);
    const uac = await stack(['udp']);
    let cancelled = 0;
    uas.onRequest((inbound) => {
      inbound.respond(180);
      inbound.on('cancelled', () => cancelled++);
    });
    const strayAcks: unknown[] = [];
    uas.on('strayAck', (a) => strayAcks.push(a));
    const invite = createRequest({ method: 'INVITE', uri: contactOf(uas, 'udp', 'bob'), from: 'sip:alice@parley.test', to: 'sip:bob@parley.test', contact: contactOf(uac, 'udp', 'alice') });
    const tx = uac.sendRequest(invite, destinationOf(uas, 'udp'));
    const cancelTx = await uac.cancel(tx);
    expect(cancelTx).toBeDefined();
    expect((await cancelTx!.finalResponse).status).toBe(200);
    expect((await tx.finalResponse).status).toBe(487);
    expect(cancelled).toBe(1);
    await delay(50);
    expect(strayAcks).toHaveLength(0);
  });

  it('reports a response that matches no transaction as stray', async () => {
    const s = await stack(['udp']);
    const strays: SipResponse[] = [];
    s.on('strayResponse', ({ message }) => strays.push(message as SipResponse));
    sendRaw(s, `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:${s.transport('udp')!.sentBy.port};branch=z9hG4bKnobody\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@b>;tag=2\r\nCall-ID: stray-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`);
    await waitFor(() => strays.length === 1, 3000, 'the stray response');
    expect(strays[0]!.callId).toBe('stray-1');
  });

  it('times out a request nobody answers with a local 408 (timer F)', async () => {
    const s = await startStack(['udp'], { timers: { t1: 10, t2: 40 } });
    stacks.push(s);
    const tx = s.sendRequest(createRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1', from: 'sip:a@b', to: 'sip:nobody@127.0.0.1' }), { transport: 'udp', address: '127.0.0.1', port: rawPort() });
    const final = await tx.finalResponse;
    expect(final.status).toBe(408);
    // Timer E: the request was retransmitted before the timeout.
    expect(received.length).toBeGreaterThan(3);
    expect(received.every((b) => b.toString().startsWith('OPTIONS '))).toBe(true);
  });
});

describe('TCP streams', () => {
  it('frames pipelined requests, answers keep-alive pings, 400s an unframeable request and closes', async () => {
    const s = await stack(['tcp']);
    s.onRequest((inbound) => inbound.respond(200));
    const closed: SipFlow[] = [];
    s.on('flowClosed', (f) => closed.push(f));
    const port = s.transport('tcp')!.sentBy.port;
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    await new Promise((resolve) => socket.once('connect', resolve));
    const options = (n: number): string =>
      `OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKtcp${n}\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@b>\r\nCall-ID: tcp-${n}\r\nCSeq: ${n} OPTIONS\r\nContent-Length: 0\r\n\r\n`;
    const both = options(1) + options(2);
    socket.write(both.slice(0, 100));
    await delay(20);
    socket.write(`${both.slice(100)}\r\n\r\n`);
    await waitFor(() => Buffer.concat(chunks).toString().split('SIP/2.0 200').length === 3, 3000, 'two 200s');
    await waitFor(() => Buffer.concat(chunks).toString().endsWith('\r\n\r\n\r\n') || Buffer.concat(chunks).toString().includes('\r\n\r\n\r\n'), 3000, 'the pong');
    socket.write(`OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKtcp9\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@b>\r\nCall-ID: tcp-9\r\nCSeq: 9 OPTIONS\r\n\r\n`);
    await new Promise((resolve) => socket.once('close', resolve));
    expect(Buffer.concat(chunks).toString()).toContain('SIP/2.0 400 Bad Request');
    await waitFor(() => closed.length === 1, 3000, 'flowClosed');
  });
});
