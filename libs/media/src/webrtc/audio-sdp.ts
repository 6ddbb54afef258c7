// The SDP side of a browser audio leg: restrict a remote offer to what Parley sends and receives
// (G.711 and telephone-event at 8 kHz), and read what an offer/answer exchange settled on.
import { parse, write, type MediaDescription, type SessionDescription } from 'sdp-transform';
import type { G711Codec } from '../g711';

export type { G711Codec };
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
export type SdpRole = 'offerer' | 'answerer';

export const G711_CODECS: readonly G711Codec[] = ['pcmu', 'pcma'];
export const G711_STATIC_PAYLOAD_TYPES: Readonly<Record<G711Codec, number>> = { pcmu: 0, pcma: 8 };
const CLOCK_RATE = 8000;

export type WebRtcSdpErrorReason = 'malformed' | 'no-audio' | 'no-common-codec' | 'not-dtls-srtp';

/** The SDP cannot be used for a browser audio leg; `reason` lets the caller pick 400 or 488. */
export class WebRtcSdpError extends Error {
  constructor(
    readonly reason: WebRtcSdpErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'WebRtcSdpError';
  }
}

export interface AudioNegotiation {
  /** The codec this side sends: the first G.711 codec of the answer. */
  codec: G711Codec;
  /** Payload type to send audio with (as the remote side declared it). */
  payloadType: number;
  /** Payload type to send RFC 4733 events with, if the remote accepted telephone-event/8000. */
  telephoneEventPayloadType: number | undefined;
  /** Payload types this side declared for receiving G.711, with their codec. */
  receiveAudioPayloadTypes: ReadonlyMap<number, G711Codec>;
  /** Payload type this side declared for receiving telephone-event/8000. */
  receiveTelephoneEventPayloadType: number | undefined;
  /** The direction of this side once the exchange completed (what it may send and receive). */
  direction: MediaDirection;
}

function parseSdp(sdp: string): SessionDescription {
  if (typeof sdp !== 'string' || !sdp.trim().startsWith('v=')) {
    throw new WebRtcSdpError('malformed', 'SDP must be a string starting with "v="');
  }
  let session: SessionDescription;
  try {
    session = parse(sdp);
  } catch (error) {
    throw new WebRtcSdpError('malformed', `SDP does not parse: ${(error as Error).message}`);
  }
  if (!Array.isArray(session.media) || session.media.length === 0) {
    throw new WebRtcSdpError('no-audio', 'SDP has no m= line');
  }
  return session;
}

function firstActiveAudio(session: SessionDescription): MediaDescription | undefined {
  return session.media.find((media) => media.type === 'audio' && media.port !== 0);
}

function codecOf(rtp: MediaDescription['rtp'][number]): G711Codec | 'telephone-event' | undefined {
  const name = rtp.codec.toLowerCase();
  if ((rtp.rate ?? CLOCK_RATE) !== CLOCK_RATE) return undefined;
  if (name === 'pcmu' || name === 'pcma') return name;
  if (name === 'telephone-event') return 'telephone-event';
  return undefined;
}

/**
 * Static payload types 0 and 8 may be used without an a=rtpmap line (RFC 3551); give them one so
 * every later step can work from `rtp` alone.
 */
function withStaticRtpmaps(media: MediaDescription): MediaDescription['rtp'] {
  const payloads = typeof media.payloads === 'string' ? media.payloads.split(/\s+/).filter(Boolean).map(Number) : [];
  const rtp = [...media.rtp];
  for (const [codec, payloadType] of Object.entries(G711_STATIC_PAYLOAD_TYPES)) {
    if (payloads.includes(payloadType) && !rtp.some((entry) => entry.payload === payloadType)) {
      rtp.push({ payload: payloadType, codec: codec.toUpperCase(), rate: CLOCK_RATE });
    }
  }
  return rtp;
}

function hasFingerprint(session: SessionDescription, media: MediaDescription): boolean {
  return Boolean(media.fingerprint ?? session.fingerprint);
}

/**
 * Keeps only G.711 (`codecs`, in the offer's order) and telephone-event/8000 in the offer's audio
 * m-lines. werift matches codecs by MIME type alone, so without this it answers a browser's
 * telephone-event/48000 (first in Chromium's list) and the browser then sends DTMF at 48 kHz.
 * Throws WebRtcSdpError if the offer is not DTLS-SRTP audio or shares no G.711 codec with us.
 */
export function restrictAudioOffer(sdp: string, codecs: readonly G711Codec[] = G711_CODECS): string {
  const session = parseSdp(sdp);
  const audio = firstActiveAudio(session);
  if (!audio) throw new WebRtcSdpError('no-audio', 'the offer has no active audio m= line');
  if (!hasFingerprint(session, audio) || !/TLS/i.test(audio.protocol)) {
    throw new WebRtcSdpError('not-dtls-srtp', `the audio m= line uses ${audio.protocol} without a DTLS fingerprint`);
  }
  for (const media of session.media) {
    if (media.type !== 'audio' || media.port === 0) continue;
    const kept = withStaticRtpmaps(media).filter((rtp) => {
      const codec = codecOf(rtp);
      return codec === 'telephone-event' || (codec !== undefined && codecs.includes(codec));
    });
    if (!kept.some((rtp) => codecOf(rtp) !== 'telephone-event')) {
      if (media === audio) {
        const offered = media.rtp.map((rtp) => `${rtp.codec}/${rtp.rate ?? '?'}`).join(', ') || media.payloads || 'nothing';
        throw new WebRtcSdpError('no-common-codec', `no common audio codec: offered ${offered}, accepted ${codecs.map((codec) => codec.toUpperCase()).join(', ')}`);
      }
      continue;
    }
    const keptTypes = new Set(kept.map((rtp) => rtp.payload));
    const order = (media.payloads ?? '').split(/\s+/).map(Number).filter((pt) => keptTypes.has(pt));
    for (const rtp of kept) if (!order.includes(rtp.payload)) order.push(rtp.payload);
    media.rtp = kept;
    media.payloads = order.join(' ');
    media.fmtp = (media.fmtp ?? []).filter((fmtp) => keptTypes.has(fmtp.payload));
    if (media.rtcpFb) media.rtcpFb = media.rtcpFb.filter((fb) => fb.payload === '*' || keptTypes.has(Number(fb.payload)));
  }
  return write(session);
}

function reverseDirection(direction: MediaDirection): MediaDirection {
  if (direction === 'sendonly') return 'recvonly';
  if (direction === 'recvonly') return 'sendonly';
  return direction;
}

function directionOf(media: MediaDescription, session: SessionDescription): MediaDirection {
  return media.direction ?? session.direction ?? 'sendrecv';
}

export function directionSends(direction: MediaDirection): boolean {
  return direction === 'sendrecv' || direction === 'sendonly';
}

export function directionReceives(direction: MediaDirection): boolean {
  return direction === 'sendrecv' || direction === 'recvonly';
}

export function isMediaDirection(value: unknown): value is MediaDirection {
  return value === 'sendrecv' || value === 'sendonly' || value === 'recvonly' || value === 'inactive';
}

/** What a completed offer/answer exchange settled on, for the side that holds `local`. */
export function readAudioNegotiation(input: { local: string; remote: string; localRole: SdpRole }): AudioNegotiation {
  const local = parseSdp(input.local);
  const remote = parseSdp(input.remote);
  const answer = input.localRole === 'answerer' ? local : remote;
  const answerAudio = firstActiveAudio(answer);
  const localAudio = firstActiveAudio(local);
  const remoteAudio = firstActiveAudio(remote);
  if (!answerAudio || !localAudio || !remoteAudio) {
    throw new WebRtcSdpError('no-audio', 'the answer rejected the audio m= line');
  }
  const answerCodecs = withStaticRtpmaps(answerAudio);
  const answerOrder = (answerAudio.payloads ?? '').split(/\s+/).map(Number);
  answerCodecs.sort((a, b) => answerOrder.indexOf(a.payload) - answerOrder.indexOf(b.payload));
  const chosen = answerCodecs.map(codecOf).find((codec): codec is G711Codec => codec === 'pcmu' || codec === 'pcma');
  if (!chosen) throw new WebRtcSdpError('no-common-codec', 'the answer has no G.711 codec');

  const remoteRtp = withStaticRtpmaps(remoteAudio);
  const localRtp = withStaticRtpmaps(localAudio);
  const payloadType = remoteRtp.find((rtp) => codecOf(rtp) === chosen)?.payload ?? G711_STATIC_PAYLOAD_TYPES[chosen];
  const receiveAudioPayloadTypes = new Map<number, G711Codec>();
  for (const rtp of localRtp) {
    const codec = codecOf(rtp);
    if (codec === 'pcmu' || codec === 'pcma') receiveAudioPayloadTypes.set(rtp.payload, codec);
  }
  const answerHasTelephoneEvent = answerCodecs.some((rtp) => codecOf(rtp) === 'telephone-event');
  const answerDirection = directionOf(answerAudio, answer);
  return {
    codec: chosen,
    payloadType,
    telephoneEventPayloadType: answerHasTelephoneEvent ? remoteRtp.find((rtp) => codecOf(rtp) === 'telephone-event')?.payload : undefined,
    receiveAudioPayloadTypes,
    receiveTelephoneEventPayloadType: answerHasTelephoneEvent ? localRtp.find((rtp) => codecOf(rtp) === 'telephone-event')?.payload : undefined,
    direction: input.localRole === 'answerer' ? answerDirection : reverseDirection(answerDirection),
  };
}
