// A WebRtcLeg as the transport of an engine MediaLeg, so a browser leg is bridged, mixed, recorded,
// played to and sends/receives digits like an RTP leg. The MediaLeg keeps its own clock, jitter
// buffer and RFC 4733 sender/receiver; this adapter maps payload types between the leg's (the
// codec's static type, LEG_TELEPHONE_EVENT_PT) and what the current offer/answer settled on, and
// transcodes G.711 when a renegotiation (or a browser sending another accepted codec) changes the
// codec on the wire: the MediaLeg's codec is fixed when it is created.
//
// Inactivity ('inactive' after a silent period) is only watched while the leg is connected and
// negotiated sendrecv: a browser holding the call (sendonly / inactive) may send nothing, which is
// not a failure; the bridge and the recording simply get silence from it.
import { EventEmitter } from 'node:events';
import { type G711Codec, payloadTypeOf, transcode } from '../g711';
import { type LegPacketHandler, type LegTransport, type LegTransportStats } from '../leg-transport';
import { RtpView } from '../rtp-packet';
import { type InboundRtp } from './srtp-fast-path';
import { type WebRtcLeg } from './webrtc-leg';

/** The telephone-event payload type the MediaLeg uses; mapped to the negotiated one on the wire. */
export const LEG_TELEPHONE_EVENT_PT = 101;

export interface WebRtcLegTransportOptions {
  /** The MediaLeg's codec: the one the first offer/answer settled on. */
  readonly codec: G711Codec;
  /** 'inactive' after this long without RTP while connected and sendrecv; 0 = never (default). */
  readonly inactivityTimeoutMs?: number;
}

export interface WebRtcLegTransportEvents {
  /** The browser started a new RTP stream (new SSRC): the jitter buffer resets. */
  'ssrc-change': [ssrc: number];
  /** No RTP for `inactivityTimeoutMs` while connected and sendrecv (once per silent period). */
  inactive: [info: { silentMs: number }];
  /** RTP came back after 'inactive'. */
  active: [];
}

const MAX_FRAME_BYTES = 320;

export class WebRtcLegTransport extends EventEmitter<WebRtcLegTransportEvents> implements LegTransport {
  readonly leg: WebRtcLeg;
  readonly codec: G711Codec;
  readonly clockRate = 8000;
  /** The leg's audio payload type (the codec's static one); set by MediaLeg to the same. */
  payloadType: number;
  readonly telephoneEventPayloadType = LEG_TELEPHONE_EVENT_PT;
  private nextTimestamp: number;
  private handler: LegPacketHandler | null = null;
  private readonly view = new RtpView();
  private transcodeIn = Buffer.alloc(MAX_FRAME_BYTES);
  private readonly transcodeOut = new Uint8Array(MAX_FRAME_BYTES);
  private remoteSsrc: number | null = null;
  /** The next audio packet starts a talkspurt (after packets could not be sent: hold, not yet connected). */
  private talkspurt = true;
  private packetsReceived = 0;
  private inactivityMs = 0;
  private lastReceivedAt = performance.now();
  private inactiveReported = false;
  private watchdog: NodeJS.Timeout | null = null;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(leg: WebRtcLeg, options: WebRtcLegTransportOptions) {
    super();
    this.leg = leg;
    this.codec = options.codec;
    this.payloadType = payloadTypeOf(options.codec);
    this.nextTimestamp = Math.floor(Math.random() * 0x100000000) >>> 0;
    this.unsubscribe = leg.onRtp(this.onRtp);
    this.setInactivityTimeout(options.inactivityTimeoutMs ?? 0);
  }

  get timestamp(): number {
    return this.nextTimestamp;
  }

  advanceTimestamp(samples: number): void {
    this.nextTimestamp = (this.nextTimestamp + samples) >>> 0;
  }

  setPacketHandler(handler: LegPacketHandler | null): void {
    this.handler = handler;
  }

  /** True while the negotiated telephone-event type lets digits go out (the remote accepted telephone-event/8000). */
  get canSendDigits(): boolean {
    return this.leg.negotiated?.telephoneEventPayloadType !== undefined;
  }

  sendFrame(payload: Uint8Array, samples = 160, marker = false): boolean {
    const timestamp = this.nextTimestamp;
    this.nextTimestamp = (timestamp + samples) >>> 0;
    return this.sendAudio(payload, timestamp, marker);
  }

  send(payload: Uint8Array, marker = false, payloadType = this.payloadType, timestamp = this.nextTimestamp): boolean {
    if (payloadType === this.payloadType) return this.sendAudio(payload, timestamp, marker);
    if (payloadType !== LEG_TELEPHONE_EVENT_PT) return false;
    const wirePt = this.leg.negotiated?.telephoneEventPayloadType;
    if (wirePt === undefined) return false;
    const sent = this.leg.sendRtpPacket(wirePt, payload, timestamp, marker);
    if (!sent) this.talkspurt = true;
    return sent;
  }

  private sendAudio(payload: Uint8Array, timestamp: number, marker: boolean): boolean {
    const negotiation = this.leg.negotiated;
    if (negotiation === undefined) return false;
    let wire = payload;
    if (negotiation.codec !== this.codec) {
      const n = Math.min(payload.length, MAX_FRAME_BYTES);
      wire = transcode(payload.subarray(0, n), this.payloadType, payloadTypeOf(negotiation.codec), this.transcodeOut).subarray(0, n);
    }
    const sent = this.leg.sendRtpPacket(negotiation.payloadType, wire, timestamp, marker || this.talkspurt);
    this.talkspurt = !sent;
    return sent;
  }

  private readonly onRtp = (rtp: InboundRtp): void => {
    const now = performance.now();
    this.lastReceivedAt = now;
    if (this.inactiveReported) {
      this.inactiveReported = false;
      this.emit('active');
    }
    this.packetsReceived++;
    if (rtp.ssrc !== this.remoteSsrc) {
      const previous = this.remoteSsrc;
      this.remoteSsrc = rtp.ssrc;
      if (previous !== null) this.emit('ssrc-change', rtp.ssrc);
    }
    const handler = this.handler;
    const negotiation = this.leg.negotiated;
    if (handler === null || negotiation === undefined) return;
    const view = this.view;
    let payload = rtp.payload;
    if (rtp.payloadType === negotiation.receiveTelephoneEventPayloadType) {
      view.payloadType = LEG_TELEPHONE_EVENT_PT;
    } else {
      const codec = negotiation.receiveAudioPayloadTypes.get(rtp.payloadType);
      if (codec === undefined) return;
      if (codec !== this.codec) {
        if (this.transcodeIn.length < payload.length) this.transcodeIn = Buffer.alloc(payload.length);
        payload = (transcode(payload, payloadTypeOf(codec), this.payloadType, this.transcodeIn) as Buffer).subarray(0, payload.length);
      }
      view.payloadType = this.payloadType;
    }
    view.buffer = payload;
    view.payloadOffset = 0;
    view.payloadLength = payload.length;
    view.sequenceNumber = rtp.sequenceNumber;
    view.timestamp = rtp.timestamp;
    view.marker = rtp.marker;
    view.ssrc = rtp.ssrc;
    handler(view);
  };

  /** 0 disables. Only counts while the leg is connected and negotiated sendrecv. */
  setInactivityTimeout(ms: number): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.inactivityMs = ms;
    this.inactiveReported = false;
    this.lastReceivedAt = performance.now();
    if (ms > 0 && !this.closed) {
      this.watchdog = setInterval(this.checkInactivity, Math.max(20, Math.min(1000, ms / 4)));
      this.watchdog.unref();
    }
  }

  private readonly checkInactivity = (): void => {
    const now = performance.now();
    if (this.leg.state !== 'connected' || this.leg.negotiated?.direction !== 'sendrecv') {
      // Connecting, failed (reported as such) or on hold: silence is expected, start counting afresh.
      this.lastReceivedAt = now;
      return;
    }
    const silentMs = now - this.lastReceivedAt;
    if (!this.inactiveReported && silentMs >= this.inactivityMs) {
      this.inactiveReported = true;
      this.emit('inactive', { silentMs });
    }
  };

  transportStats(): LegTransportStats {
    const stats = this.leg.stats();
    return { packetsSent: stats.packetsSent, packetsReceived: this.packetsReceived, packetsLost: stats.packetsLost };
  }

  /** Detaches and closes the WebRTC leg (its port goes back to the pool). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.unsubscribe();
    this.handler = null;
    await this.leg.close();
  }
}
