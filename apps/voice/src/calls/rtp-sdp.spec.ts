import { answerDirection, readPlainOffer, SdpOfferError, writePlainSdp } from './rtp-sdp';

const SIPP_OFFER = [
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 8 0 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  '',
].join('\r\n');

describe('plain RTP SDP', () => {
  it("reads a carrier's offer: address, first G.711 codec in its order, telephone-event", () => {
    expect(readPlainOffer(SIPP_OFFER)).toMatchObject({ address: '127.0.0.1', port: 6000, codec: 'pcma', payloadType: 8, telephoneEventPt: 101, direction: 'sendrecv' });
  });

  it('refuses offers with nothing in common (488) and garbage (400)', () => {
    const g729 = SIPP_OFFER.replace('m=audio 6000 RTP/AVP 8 0 101', 'm=audio 6000 RTP/AVP 18').replace(/a=rtpmap:(8|0).*\r\n/g, '');
    expect(() => readPlainOffer(g729)).toThrow(SdpOfferError);
    try {
      readPlainOffer(g729);
    } catch (e) {
      expect((e as SdpOfferError).status).toBe(488);
    }
    try {
      readPlainOffer('hello');
    } catch (e) {
      expect((e as SdpOfferError).status).toBe(400);
    }
  });

  it('answers hold offers with the mirrored direction', () => {
    expect(answerDirection('sendonly')).toBe('recvonly');
    expect(answerDirection('inactive')).toBe('inactive');
    expect(answerDirection('sendrecv', true)).toBe('sendonly');
    expect(readPlainOffer(SIPP_OFFER.replace('a=fmtp:101 0-15', 'a=fmtp:101 0-15\r\na=sendonly')).direction).toBe('sendonly');
  });

  it('writes an answer a carrier can read back', () => {
    const sdp = writePlainSdp({ address: '127.0.0.1', port: 20000, codec: 'pcma', payloadType: 8, telephoneEventPt: 101, direction: 'sendrecv', sessionId: 1, sessionVersion: 1 });
    expect(readPlainOffer(sdp)).toMatchObject({ address: '127.0.0.1', port: 20000, codec: 'pcma', payloadType: 8, telephoneEventPt: 101 });
    expect(sdp).toContain('a=ptime:20');
  });
});
