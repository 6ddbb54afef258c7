// What a MediaLeg needs from the thing that carries its packets: an RtpSession (plain RTP on a UDP
// socket) or a WebRtcLegTransport (a werift leg: ICE, DTLS-SRTP). The leg speaks in its own
// payload types (the codec's static one, the telephone-event one it was given); a transport that
// negotiates other numbers on the wire maps them both ways.
import { type RtpView } from './rtp-packet';

/** Called for every received RTP packet the leg should see. The view is reused: read it before returning. */
export type LegPacketHandler = (packet: RtpView) => void;

export interface LegTransportStats {
  /** RTP packets handed to the network (audio and telephone-event). */
  readonly packetsSent: number;
  /** RTP packets received and accepted (audio and telephone-event). */
  readonly packetsReceived: number;
  /** Packets lost from the current remote source (RFC 3550 cumulative count, ≥ 0). */
  readonly packetsLost: number;
}

export interface LegTransport {
  /** Payload type of `sendFrame` (the leg sets it to its codec's). */
  payloadType: number;
  readonly clockRate: number;
  /** RTP timestamp of the next frame sent. */
  readonly timestamp: number;
  /** Advances the timestamp without sending (a frame taken by DTMF, a skipped tick). */
  advanceTimestamp(samples: number): void;
  /** Sends one frame with `payloadType` at the current timestamp, then advances it by `samples`. */
  sendFrame(payload: Uint8Array, samples?: number, marker?: boolean): boolean;
  /** Sends one packet with its own payload type and timestamp (RFC 4733 events); does not advance the timestamp. */
  send(payload: Uint8Array, marker?: boolean, payloadType?: number, timestamp?: number): boolean;
  /** The one direct consumer of received packets; null detaches it. */
  setPacketHandler(handler: LegPacketHandler | null): void;
  /** 'ssrc-change': the remote started a new stream (reset the jitter buffer). */
  on(event: 'ssrc-change', listener: (ssrc: number) => void): unknown;
  off(event: 'ssrc-change', listener: (ssrc: number) => void): unknown;
  transportStats(): LegTransportStats;
  /** Closes the transport and gives its port back (idempotent). */
  close(): Promise<void>;
}
