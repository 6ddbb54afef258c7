import fc from 'fast-check';
import { buildBadRequest, canBuildBadRequest, parseSipMessage, SipStreamFramer, type SipFrame } from './sip-parser';
import { SipRequest, SipResponse, type SipMessage } from './sip-message';
import { serializeSipMessage } from './sip-serializer';
import { SipParseError } from './sip.errors';

const crlf = (lines: string[]): string => lines.join('\r\n');

const SDP = crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', '']);

function invite(extra: string[] = [], body = SDP): string {
  return crlf([
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport',
    'Max-Forwards: 70',
    'From: "Alice" <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>',
    'Call-ID: call-1@192.0.2.1',
    'CSeq: 1 INVITE',
    'Contact: <sip:alice@192.0.2.1:5060>',
    ...extra,
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ]);
}

function parseRequest(text: string | Buffer): SipRequest {
  const message = parseSipMessage(text);
  if (message.kind !== 'request') throw new Error('expected a request');
  return message;
}

function parseError(input: string | Buffer): SipParseError {
  try {
    parseSipMessage(input);
  } catch (error) {
    if (error instanceof SipParseError) return error;
    throw new Error(`not a SipParseError: ${String(error)}`);
  }
  throw new Error('parsed without error');
}

describe('parseSipMessage', () => {
  it('parses a request: start line, headers in order, body by Content-Length', () => {
    const m = parseRequest(invite());
    expect(m.method).toBe('INVITE');
    expect(m.uri).toBe('sip:bob@example.com');
    expect(m.headers.entries().map(([n]) => n)).toEqual(['Via', 'Max-Forwards', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Content-Type', 'Content-Length']);
    expect(m.callId).toBe('call-1@192.0.2.1');
    expect(m.cseq).toEqual({ seq: 1, method: 'INVITE' });
    expect(m.from.displayName).toBe('Alice');
    expect(m.fromTag).toBe('a1');
    expect(m.toTag).toBeUndefined();
    expect(m.bodyText).toBe(SDP);
    expect(m.contentType).toBe('application/sdp');
  });

  it('parses a response with a multi-word and an empty reason phrase', () => {
    const r = parseSipMessage(crlf(['SIP/2.0 486 Busy Here', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Content-Length: 0', '', ''])) as SipResponse;
    expect(r.kind).toBe('response');
    expect(r.status).toBe(486);
    expect(r.reason).toBe('Busy Here');
    const empty = parseSipMessage('SIP/2.0 200 \r\nContent-Length: 0\r\n\r\n') as SipResponse;
    expect(empty.status).toBe(200);
    expect(empty.reason).toBe('');
  });

  it('looks headers up case-insensitively and expands compact forms', () => {
    const m = parseRequest(
      crlf(['OPTIONS sip:x@h SIP/2.0', 'v: SIP/2.0/TCP h:5070;branch=z9hG4bKc', 'f: <sip:a@h>;tag=1', 't: <sip:x@h>', 'i: cid', 'CSEQ: 7 OPTIONS', 'm: <sip:a@h>', 'k: timer', 'x: 90', 'o: presence', 'u: talk', 'r: <sip:c@h>', 'b: <sip:d@h>', 'e: gzip', 's: hi', 'c: text/plain', 'l: 2', '', 'ok']),
    );
    expect(m.headers.get('Via')).toBe('SIP/2.0/TCP h:5070;branch=z9hG4bKc');
    expect(m.headers.entries()[0]![0]).toBe('Via');
    expect(m.headers.get('call-id')).toBe('cid');
    expect(m.headers.get('I')).toBe('cid');
    expect(m.cseq.seq).toBe(7);
    expect(m.headers.get('Supported')).toBe('timer');
    expect(m.headers.get('Session-Expires')).toBe('90');
    expect(m.headers.get('Event')).toBe('presence');
    expect(m.headers.get('Allow-Events')).toBe('talk');
    expect(m.headers.get('Refer-To')).toBe('<sip:c@h>');
    expect(m.headers.get('Referred-By')).toBe('<sip:d@h>');
    expect(m.headers.get('Content-Encoding')).toBe('gzip');
    expect(m.headers.get('Subject')).toBe('hi');
    expect(m.contentType).toBe('text/plain');
    expect(m.bodyText).toBe('ok');
    expect(m.topVia.transport).toBe('TCP');
    expect(m.topVia.port).toBe(5070);
  });

  it('unfolds continuation lines into one value joined by a space', () => {
    const m = parseRequest(crlf(['OPTIONS sip:x@h SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Subject: I know you are there,', '   pick up the phone', '\tand talk to me!', 'Call-ID: c', 'Content-Length: 0', '', '']));
    expect(m.headers.get('subject')).toBe('I know you are there, pick up the phone and talk to me!');
    expect(m.callId).toBe('c');
  });

  it('splits list headers on commas outside quotes and angle brackets', () => {
    const m = parseRequest(
      crlf([
        'REGISTER sip:h SIP/2.0',
        'Via: SIP/2.0/UDP a:5060;branch=z9hG4bK1, SIP/2.0/TCP [2001:db8::1]:5080;branch=z9hG4bK2;received=2001:db8::1',
        'Via: SIP/2.0/UDP c;branch=z9hG4bK3',
        'Contact: "Doe, John" <sip:john@h;p=a,b>;expires=60, <sip:j2@h>;q=0.5',
        'Allow: INVITE,ACK , BYE',
        'Subject: hello, world',
        'Content-Length: 0',
        '',
        '',
      ]),
    );
    expect(m.vias.map((v) => v.branch)).toEqual(['z9hG4bK1', 'z9hG4bK2', 'z9hG4bK3']);
    expect(m.vias[1]).toMatchObject({ transport: 'TCP', host: '[2001:db8::1]', port: 5080, received: '2001:db8::1' });
    expect(m.contacts).toHaveLength(2);
    expect(m.contacts[0]).toMatchObject({ displayName: 'Doe, John', uri: 'sip:john@h;p=a,b', params: { expires: '60' } });
    expect(m.contacts[1]).toMatchObject({ uri: 'sip:j2@h', params: { q: '0.5' } });
    expect(m.headers.getAll('allow')).toEqual(['INVITE', 'ACK', 'BYE']);
    // Subject is not a list header: its comma is content.
    expect(m.headers.getAll('subject')).toEqual(['hello, world']);
  });

  it('keeps quoted strings with escapes in display names', () => {
    const m = parseRequest(invite().replace('From: "Alice" <sip:alice@example.com>;tag=a1', 'From: "Al \\"The Pal\\" \\\\ Ice" <sip:alice@example.com>;tag=a1'));
    expect(m.from.displayName).toBe('Al "The Pal" \\ Ice');
    expect(m.fromTag).toBe('a1');
  });

  it('reads Via transport, host, port, branch, received and rport', () => {
    const m = parseRequest(invite().replace('Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport', 'Via: SIP / 2.0 / udp 192.0.2.1 : 5062 ;received=203.0.113.9;rport=40000; branch=z9hG4bKx'));
    expect(m.topVia).toMatchObject({ protocol: 'SIP/2.0', transport: 'UDP', host: '192.0.2.1', port: 5062, received: '203.0.113.9', rport: 40000, branch: 'z9hG4bKx' });
    const plain = parseRequest(invite());
    expect(plain.topVia.rport).toBeNull();
  });

  it('counts Content-Length in bytes for a UTF-8 body', () => {
    const body = 'héllo wörld — ☎ 📞';
    const text = crlf(['MESSAGE sip:b@h SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Content-Type: text/plain;charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`, '', body]);
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
    const m = parseSipMessage(Buffer.from(text));
    expect(m.bodyText).toBe(body);
    const out = serializeSipMessage(m);
    expect(out.equals(Buffer.from(text))).toBe(true);
    expect(out.toString()).toContain(`Content-Length: ${Buffer.byteLength(body)}\r\n`);
  });

  it('takes the rest of the datagram as the body when Content-Length is missing (UDP)', () => {
    const m = parseSipMessage(crlf(['MESSAGE sip:b@h SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', '', 'rest of the packet']));
    expect(m.bodyText).toBe('rest of the packet');
  });

  it('ignores bytes after Content-Length in a datagram and leading CRLFs', () => {
    const m = parseSipMessage(`\r\n\r\n${crlf(['MESSAGE sip:b@h SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Content-Length: 3', '', 'abcdef'])}`);
    expect(m.bodyText).toBe('abc');
  });

  it('accepts bare-LF line endings', () => {
    const m = parseRequest('OPTIONS sip:x@h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: lf\nContent-Length: 2\n\nhi');
    expect(m.callId).toBe('lf');
    expect(m.bodyText).toBe('hi');
  });

  it('serialises a parsed message back byte for byte', () => {
    const text = invite(['Record-Route: <sip:p1.example.com;lr>', 'X-Custom: "quoted, value" <x>']);
    expect(serializeSipMessage(parseSipMessage(text)).toString()).toBe(text);
  });

  it('writes the real byte length even when the header says otherwise', () => {
    const m = parseRequest(invite());
    m.body = Buffer.from('é');
    expect(serializeSipMessage(m).toString()).toMatch(/Content-Length: 2\r\n\r\né$/);
    const r = new SipResponse(200, 'OK', { Via: 'SIP/2.0/UDP h;branch=z9hG4bK1' });
    expect(serializeSipMessage(r).toString()).toBe('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n');
  });

  type Case = [name: string, input: string | Buffer, expect: { code: SipParseError['code'] } | ((m: SipMessage) => void)];
  const longValue = 'a'.repeat(70_000);
  const cases: Case[] = [
    ['empty input', '', { code: 'empty' }],
    ['only CRLFs', '\r\n\r\n\r\n', { code: 'empty' }],
    ['garbage bytes', Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]), { code: 'bad-start-line' }],
    ['random binary with CRLFCRLF', Buffer.concat([Buffer.from('\x16\x03\x01\x02\x00\x01\x00'), Buffer.from('\r\n\r\n')]), { code: 'bad-start-line' }],
    ['HTTP request', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { code: 'bad-start-line' }],
    ['SIP/3.0 request', 'INVITE sip:a@b SIP/3.0\r\nVia: SIP/2.0/UDP h\r\n\r\n', { code: 'unsupported-version' }],
    ['status code out of range', 'SIP/2.0 999 Nope\r\n\r\n', { code: 'bad-start-line' }],
    ['request line without URI', 'INVITE SIP/2.0\r\n\r\n', { code: 'bad-start-line' }],
    ['truncated headers (no blank line)', 'INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: x', { code: 'truncated' }],
    ['truncated body', crlf(['MESSAGE sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Content-Length: 50', '', 'short']), { code: 'truncated' }],
    ['negative Content-Length', crlf(['MESSAGE sip:a@b SIP/2.0', 'Content-Length: -1', '', '']), { code: 'bad-content-length' }],
    ['non-numeric Content-Length', crlf(['MESSAGE sip:a@b SIP/2.0', 'l: ten', '', '']), { code: 'bad-content-length' }],
    ['conflicting Content-Lengths', crlf(['MESSAGE sip:a@b SIP/2.0', 'Content-Length: 1', 'Content-Length: 2', '', 'ab']), { code: 'bad-content-length' }],
    ['header without colon', crlf(['OPTIONS sip:a@b SIP/2.0', 'Via SIP/2.0/UDP h', '', '']), { code: 'bad-header' }],
    ['header name with a space inside', crlf(['OPTIONS sip:a@b SIP/2.0', 'Call ID: x', '', '']), { code: 'bad-header' }],
    ['continuation before any header', crlf(['OPTIONS sip:a@b SIP/2.0', ' folded', '', '']), { code: 'bad-header' }],
    ['huge header section', crlf(['OPTIONS sip:a@b SIP/2.0', `X-Big: ${longValue}`, '', '']), { code: 'too-large' }],
    ['too many headers', crlf(['OPTIONS sip:a@b SIP/2.0', ...Array.from({ length: 300 }, (_, i) => `X-H${i}: v`), '', '']), { code: 'too-large' }],
    ['IPv6 Request-URI and Via', crlf(['OPTIONS sip:[2001:db8::5]:5070;transport=tcp SIP/2.0', 'Via: SIP/2.0/TCP [2001:db8::9];branch=z9hG4bK9', 'Content-Length: 0', '', '']), (m) => {
      expect((m as SipRequest).uri).toBe('sip:[2001:db8::5]:5070;transport=tcp');
      expect(m.topVia.host).toBe('[2001:db8::9]');
    }],
    ['escaped Request-URI kept as written', crlf(['OPTIONS sip:alice%20smith@h;p=%41 SIP/2.0', 'Content-Length: 0', '', '']), (m) => expect((m as SipRequest).uri).toBe('sip:alice%20smith@h;p=%41')],
    ['tel: Request-URI', crlf(['INVITE tel:+1-201-555-0123 SIP/2.0', 'Content-Length: 0', '', '']), (m) => expect((m as SipRequest).uri).toBe('tel:+1-201-555-0123')],
    ['header name with odd case and spaces before colon', crlf(['OPTIONS sip:a@b SIP/2.0', 'cALL-iD   :   spaced  ', '', '']), (m) => expect(m.callId).toBe('spaced')],
    ['empty header value', crlf(['OPTIONS sip:a@b SIP/2.0', 'Subject:', 'Content-Length: 0', '', '']), (m) => expect(m.headers.get('subject')).toBe('')],
    ['UTF-8 in a display name', crlf(['OPTIONS sip:a@b SIP/2.0', 'From: "Zoë ☎" <sip:z@h>;tag=9', '', '']), (m) => expect(m.from.displayName).toBe('Zoë ☎')],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    if (typeof expected === 'function') {
      expected(parseSipMessage(input));
    } else {
      expect(parseError(input).code).toBe(expected.code);
    }
  });

  it('turns malformed header values into SipParseError only when they are read', () => {
    const m = parseRequest(crlf(['INVITE sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP', 'CSeq: one INVITE', 'From: <sip:a@b', 'Call-ID: has space', 'Content-Length: 0', '', '']));
    for (const read of [() => m.topVia, () => m.cseq, () => m.from, () => m.callId, () => m.to]) {
      expect(read).toThrow(SipParseError);
    }
    expect(() => m.to).toThrow(/missing header \(To\)/);
  });

  it('never throws anything but SipParseError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('', 'INVITE sip:a@b SIP/2.0\r\n', 'SIP/2.0 200 OK\r\nVia: '), (bytes, prefix) => {
        const input = Buffer.concat([Buffer.from(prefix), Buffer.from(bytes)]);
        try {
          const m = parseSipMessage(input);
          for (const read of [() => m.topVia, () => m.cseq, () => m.from, () => m.to, () => m.callId, () => m.contacts, () => m.vias]) {
            try {
              read();
            } catch (error) {
              if (!(error instanceof SipParseError)) throw error;
            }
          }
        } catch (error) {
          if (!(error instanceof SipParseError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('round trip (property)', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,15}$/);
  const value = fc.stringMatching(/^[!-~]([ -~]{0,40}[!-~])?$/);
  const headerName = token.filter((n) => !['content-length', 'l'].includes(n.toLowerCase()));

  it('parse(serialize(m)) keeps start line, headers in order and body bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ kind: fc.constant('request' as const), method: fc.stringMatching(/^[A-Z]{3,10}$/), user: token }),
          fc.record({ kind: fc.constant('response' as const), status: fc.integer({ min: 100, max: 699 }), reason: fc.stringMatching(/^[A-Za-z][A-Za-z ]{0,20}$/) }),
        ),
        fc.array(fc.tuple(headerName, value), { maxLength: 20 }),
        fc.uint8Array({ maxLength: 300 }),
        (start, headers, body) => {
          const message: SipMessage =
            start.kind === 'request' ? new SipRequest(start.method, `sip:${start.user}@example.com`, headers, Buffer.from(body)) : new SipResponse(start.status, start.reason, headers, Buffer.from(body));
          const bytes = serializeSipMessage(message);
          const parsed = parseSipMessage(bytes);
          expect(parsed.kind).toBe(message.kind);
          expect(parsed.headers.entries().filter(([n]) => n !== 'Content-Length')).toEqual(message.headers.entries());
          expect(parsed.body.equals(message.body)).toBe(true);
          expect(serializeSipMessage(parsed).equals(bytes)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('SipStreamFramer', () => {
  const a = invite();
  const b = crlf(['BYE sip:bob@example.com SIP/2.0', 'Via: SIP/2.0/TCP h;branch=z9hG4bK2', 'Call-ID: c2', 'CSeq: 2 BYE', 'Content-Length: 0', '', '']);

  function messages(frames: SipFrame[]): SipMessage[] {
    return frames.flatMap((f) => (f.kind === 'message' ? [f.message] : []));
  }

  it('splits several messages in one chunk and keeps keep-alives apart', () => {
    const framer = new SipStreamFramer();
    const frames = framer.push(Buffer.from(`\r\n\r\n${a}${b}\r\n`));
    expect(frames.map((f) => f.kind)).toEqual(['keepalive', 'message', 'message', 'keepalive']);
    expect(frames[0]).toEqual({ kind: 'keepalive', type: 'ping' });
    expect(frames[3]).toEqual({ kind: 'keepalive', type: 'pong' });
    expect(messages(frames).map((m) => m.callId)).toEqual(['call-1@192.0.2.1', 'c2']);
    expect(messages(frames)[0]!.bodyText).toBe(SDP);
  });

  it('reassembles messages split at every byte boundary', () => {
    const all = Buffer.from(a + b);
    for (const size of [1, 2, 7, 64, 333]) {
      const framer = new SipStreamFramer();
      const got: SipMessage[] = [];
      for (let i = 0; i < all.length; i += size) got.push(...messages(framer.push(all.subarray(i, i + size))));
      expect(got.map((m) => m.callId)).toEqual(['call-1@192.0.2.1', 'c2']);
      expect(got[0]!.bodyText).toBe(SDP);
      expect(framer.buffered).toBe(0);
    }
  });

  it('frames a UTF-8 body by bytes', () => {
    const body = 'ünïcödé ☎';
    const text = crlf(['MESSAGE sip:b@h SIP/2.0', 'Via: SIP/2.0/TCP h;branch=z9hG4bK1', `Content-Length: ${Buffer.byteLength(body)}`, '', body]) + b;
    const got = messages(new SipStreamFramer().push(Buffer.from(text)));
    expect(got.map((m) => m.bodyText)).toEqual([body, '']);
  });

  it('reports a missing Content-Length as fatal, with the partial request for a 400', () => {
    const framer = new SipStreamFramer();
    const frames = framer.push(Buffer.from(crlf(['OPTIONS sip:a@b SIP/2.0', 'Via: SIP/2.0/TCP h;branch=z9hG4bK1', 'From: <sip:a@b>;tag=1', 'To: <sip:b@b>', 'Call-ID: x', 'CSeq: 1 OPTIONS', '', ''])));
    expect(frames).toHaveLength(1);
    const frame = frames[0]!;
    expect(frame.kind === 'error' && frame.fatal).toBe(true);
    if (frame.kind !== 'error') throw new Error('expected an error');
    expect(canBuildBadRequest(frame.error)).toBe(true);
    expect(framer.push(Buffer.from(b))).toEqual([]);
  });

  it('survives a bad header line when the framing is known', () => {
    const bad = crlf(['OPTIONS sip:a@b SIP/2.0', 'Via: SIP/2.0/TCP h;branch=z9hG4bK1', 'Broken header', 'Content-Length: 2', '', 'xy']);
    const frames = new SipStreamFramer().push(Buffer.from(bad + b));
    expect(frames.map((f) => (f.kind === 'error' ? `error:${f.fatal}` : f.kind))).toEqual(['error:false', 'message']);
  });

  it('gives up on a header section that never ends', () => {
    const framer = new SipStreamFramer({ maxHeaderBytes: 1000 });
    expect(framer.push(Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\nX: ${'y'.repeat(600)}`))).toEqual([]);
    const frames = framer.push(Buffer.from('z'.repeat(600)));
    expect(frames[0]).toMatchObject({ kind: 'error', fatal: true, error: { code: 'too-large' } });
  });

  it('refuses a body larger than the limit', () => {
    const frames = new SipStreamFramer({ maxBodyBytes: 10 }).push(Buffer.from(crlf(['MESSAGE sip:a@b SIP/2.0', 'Content-Length: 11', '', ''])));
    expect(frames[0]).toMatchObject({ kind: 'error', fatal: true, error: { code: 'too-large' } });
  });
});

describe('400 Bad Request for malformed input', () => {
  it('can be built when Via, CSeq, Call-ID, From and To are present, copying them', () => {
    const error = parseError(crlf(['INVITE sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1', 'From: <sip:a@b>;tag=1', 'To: <sip:b@b>', 'Call-ID: x', 'CSeq: 1 INVITE', 'Content-Length: abc', '', '']));
    expect(canBuildBadRequest(error)).toBe(true);
    const response = buildBadRequest(error)!;
    expect(response.status).toBe(400);
    expect(response.headers.get('via')).toBe('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1');
    expect(response.toTag).toBeDefined();
    expect(response.headers.get('warning')).toMatch(/^399 - "bad Content-Length/);
  });

  it('cannot be built without the headers to copy, for responses, or for ACK', () => {
    expect(canBuildBadRequest(parseError(crlf(['INVITE sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Content-Length: x', '', ''])))).toBe(false);
    expect(canBuildBadRequest(parseError('garbage\r\n\r\n'))).toBe(false);
    expect(canBuildBadRequest(parseError(crlf(['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP h', 'From: <sip:a@b>;tag=1', 'To: <sip:b@b>', 'Call-ID: x', 'CSeq: 1 INVITE', 'Content-Length: x', '', ''])))).toBe(false);
    expect(canBuildBadRequest(parseError(crlf(['ACK sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h', 'From: <sip:a@b>;tag=1', 'To: <sip:b@b>', 'Call-ID: x', 'CSeq: 1 ACK', 'Content-Length: x', '', ''])))).toBe(false);
    expect(canBuildBadRequest(parseError(crlf(['INVITE sip:a@b SIP/2.0', 'Via: garbage', 'From: <sip:a@b>;tag=1', 'To: <sip:b@b>', 'Call-ID: x', 'CSeq: 1 INVITE', 'Content-Length: x', '', ''])))).toBe(false);
  });
});
