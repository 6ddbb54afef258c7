import { parse, write, type MediaDescription } from 'sdp-transform';

export type PlainCodec = 'pcmu' | 'pcma';
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** Why an offer cannot be accepted: 400 for SDP that does not parse, 488 for nothing in common. */
export class SdpOfferError extends Error {
  constructor(
    readonly status: 400 | 488,
    message: string,
  ) {
    super(message);
    this.name = 'SdpOfferError';
  }
}

export interface PlainOffer {
  address: string;
  port: number;
  codec: PlainCodec;
  payloadType: number;
  /** The offer's telephone-event/8000 payload type, when offered. */
  telephoneEventPt: number | null;
  direction: Direction;
  sessionVersion: number;
}

const STATIC: Record<number, PlainCodec> = { 0: 'pcmu', 8: 'pcma' };

function codecOf(media: MediaDescription, pt: number): PlainCodec | undefined {
  const rtp = media.rtp.find((r) => r.payload === pt);
  if (rtp) {
    const name = rtp.codec.toUpperCase();
    if (rtp.rate !== undefined && rtp.rate !== 8000) return undefined;
    if (name === 'PCMU') return 'pcmu';
    if (name === 'PCMA') return 'pcma';
    return undefined;
  }
  return STATIC[pt];
}

/** Reads a carrier's (plain RTP/AVP) audio offer: where to send, which G.711 codec, DTMF payload type, direction. */
export function readPlainOffer(sdp: string): PlainOffer {
  let session;
  try {
    session = parse(sdp);
  } catch (error) {
    throw new SdpOfferError(400, `SDP does not parse: ${(error as Error).message}`);
  }
  if (!sdp.trim().startsWith('v=')) throw new SdpOfferError(400, 'SDP must start with v=');
  const audio = session.media?.find((m) => m.type === 'audio' && m.port !== 0);
  if (!audio) throw new SdpOfferError(488, 'the offer has no active audio stream');
  if (/SAVP/.test(audio.protocol)) throw new SdpOfferError(488, `media protocol ${audio.protocol} is not offered here (RTP/AVP only on trunks)`);
  const address = audio.connection?.ip ?? session.connection?.ip;
  if (!address) throw new SdpOfferError(400, 'the offer has no c= address');
  const payloads = String(audio.payloads ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  let chosen: { codec: PlainCodec; pt: number } | undefined;
  for (const pt of payloads) {
    const codec = codecOf(audio, pt);
    if (codec) {
      chosen = { codec, pt };
      break;
    }
  }
  if (!chosen) throw new SdpOfferError(488, 'no common codec: PCMU or PCMA at 8 kHz is required');
  const te = audio.rtp.find((r) => r.codec.toLowerCase() === 'telephone-event' && (r.rate ?? 8000) === 8000);
  const direction = (audio.direction ?? session.direction ?? 'sendrecv') as Direction;
  return {
    address,
    port: audio.port,
    codec: chosen.codec,
    payloadType: chosen.pt,
    telephoneEventPt: te && payloads.includes(te.payload) ? te.payload : null,
    direction,
    sessionVersion: Number(session.origin?.sessionVersion ?? 0),
  };
}

/** The direction that answers an offered one (RFC 3264 §6.1), optionally also holding on our side. */
export function answerDirection(offered: Direction, holding = false): Direction {
  const mirrored: Direction = offered === 'sendonly' ? 'recvonly' : offered === 'recvonly' ? 'sendonly' : offered;
  if (!holding) return mirrored;
  return mirrored === 'sendrecv' ? 'sendonly' : mirrored === 'recvonly' ? 'inactive' : mirrored;
}

export interface PlainAnswerInit {
  address: string;
  port: number;
  codec: PlainCodec;
  payloadType: number;
  telephoneEventPt: number | null;
  direction: Direction;
  sessionId: number;
  sessionVersion: number;
}

/** Our SDP (answer or offer) for a plain RTP leg. */
export function writePlainSdp(init: PlainAnswerInit): string {
  const ipVer = init.address.includes(':') ? 6 : 4;
  const rtp = [{ payload: init.payloadType, codec: init.codec === 'pcmu' ? 'PCMU' : 'PCMA', rate: 8000 }];
  const fmtp: { payload: number; config: string }[] = [];
  if (init.telephoneEventPt !== null) {
    rtp.push({ payload: init.telephoneEventPt, codec: 'telephone-event', rate: 8000 });
    fmtp.push({ payload: init.telephoneEventPt, config: '0-16' });
  }
  return write({
    version: 0,
    origin: { username: 'parley', sessionId: init.sessionId, sessionVersion: init.sessionVersion, netType: 'IN', ipVer, address: init.address },
    name: 'parley',
    timing: { start: 0, stop: 0 },
    connection: { version: ipVer, ip: init.address },
    media: [
      {
        type: 'audio',
        port: init.port,
        protocol: 'RTP/AVP',
        payloads: rtp.map((r) => r.payload).join(' '),
        rtp,
        fmtp,
        ptime: 20,
        direction: init.direction,
      },
    ],
  });
}

/** The audio direction an SDP asks for (the first audio m= line's attribute, else the session's; sendrecv by default). */
export function sdpDirection(sdp: string): Direction {
  const media = sdp.split(/\r?\nm=/);
  const audio = media.slice(1).find((m) => m.startsWith('audio'));
  const find = (text: string): Direction | undefined => /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(text)?.[1] as Direction | undefined;
  return (audio === undefined ? undefined : find(audio)) ?? find(media[0] ?? '') ?? 'sendrecv';
}
