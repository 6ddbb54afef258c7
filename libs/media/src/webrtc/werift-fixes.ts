// Everything Parley changes in werift's defaults to make it a media server for browser audio.
// Each fix names the trap it avoids (see /work/shared/VOICE.md).
import { createSecretKey, type KeyObject } from 'node:crypto';
import { RTCRtpCodecParameters, type PeerConfig, type RTCDtlsTransport, type RTCPeerConnection } from 'werift';
import { G711_STATIC_PAYLOAD_TYPES, type G711Codec } from './audio-sdp';

/** Our payload type for telephone-event/8000 when we offer (jssip/Chromium answer with it). */
export const OFFERED_TELEPHONE_EVENT_PAYLOAD_TYPE = 101;

export interface PeerConfigInput {
  /** Address advertised in the host candidate. */
  address: string;
  /** Local address the UDP socket binds to (differs from `address` behind 1:1 NAT). */
  bindAddress: string;
  /** The even port from the RTP port pool; werift binds it (it needs a range, so port..port+1). */
  port: number | undefined;
  iceLite: boolean;
  codecs: readonly G711Codec[];
}

export function audioCodecParameters(codecs: readonly G711Codec[]): RTCRtpCodecParameters[] {
  // Fresh objects per connection: werift writes into them (dynamic payload type assignment).
  return [
    ...codecs.map(
      (codec) => new RTCRtpCodecParameters({ mimeType: `audio/${codec.toUpperCase()}`, clockRate: 8000, channels: 1, payloadType: G711_STATIC_PAYLOAD_TYPES[codec] }),
    ),
    // telephone-event/8000, not werift's default 48 kHz one: G.711 legs and SIP peers clock DTMF at 8 kHz.
    new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, payloadType: OFFERED_TELEPHONE_EVENT_PAYLOAD_TYPE, parameters: '0-16' }),
  ];
}

export function buildPeerConfig(input: PeerConfigInput): Partial<PeerConfig> {
  const udp4 = input.bindAddress.includes(':') ? undefined : input.bindAddress;
  const udp6 = input.bindAddress.includes(':') ? input.bindAddress : undefined;
  return {
    codecs: { audio: audioCodecParameters(input.codecs), video: [] },
    headerExtensions: { audio: [], video: [] },
    iceServers: [],
    iceLite: input.iceLite,
    // werift enumerates every interface (and skips loopback). Turning both families off leaves only
    // `iceAdditionalHostAddresses`: exactly one host candidate, on the configured address.
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceUseTcp: false,
    iceAdditionalHostAddresses: [input.address],
    iceInterfaceAddresses: { udp4, udp6 },
    icePortRange: input.port === undefined ? undefined : [input.port, input.port + 1],
    // The first server-reflexive query would wait up to 5 s; 0 keeps any leftover query from
    // delaying gathering (disableStunFallback removes the query itself).
    iceStunGatherTimeout: 0,
  };
}

/**
 * werift replaces an empty STUN server list with stun.l.google.com:19302 and queries it while
 * gathering (DNS, then up to 5 s) for every call. Clear the server on each ICE transport before
 * setLocalDescription starts gathering.
 */
export function disableStunFallback(pc: RTCPeerConnection): void {
  for (const transport of pc.iceTransports) {
    transport.connection.stunServer = undefined;
  }
}

type SrtpKeyField = 'srtpSessionKey' | 'srtcpSessionKey';

/**
 * werift passes its SRTP session keys to createCipheriv as Buffers, so Node 24 builds a KeyObject
 * for every packet: ~49 µs per AES-128-GCM packet instead of ~11 µs with a prepared KeyObject
 * (measured here), the largest single cost of a leg. The ciphers use these fields only as the key
 * argument of createCipheriv/createDecipheriv, so swap them for KeyObjects once DTLS has produced
 * them. Idempotent; call it after the transport reached 'connected'.
 */
export function prepareSrtpKeys(transport: RTCDtlsTransport): void {
  if (!transport.srtpStarted) return;
  for (const session of [transport.srtp, transport.srtcp]) {
    for (const context of [session?.localContext, session?.remoteContext]) {
      const cipher: object | undefined = context?.cipher;
      if (!cipher) continue;
      const fields = cipher as unknown as Record<SrtpKeyField, Buffer | KeyObject>;
      for (const field of ['srtpSessionKey', 'srtcpSessionKey'] as const) {
        const key = fields[field];
        if (Buffer.isBuffer(key)) fields[field] = createSecretKey(key);
      }
    }
  }
}

/**
 * werift answers an `actpass` offer with `a=setup:active`, making itself the DTLS client, and its
 * client fails the handshake when a HelloVerifyRequest arrives twice (its ClientHello is resent
 * after 500 ms, so a busy peer or a slow network answers twice). Its DTLS server copes with
 * repeats, and werift takes the role from the local answer it is given, so answer `passive`.
 * Browsers accept either answer (RFC 5763 §5).
 */
export function preferDtlsServerRole(answerSdp: string, offerSdp: string): string {
  if (!/^a=setup:actpass\s*$/m.test(offerSdp)) return answerSdp;
  return answerSdp.replace(/^a=setup:active(\r?)$/gm, 'a=setup:passive$1');
}
