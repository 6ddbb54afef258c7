import { createResponse } from './sip-builders';
import { parseSipMessage } from './sip-parser';
import type { SipRequest } from './sip-message';
import { clientTransactionKey, clientTransactionKeyOf, serverTransactionKey } from './transaction-keys';

function request(method: string, via: string, extra: string[] = [], cseq = `1 ${method === 'ACK' || method === 'CANCEL' ? method : method}`): SipRequest {
  return parseSipMessage(
    [`${method} sip:bob@biloxi.example.com SIP/2.0`, `Via: ${via}`, 'From: <sip:alice@atlanta.example.com>;tag=a1', 'To: <sip:bob@biloxi.example.com>', 'Call-ID: k1', `CSeq: ${cseq}`, ...extra, 'Content-Length: 0', '', ''].join('\r\n'),
  ) as SipRequest;
}

describe('server transaction matching (RFC 3261 §17.2.3)', () => {
  const via = 'SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK74bf9';

  it('matches by branch and sent-by; the non-2xx ACK finds its INVITE; CANCEL has its own transaction', () => {
    const invite = request('INVITE', via);
    expect(serverTransactionKey(request('INVITE', via))).toBe(serverTransactionKey(invite));
    expect(serverTransactionKey(request('ACK', via, [], '1 ACK'))).toBe(serverTransactionKey(invite));
    expect(serverTransactionKey(request('CANCEL', via, [], '1 CANCEL'))).not.toBe(serverTransactionKey(invite));
    expect(serverTransactionKey(request('CANCEL', via, [], '1 CANCEL'), 'INVITE')).toBe(serverTransactionKey(invite));
    // Same branch from another host is another transaction.
    expect(serverTransactionKey(request('INVITE', 'SIP/2.0/UDP evil.example.com:5060;branch=z9hG4bK74bf9'))).not.toBe(serverTransactionKey(invite));
  });

  it('falls back to RFC 2543 matching without the magic cookie: Request-URI, From tag, Call-ID, CSeq number, top Via', () => {
    const old = 'SIP/2.0/UDP old.example.com:5060;branch=1234';
    const invite = request('INVITE', old);
    expect(serverTransactionKey(invite)).toMatch(/^2543\|/);
    expect(serverTransactionKey(request('INVITE', old))).toBe(serverTransactionKey(invite));
    expect(serverTransactionKey(request('ACK', old, [], '1 ACK'))).toBe(serverTransactionKey(invite));
    expect(serverTransactionKey(request('INVITE', old, [], '2 INVITE'))).not.toBe(serverTransactionKey(invite));
    expect(serverTransactionKey(request('INVITE', 'SIP/2.0/UDP old.example.com:5060'))).not.toBe(serverTransactionKey(invite));
  });
});

describe('client transaction matching (RFC 3261 §17.1.3)', () => {
  it('matches a response by top Via branch and CSeq method', () => {
    const invite = request('INVITE', 'SIP/2.0/UDP a.example.com;branch=z9hG4bKc1');
    expect(clientTransactionKey(createResponse(invite, 180))).toBe(clientTransactionKeyOf(invite));
    const cancel = request('CANCEL', 'SIP/2.0/UDP a.example.com;branch=z9hG4bKc1', [], '1 CANCEL');
    expect(clientTransactionKey(createResponse(cancel, 200))).not.toBe(clientTransactionKeyOf(invite));
  });
});
