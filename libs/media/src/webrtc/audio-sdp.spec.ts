import { parse } from 'sdp-transform';
import { readAudioNegotiation, restrictAudioOffer, WebRtcSdpError } from './audio-sdp';

// Shape of a Chromium offer (trimmed): Opus first, telephone-event at 48 kHz before the 8 kHz one.
const CHROMIUM_OFFER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
  'a=setup:actpass',
  'a=mid:0',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
  '',
].join('\r\n');

function audioOf(sdp: string) {
  return parse(sdp).media[0]!;
}

describe('restrictAudioOffer', () => {
  it('keeps G.711 and telephone-event/8000 only, in the offer order', () => {
    const audio = audioOf(restrictAudioOffer(CHROMIUM_OFFER));
    expect(audio.payloads).toBe('0 8 126');
    expect(audio.rtp.map((rtp) => `${rtp.payload} ${rtp.codec}/${rtp.rate}`)).toEqual(['0 PCMU/8000', '8 PCMA/8000', '126 telephone-event/8000']);
    expect(audio.fmtp).toEqual([]);
    expect(audio.rtcpFb ?? []).toEqual([]);
    expect(audio.fingerprint?.hash).toMatch(/^00:11/);
  });

  it('honours the accepted codecs and static payload types without rtpmap', () => {
    const bare = CHROMIUM_OFFER.replace(/^a=rtpmap:(0|8) .*\r\n/gm, '');
    const audio = audioOf(restrictAudioOffer(bare, ['pcma']));
    expect(audio.payloads).toBe('8 126');
    expect(audio.rtp.map((rtp) => rtp.codec)).toEqual(['telephone-event', 'PCMA']);
  });

  it.each([
    ['garbage', 'hello', 'malformed'],
    ['no m= line', 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n', 'no-audio'],
    ['video only', CHROMIUM_OFFER.replace('m=audio', 'm=video'), 'no-audio'],
    ['plain RTP (a SIP phone)', CHROMIUM_OFFER.replace('UDP/TLS/RTP/SAVPF', 'RTP/AVP').replace(/^a=fingerprint.*\r\n/m, ''), 'not-dtls-srtp'],
    ['Opus only', CHROMIUM_OFFER.replace(/ 9 0 8 13 110 126/, '').replace(/^a=rtpmap:(9|0|8|13|110|126) .*\r\n/gm, ''), 'no-common-codec'],
  ])('rejects %s with reason %s', (_name, sdp, reason) => {
    let error: unknown;
    try {
      restrictAudioOffer(sdp);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WebRtcSdpError);
    expect((error as WebRtcSdpError).reason).toBe(reason);
  });
});

describe('readAudioNegotiation', () => {
  const offer = restrictAudioOffer(CHROMIUM_OFFER);
  const answer = offer.replace('a=setup:actpass', 'a=setup:active').replace('m=audio 9 UDP/TLS/RTP/SAVPF 0 8 126', 'm=audio 9 UDP/TLS/RTP/SAVPF 8 0 126');

  it('takes the first codec of the answer and the payload types each side declared', () => {
    const negotiation = readAudioNegotiation({ local: answer, remote: offer, localRole: 'answerer' });
    expect(negotiation).toMatchObject({ codec: 'pcma', payloadType: 8, telephoneEventPayloadType: 126, receiveTelephoneEventPayloadType: 126, direction: 'sendrecv' });
    expect(negotiation.receiveAudioPayloadTypes).toEqual(
      new Map([
        [8, 'pcma'],
        [0, 'pcmu'],
      ]),
    );
  });

  it('sends telephone events with the payload type the remote side declared', () => {
    const remoteAnswer = answer.replace(/126/g, '101');
    const negotiation = readAudioNegotiation({ local: offer, remote: remoteAnswer, localRole: 'offerer' });
    expect(negotiation).toMatchObject({ telephoneEventPayloadType: 101, receiveTelephoneEventPayloadType: 126 });
  });

  it('has no telephone-event when the answer dropped it', () => {
    const noEvents = answer.replace(' 0 126', ' 0').replace(/^a=rtpmap:126 .*\r\n/m, '');
    expect(readAudioNegotiation({ local: offer, remote: noEvents, localRole: 'offerer' }).telephoneEventPayloadType).toBeUndefined();
  });

  it.each([
    ['sendonly', 'answerer', 'sendonly'],
    ['sendonly', 'offerer', 'recvonly'],
    ['recvonly', 'offerer', 'sendonly'],
    ['inactive', 'offerer', 'inactive'],
  ] as const)('reads an answer marked %s as %s → %s', (marked, localRole, expected) => {
    const held = answer.replace('a=sendrecv', `a=${marked}`);
    const input = localRole === 'answerer' ? { local: held, remote: offer, localRole } : { local: offer, remote: held, localRole };
    expect(readAudioNegotiation(input).direction).toBe(expected);
  });

  it('rejects an answer that refused the audio line', () => {
    const rejected = answer.replace('m=audio 9 ', 'm=audio 0 ');
    expect(() => readAudioNegotiation({ local: offer, remote: rejected, localRole: 'offerer' })).toThrow(WebRtcSdpError);
  });
});
