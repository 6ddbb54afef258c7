import { createRequest, createResponse } from './sip-builders';
import { SipHeaders, SipRequest } from './sip-message';
import { serializeSipMessage } from './sip-serializer';
import { SipStackError } from './sip.errors';

describe('SipHeaders', () => {
  it('keeps order, finds names in any case or compact form, and writes canonical names for known headers', () => {
    const h = new SipHeaders([
      ['v', 'SIP/2.0/UDP a;branch=z9hG4bK1'],
      ['call-id', 'x'],
      ['X-Custom', 'one'],
    ]);
    expect(h.entries()).toEqual([
      ['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'],
      ['Call-ID', 'x'],
      ['X-Custom', 'one'],
    ]);
    expect(h.get('VIA')).toBe('SIP/2.0/UDP a;branch=z9hG4bK1');
    expect(h.get('i')).toBe('x');
    expect(h.get('x-custom')).toBe('one');
    expect(h.has('Contact')).toBe(false);
  });

  it('prepends a new top Via, shifts it off again, replaces the first value of a list line', () => {
    const h = new SipHeaders({ Via: 'SIP/2.0/UDP b;branch=z9hG4bK2, SIP/2.0/UDP c;branch=z9hG4bK3', To: '<sip:b@b>' });
    h.prepend('Via', 'SIP/2.0/TCP a;branch=z9hG4bK1');
    expect(h.getAll('via')).toHaveLength(3);
    expect(h.shift('via')).toBe('SIP/2.0/TCP a;branch=z9hG4bK1');
    expect(h.shift('via')).toBe('SIP/2.0/UDP b;branch=z9hG4bK2');
    expect(h.getLines('via')).toEqual(['SIP/2.0/UDP c;branch=z9hG4bK3']);
    h.replaceFirst('via', 'SIP/2.0/UDP c;branch=z9hG4bK3;received=192.0.2.1');
    expect(h.get('via')).toBe('SIP/2.0/UDP c;branch=z9hG4bK3;received=192.0.2.1');
  });

  it('set replaces every line at the first one\'s place; delete counts what it removed', () => {
    const h = new SipHeaders([
      ['X-A', '1'],
      ['Route', '<sip:p1;lr>'],
      ['X-B', '2'],
      ['Route', '<sip:p2;lr>'],
    ]);
    h.set('route', ['<sip:x;lr>', '<sip:y;lr>']);
    expect(h.entries().map(([n, v]) => `${n}:${v}`)).toEqual(['X-A:1', 'Route:<sip:x;lr>', 'Route:<sip:y;lr>', 'X-B:2']);
    expect(h.delete('ROUTE')).toBe(2);
    expect(h.size).toBe(2);
  });

  it('expands one-letter names as compact forms (b is Referred-By)', () => {
    expect(new SipHeaders([['b', '<sip:c@d>']]).entries()).toEqual([['Referred-By', '<sip:c@d>']]);
  });

  it('refuses header injection: line breaks in values, non-token names', () => {
    const h = new SipHeaders();
    expect(() => h.append('Subject', 'hi\r\nVia: evil')).toThrow(SipStackError);
    expect(() => h.set('Subject', 'a\nb')).toThrow(SipStackError);
    expect(() => h.append('Bad Name', 'x')).toThrow(SipStackError);
  });
});

describe('lazily parsed header values', () => {
  it('re-parses after the header changes', () => {
    const r = new SipRequest('OPTIONS', 'sip:a@b', { CSeq: '1 OPTIONS', From: '<sip:a@b>;tag=1' });
    expect(r.cseq.seq).toBe(1);
    expect(r.fromTag).toBe('1');
    r.headers.set('CSeq', '2 OPTIONS');
    r.headers.set('From', '<sip:a@b>;tag=2');
    expect(r.cseq.seq).toBe(2);
    expect(r.fromTag).toBe('2');
  });
});

describe('createRequest / createResponse', () => {
  it('builds a request with a From tag, Max-Forwards, Route and body, and a response copying what RFC 3261 §8.2.6 says', () => {
    const request = createRequest({ method: 'INVITE', uri: 'sip:bob@b', from: '"Alice A." <sip:alice@a>', to: 'sip:bob@b', contact: 'sip:alice@192.0.2.1', route: ['sip:p1;lr'], body: 'v=0\r\n', contentType: 'application/sdp', cseq: 7 });
    request.headers.prepend('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx');
    request.headers.append('Record-Route', '<sip:p1;lr>');
    expect(request.from.displayName).toBe('Alice A.');
    expect(request.fromTag).toMatch(/^[0-9a-f]{16}$/);
    expect(request.headers.get('route')).toBe('<sip:p1;lr>');
    expect(serializeSipMessage(request).toString()).toMatch(/\r\nContent-Length: 5\r\n\r\nv=0\r\n$/);
    const trying = createResponse(request, 100);
    expect(trying.toTag).toBeUndefined();
    expect(trying.headers.has('record-route')).toBe(false);
    const ok = createResponse(request, 200, undefined, { toTag: 'b1' });
    expect(ok.reason).toBe('OK');
    expect(ok.toTag).toBe('b1');
    expect(ok.headers.entries().map(([n]) => n)).toEqual(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Record-Route']);
    expect(ok.cseq).toEqual({ seq: 7, method: 'INVITE' });
  });
});
