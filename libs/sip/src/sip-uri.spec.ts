import fc from 'fast-check';
import { formatUri, parseUri, unescapeUriComponent, uriEquals, type SipUri } from './sip-uri';
import { SipParseError } from './sip.errors';

describe('parseUri', () => {
  it('parses user, password, host, port, params and headers', () => {
    expect(parseUri('sips:alice:secret@Atlanta.com:5061;transport=TCP;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent')).toEqual({
      scheme: 'sips',
      user: 'alice',
      password: 'secret',
      host: 'Atlanta.com',
      port: 5061,
      params: { transport: 'TCP', lr: null, maddr: '239.255.255.1' },
      headers: { subject: 'project x', priority: 'urgent' },
    });
  });

  it('parses hosts: IPv4, IPv6 in brackets, domain; no user', () => {
    expect(parseUri('sip:192.0.2.4')).toMatchObject({ host: '192.0.2.4' });
    expect(parseUri('sip:[2001:db8::10]:5070;transport=udp')).toMatchObject({ host: '[2001:db8::10]', port: 5070, params: { transport: 'udp' } });
    expect(parseUri('SIP:bob@example.com').scheme).toBe('sip');
    expect(parseUri('sip:example.com;ob')).toMatchObject({ host: 'example.com', params: { ob: null } });
  });

  it('unescapes the user part and parameters', () => {
    const uri = parseUri('sip:sip%3Auser%40example.com@example.net;p=%C3%A9');
    expect(uri.user).toBe('sip:user@example.com');
    expect(uri.params.p).toBe('é');
    expect(parseUri('sip:+1-212-555-1212%3Bisub=1411@gateway.com;user=phone').user).toBe('+1-212-555-1212;isub=1411');
  });

  it('parses tel: URIs', () => {
    expect(parseUri('tel:+1-201-555-0123;phone-context=example.com')).toMatchObject({ scheme: 'tel', user: '+1-201-555-0123', host: '', params: { 'phone-context': 'example.com' } });
  });

  it.each([
    ['http://example.com', 'unsupported URI scheme'],
    ['sip:', 'bad host'],
    ['sip:alice@', 'bad host'],
    ['sip:host:99999', 'bad port'],
    ['sip:host:5x', 'bad port'],
    ['sip:[2001:db8::1', 'unterminated IPv6'],
    ['sip:[not-ipv6]', 'bad IPv6'],
    ['sip:a b@host', 'illegal character'],
    ['sip:a%zz@host', 'bad percent-escape'],
    ['nocolon', 'not a URI'],
    ['tel:', 'bad telephone number'],
  ])('rejects %s with SipParseError (%s)', (text, reason) => {
    expect(() => parseUri(text)).toThrow(SipParseError);
    expect(() => parseUri(text)).toThrow(reason);
  });
});

describe('formatUri', () => {
  it('escapes what must be escaped, both ways', () => {
    const uri: SipUri = { scheme: 'sip', user: 'j doe@home', password: 'p:w', host: 'example.com', port: 5060, params: { transport: 'tcp', lr: null, x: 'a;b' }, headers: { subject: 'hi there' } };
    const text = formatUri(uri);
    expect(text).toBe('sip:j%20doe%40home:p%3Aw@example.com:5060;transport=tcp;lr;x=a%3Bb?subject=hi%20there');
    expect(parseUri(text)).toEqual(uri);
  });

  it('keeps user-unreserved characters (telephone-subscriber with ;isub)', () => {
    expect(formatUri({ scheme: 'sip', user: '+1;isub=2', host: 'gw', params: { user: 'phone' } })).toBe('sip:+1;isub=2@gw;user=phone');
  });

  it('round-trips generated URIs', () => {
    const text = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/).filter((n) => n !== '__proto__');
    fc.assert(
      fc.property(
        fc.record({
          scheme: fc.constantFrom('sip' as const, 'sips' as const),
          user: fc.option(text, { nil: undefined }),
          host: fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`)),
          port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
          params: fc.dictionary(name, fc.option(text, { nil: null }), { maxKeys: 3 }),
          headers: fc.dictionary(name, text, { maxKeys: 2 }),
        }),
        (generated) => {
          const uri: SipUri = { scheme: generated.scheme, host: generated.host, params: generated.params, headers: generated.headers };
          if (generated.user !== undefined) uri.user = generated.user;
          if (generated.port !== undefined) uri.port = generated.port;
          expect(parseUri(formatUri(uri))).toEqual(uri);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('uriEquals (RFC 3261 §19.1.4)', () => {
  it.each([
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;newparam=5'],
    ['sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'],
    ['sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'],
    ['tel:+1-201-555-0123', 'tel:+12015550123'],
  ])('%s ≡ %s', (a, b) => {
    expect(uriEquals(a, b)).toBe(true);
    expect(uriEquals(b, a)).toBe(true);
  });

  it.each([
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'],
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'],
    ['sip:alice@atlanta.com', 'sips:alice@atlanta.com'],
    ['sip:alice@atlanta.com', 'not a uri'],
  ])('%s ≢ %s', (a, b) => {
    expect(uriEquals(a, b)).toBe(false);
    expect(uriEquals(b, a)).toBe(false);
  });
});

describe('unescapeUriComponent', () => {
  it('decodes UTF-8 percent-escapes and refuses a broken escape', () => {
    expect(unescapeUriComponent('caf%C3%A9%20ok')).toBe('café ok');
    expect(() => unescapeUriComponent('50%')).toThrow(SipParseError);
  });
});
