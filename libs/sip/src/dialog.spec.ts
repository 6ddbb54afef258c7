import { Dialog, dialogIdOf, dialogIdOfIncoming } from './dialog';
import { createRequest, createResponse } from './sip-builders';
import type { SipRequest } from './sip-message';
import { SipStackError } from './sip.errors';

function invite(): SipRequest {
  const r = createRequest({
    method: 'INVITE',
    uri: 'sips:bob@biloxi.example.com',
    from: { uri: 'sips:alice@atlanta.example.com', displayName: 'Alice' },
    to: 'sips:bob@biloxi.example.com',
    contact: 'sips:alice@pc33.atlanta.example.com',
    cseq: 314159,
    callId: 'dialog-1',
  });
  r.headers.prepend('Via', 'SIP/2.0/TLS pc33.atlanta.example.com;branch=z9hG4bKnashds8');
  r.headers.append('Record-Route', '<sip:p1.example.com;lr>, <sip:p2.example.com;lr>');
  return r;
}

describe('Dialog (UAC side)', () => {
  function uacDialog(): { request: SipRequest; dialog: Dialog } {
    const request = invite();
    const ok = createResponse(request, 200, 'OK', { toTag: 'bobtag', headers: { Contact: '<sips:bob@192.0.2.4>' } });
    return { request, dialog: Dialog.fromUacResponse(request, ok) };
  }

  it('takes Call-ID, tags, CSeq, remote target, the reversed route set and the secure flag from INVITE + 2xx', () => {
    const { request, dialog } = uacDialog();
    expect(dialog).toMatchObject({ role: 'uac', callId: 'dialog-1', localTag: request.fromTag, remoteTag: 'bobtag', localSeq: 314159, remoteTarget: 'sips:bob@192.0.2.4', secure: true, state: 'confirmed' });
    expect(dialog.routeSet).toEqual(['sip:p2.example.com;lr', 'sip:p1.example.com;lr']);
    expect(dialog.remoteSeq).toBeUndefined();
    expect(dialog.id).toBe(`dialog-1|${request.fromTag}|bobtag`);
  });

  it('builds BYE with the next CSeq, tags, Request-URI = remote target and Route = route set (loose routing)', () => {
    const { request, dialog } = uacDialog();
    const bye = dialog.createRequest('BYE');
    expect(bye.uri).toBe('sips:bob@192.0.2.4');
    expect(bye.headers.getAll('route')).toEqual(['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
    expect(bye.cseq).toEqual({ seq: 314160, method: 'BYE' });
    expect(bye.fromTag).toBe(request.fromTag);
    expect(bye.toTag).toBe('bobtag');
    expect(bye.from.displayName).toBe('Alice');
    expect(bye.callId).toBe('dialog-1');
    expect(bye.headers.has('contact')).toBe(false);
    const info = dialog.createRequest('INFO', { body: 'Signal=5\r\n', contentType: 'application/dtmf-relay' });
    expect(info.cseq.seq).toBe(314161);
    expect(info.contentType).toBe('application/dtmf-relay');
  });

  it('builds the ACK for the 2xx with the INVITE CSeq number, and re-INVITE / UPDATE / REFER with Contact', () => {
    const { dialog } = uacDialog();
    const ack = dialog.createAck();
    expect(ack.method).toBe('ACK');
    expect(ack.cseq).toEqual({ seq: 314159, method: 'ACK' });
    expect(ack.uri).toBe('sips:bob@192.0.2.4');
    for (const method of ['INVITE', 'UPDATE', 'REFER']) {
      expect(dialog.createRequest(method).headers.get('contact')).toBe('<sips:alice@pc33.atlanta.example.com>');
    }
    expect(() => dialog.createRequest('ACK')).toThrow(SipStackError);
  });

  it('uses strict routing when the first route has no lr', () => {
    const request = invite();
    request.headers.set('Record-Route', '<sip:strict.example.com>');
    const dialog = Dialog.fromUacResponse(request, createResponse(request, 200, 'OK', { toTag: 't', headers: { Contact: '<sip:bob@192.0.2.4>' } }));
    const bye = dialog.createRequest('BYE');
    expect(bye.uri).toBe('sip:strict.example.com');
    expect(bye.headers.getAll('route')).toEqual(['<sip:bob@192.0.2.4>']);
  });

  it('refreshes the remote target from a 2xx to re-INVITE and from an incoming re-INVITE', () => {
    const { dialog } = uacDialog();
    const reinvite = dialog.createRequest('INVITE');
    dialog.receiveResponse(createResponse(reinvite, 200, 'OK', { toTag: 'bobtag', headers: { Contact: '<sips:bob@192.0.2.99>' } }));
    expect(dialog.remoteTarget).toBe('sips:bob@192.0.2.99');
    const incoming = createRequest({ method: 'INVITE', uri: 'sips:alice@pc33.atlanta.example.com', from: { uri: 'sips:bob@biloxi.example.com', params: { tag: 'bobtag' } }, to: { uri: 'sips:alice@atlanta.example.com', params: { tag: dialog.localTag } }, callId: 'dialog-1', cseq: 7, contact: 'sips:bob@198.51.100.1' });
    expect(dialog.matches(incoming)).toBe(true);
    expect(dialog.receiveRequest(incoming)).toBe('ok');
    expect(dialog.remoteTarget).toBe('sips:bob@198.51.100.1');
    expect(dialog.remoteSeq).toBe(7);
  });

  it('refuses an out-of-order incoming CSeq and terminates on BYE or on 481 to an in-dialog request', () => {
    const { dialog } = uacDialog();
    const base = { uri: 'sips:alice@x', from: { uri: 'sips:bob@b', params: { tag: 'bobtag' } }, to: { uri: 'sips:alice@a', params: { tag: dialog.localTag } }, callId: 'dialog-1' };
    expect(dialog.receiveRequest(createRequest({ ...base, method: 'INFO', cseq: 10 }))).toBe('ok');
    expect(dialog.receiveRequest(createRequest({ ...base, method: 'INFO', cseq: 9 }))).toBe('out-of-order');
    const options = dialog.createRequest('OPTIONS');
    dialog.receiveResponse(createResponse(options, 481));
    expect(dialog.state).toBe('terminated');
    expect(() => dialog.createRequest('BYE')).toThrow(SipStackError);
  });

  it('is early on a 1xx with a tag and confirmed by the 2xx', () => {
    const request = invite();
    const ringing = createResponse(request, 180, 'Ringing', { toTag: 'bobtag', headers: { Contact: '<sip:bob@192.0.2.4>' } });
    const dialog = Dialog.fromUacResponse(request, ringing);
    expect(dialog.state).toBe('early');
    dialog.receiveResponse(createResponse(request, 200, 'OK', { toTag: 'bobtag', headers: { Contact: '<sip:bob@192.0.2.4>' } }));
    expect(dialog.state).toBe('confirmed');
  });

  it('refuses a response without a To tag or Contact', () => {
    const request = invite();
    expect(() => Dialog.fromUacResponse(request, createResponse(request, 100))).toThrow(SipStackError);
    expect(() => Dialog.fromUacResponse(request, createResponse(request, 200, 'OK', { toTag: 'x' }))).toThrow(/Contact/);
  });
});

describe('Dialog (UAS side)', () => {
  it('takes the route set in order and the remote target from the INVITE, the local tag from the response', () => {
    const request = invite();
    const ok = createResponse(request, 200, 'OK', { toTag: 'uas-tag', headers: { Contact: '<sip:bob@192.0.2.4>' } });
    const dialog = Dialog.fromUasRequest(request, ok);
    expect(dialog).toMatchObject({ role: 'uas', localTag: 'uas-tag', remoteTag: request.fromTag, remoteTarget: 'sips:alice@pc33.atlanta.example.com', remoteSeq: 314159, localContact: 'sip:bob@192.0.2.4' });
    expect(dialog.routeSet).toEqual(['sip:p1.example.com;lr', 'sip:p2.example.com;lr']);
    const bye = dialog.createRequest('BYE');
    expect(bye.fromTag).toBe('uas-tag');
    expect(bye.toTag).toBe(request.fromTag);
    expect(bye.uri).toBe('sips:alice@pc33.atlanta.example.com');
    expect(bye.headers.getAll('route')).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    // The peer's BYE matches this dialog, with ids seen from each side.
    const theirBye = createRequest({ method: 'BYE', uri: 'sip:bob@192.0.2.4', from: request.headers.get('from')!, to: ok.headers.get('to')!, callId: 'dialog-1', cseq: 314160 });
    expect(dialog.matches(theirBye)).toBe(true);
    expect(dialogIdOfIncoming(theirBye)).toBe(dialog.id);
    expect(dialogIdOf(ok, 'uas')).toBe(dialog.id);
    expect(dialog.receiveRequest(theirBye)).toBe('ok');
    expect(dialog.state).toBe('terminated');
  });
});
