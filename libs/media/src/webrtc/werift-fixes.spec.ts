import { buildPeerConfig, preferDtlsServerRole } from './werift-fixes';

describe('buildPeerConfig', () => {
  const config = buildPeerConfig({ address: '203.0.113.7', bindAddress: '0.0.0.0', port: 40010, iceLite: false, codecs: ['pcma', 'pcmu'] });

  it('gathers exactly one host candidate, on the advertised address, bound where told, no STUN or TCP', () => {
    expect(config).toMatchObject({
      iceServers: [],
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceUseTcp: false,
      iceAdditionalHostAddresses: ['203.0.113.7'],
      iceInterfaceAddresses: { udp4: '0.0.0.0', udp6: undefined },
      icePortRange: [40010, 40011],
    });
  });

  it('offers the codecs in the given order with static payload types, and telephone-event at 8 kHz', () => {
    expect(config.codecs?.audio?.map((codec) => `${codec.payloadType} ${codec.mimeType}/${codec.clockRate}`)).toEqual([
      '8 audio/PCMA/8000',
      '0 audio/PCMU/8000',
      '101 audio/telephone-event/8000',
    ]);
  });
});

describe('preferDtlsServerRole', () => {
  const answer = 'v=0\r\na=setup:active\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=setup:active\r\n';

  it('answers an actpass offer as the DTLS server', () => {
    expect(preferDtlsServerRole(answer, 'v=0\r\na=setup:actpass\r\n')).toBe(answer.replace(/active/g, 'passive'));
  });

  it('keeps the role the offer imposes', () => {
    expect(preferDtlsServerRole(answer, 'v=0\r\na=setup:passive\r\n')).toBe(answer);
  });
});
