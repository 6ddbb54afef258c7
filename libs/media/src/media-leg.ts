// One call leg's media: its session (what carries the packets: an RtpSession for plain RTP, or a
// WebRtcLegTransport for a browser's DTLS-SRTP leg — see leg-transport.ts), the jitter buffer in
// front of the decoder, RFC 4733 DTMF in and out, and what it is playing. A leg does nothing on its
// own: the call it belongs to drives it once per 20 ms tick (receive(), then one of the send methods).
//
//   socket → session (packet handler) → audio PT: JitterBuffer.push (copy into a slot)
//                                         → telephone-event PT: DtmfReceiver → 'digit'
//   tick: receive() → jitter.pull() → reframe to 20 ms → inboundPayload (G.711 bytes)
//         → inboundPcm() (decoded on demand, once per tick)
//         send*(): source / bridge / mix → (encode or transcode if needed) → session.sendFrame
//                  (or, while a digit is being sent, its RFC 4733 packets instead of audio)
import { EventEmitter } from 'node:events';
import { type AudioSource, FRAME_SAMPLES } from './audio-frame';
import { type DtmfDigit, type DtmfDigitEvent, DtmfReceiver, DtmfSender, type DtmfToneOptions } from './dtmf-rfc4733';
import { decodeG711, encodeG711, type G711Codec, payloadTypeOf, silenceCode, transcode } from './g711';
import { JitterBuffer, type JitterBufferOptions } from './jitter-buffer';
import { type LegTransport } from './leg-transport';
import { type RtpView } from './rtp-packet';
import { type RtpSession } from './rtp-session';

export interface MediaLegOptions<T extends LegTransport = RtpSession> {
  /** What carries the leg's packets: an RtpSession, or a WebRTC leg's transport. The leg owns it (closes it). */
  readonly session: T;
  /** The negotiated audio codec. */
  readonly codec: G711Codec;
  /** The negotiated telephone-event payload type (from the SDP), or null when none was agreed. */
  readonly telephoneEventPt?: number | null;
  readonly jitter?: JitterBufferOptions;
  readonly id?: string;
}

export interface MediaLegEvents {
  digit: [event: DtmfDigitEvent];
  'digit-start': [digit: DtmfDigit];
  /** The playing source ended (completed or stopped); the leg goes back to the bridge or silence. */
  'source-ended': [source: AudioSource];
}

export interface MediaLegStats {
  /** Packets of a payload type that is neither the codec nor telephone-event (e.g. CN 13). */
  readonly otherPayloadTypes: number;
  readonly framesSent: number;
  readonly dtmfPacketsSent: number;
}

export class MediaLegError extends Error {
  override readonly name = 'MediaLegError';
}

let legsCreated = 0;
/** Unique in the process (the mixer keys its participants by leg id). */
function defaultLegId(): string {
  return `leg-${++legsCreated}`;
}

const SILENCE: Record<G711Codec, Uint8Array> = {
  pcmu: new Uint8Array(FRAME_SAMPLES).fill(silenceCode('pcmu')),
  pcma: new Uint8Array(FRAME_SAMPLES).fill(silenceCode('pcma')),
};

/**
 * A leg over plain RTP by default (`MediaLeg` = `MediaLeg<RtpSession>`); calls and the engine hold
 * `AnyMediaLeg`, whatever carries it.
 */
export class MediaLeg<T extends LegTransport = RtpSession> extends EventEmitter<MediaLegEvents> {
  readonly id: string;
  readonly session: T;
  readonly codec: G711Codec;
  readonly payloadType: number;
  readonly telephoneEventPt: number | null;
  readonly jitter: JitterBuffer;
  readonly dtmfIn: DtmfReceiver;
  readonly dtmfOut: DtmfSender | null;
  /** This tick's received audio payload (G.711 bytes in `codec`), or null (silence / gap). */
  inboundPayload: Buffer | null = null;
  private readonly pcmIn = new Int16Array(FRAME_SAMPLES);
  // Reframing packets of other lengths (10, 30, 40 ms ptime) into 20 ms frames.
  private readonly frameIn = Buffer.alloc(FRAME_SAMPLES);
  private pending: Buffer | null = null;
  private pendingOffset = 0;
  private pendingSilence = 0;
  private lastPacketLength = FRAME_SAMPLES;
  private pcmInValid = false;
  private readonly encodeOut = new Uint8Array(FRAME_SAMPLES);
  private readonly transcodeOut = new Uint8Array(FRAME_SAMPLES);
  private readonly sourcePcm = new Int16Array(FRAME_SAMPLES);
  private playing: AudioSource | null = null;
  private lastFrame = -1;
  private firstPacket = true;
  private otherPayloadTypes = 0;
  private framesSent = 0;
  private dtmfPacketsSent = 0;
  private closed = false;

  constructor(options: MediaLegOptions<T>) {
    super();
    this.id = options.id ?? defaultLegId();
    this.session = options.session;
    this.codec = options.codec;
    this.payloadType = payloadTypeOf(options.codec);
    this.telephoneEventPt = options.telephoneEventPt ?? null;
    this.session.payloadType = this.payloadType;
    this.jitter = new JitterBuffer(options.jitter);
    this.dtmfIn = new DtmfReceiver({
      clockRate: this.session.clockRate,
      onDigit: (event) => this.emit('digit', event),
      onStart: (digit) => this.emit('digit-start', digit),
    });
    this.dtmfOut = this.telephoneEventPt === null ? null : new DtmfSender({ payloadType: this.telephoneEventPt, clockRate: this.session.clockRate });
    this.session.setPacketHandler(this.onRtp);
    this.session.on('ssrc-change', this.onSsrcChange);
  }

  private readonly onRtp = (packet: RtpView): void => {
    const pt = packet.payloadType;
    if (pt === this.payloadType) {
      this.jitter.push(packet.sequenceNumber, packet.timestamp, packet.buffer, packet.payloadOffset, packet.payloadLength);
    } else if (pt === this.telephoneEventPt) {
      this.dtmfIn.push(packet.timestamp, packet.payload, packet.marker);
    } else {
      this.otherPayloadTypes++;
    }
  };

  private readonly onSsrcChange = (): void => {
    this.jitter.reset();
    this.pending = null;
    this.pendingSilence = 0;
  };

  /**
   * Tick step 1: takes this tick's frame from the jitter buffer. `frame` is the clock's frame
   * number; a jump (the clock skipped frames after a stall) advances the RTP timestamp to match.
   */
  receive(frame: number): void {
    if (this.lastFrame >= 0 && frame - this.lastFrame > 1) this.session.advanceTimestamp((frame - this.lastFrame - 1) * FRAME_SAMPLES);
    this.lastFrame = frame;
    this.inboundPayload = this.pullFrame();
    this.pcmInValid = false;
    this.dtmfIn.tick();
  }

  /**
   * The next 20 ms of received audio. A 20 ms packet is returned as is (no copy); packets of other
   * lengths are cut and joined into 160-byte frames, and a lost packet becomes as much silence as
   * the packet before it lasted. Null when nothing arrived for this tick.
   */
  private pullFrame(): Buffer | null {
    if (this.pending === null && this.pendingSilence === 0) {
      const packet = this.jitter.pull();
      if (packet === null) {
        if (!this.jitter.lastPullMissing || this.lastPacketLength === FRAME_SAMPLES) return null;
        this.pendingSilence = this.lastPacketLength;
      } else if (packet.length === FRAME_SAMPLES) {
        this.lastPacketLength = FRAME_SAMPLES;
        return packet;
      } else {
        this.lastPacketLength = packet.length || FRAME_SAMPLES;
        this.pending = packet;
        this.pendingOffset = 0;
      }
    }
    const out = this.frameIn;
    const silence = silenceCode(this.codec);
    let filled = 0;
    let audio = false;
    while (filled < FRAME_SAMPLES) {
      if (this.pendingSilence > 0) {
        const n = Math.min(this.pendingSilence, FRAME_SAMPLES - filled);
        out.fill(silence, filled, filled + n);
        filled += n;
        this.pendingSilence -= n;
        continue;
      }
      const pending = this.pending;
      if (pending !== null) {
        const n = Math.min(pending.length - this.pendingOffset, FRAME_SAMPLES - filled);
        pending.copy(out, filled, this.pendingOffset, this.pendingOffset + n);
        this.pendingOffset += n;
        filled += n;
        audio = audio || n > 0;
        if (this.pendingOffset >= pending.length) this.pending = null;
        continue;
      }
      const packet = this.jitter.pull();
      if (packet === null) {
        if (!this.jitter.lastPullMissing) break;
        this.pendingSilence = this.lastPacketLength;
        continue;
      }
      if (packet.length > 0) this.lastPacketLength = packet.length;
      this.pending = packet;
      this.pendingOffset = 0;
    }
    if (!audio) return null;
    if (filled < FRAME_SAMPLES) out.fill(silence, filled);
    return out;
  }

  /** This tick's received audio decoded to PCM (silence when nothing arrived); decoded once per tick. */
  inboundPcm(): Int16Array {
    if (!this.pcmInValid) {
      const payload = this.inboundPayload;
      if (payload) {
        const n = decodeG711(this.codec, payload, this.pcmIn);
        if (n < FRAME_SAMPLES) this.pcmIn.fill(0, n);
      } else {
        this.pcmIn.fill(0);
      }
      this.pcmInValid = true;
    }
    return this.pcmIn;
  }

  /** What the leg plays instead of the bridge (prompt, music on hold, tone); null = none. */
  get source(): AudioSource | null {
    return this.playing;
  }

  /** Plays `source` into this leg from the next tick (replacing any current source). */
  play(source: AudioSource): void {
    this.playing = source;
  }

  /** Stops the source without waiting for its end (it is not told; stop a PromptPlayer yourself). */
  stopSource(): void {
    const source = this.playing;
    this.playing = null;
    if (source) this.emit('source-ended', source);
  }

  /**
   * Tick step 2 when a source is playing: sends its next frame (pre-encoded when it can).
   * Returns false when there is no source or it just ended (nothing was sent: send something else).
   */
  sendFromSource(): boolean {
    const source = this.playing;
    if (!source) return false;
    if (this.dtmfTick()) return true; // the digit takes this tick; the source waits
    if (source.readEncoded) {
      const bytes = source.readEncoded(this.codec);
      if (bytes) {
        this.sendAudio(bytes);
        return true;
      }
    } else if (source.readPcm(this.sourcePcm)) {
      this.encodeAndSend(this.sourcePcm);
      return true;
    }
    this.playing = null;
    this.emit('source-ended', source);
    return false;
  }

  /** Tick step 2: sends a PCM frame (encoded to the leg's codec), or silence for null. */
  sendPcm(pcm: Int16Array | null): void {
    if (this.dtmfTick()) return;
    if (pcm) this.encodeAndSend(pcm);
    else this.sendAudio(SILENCE[this.codec]);
  }

  /** Tick step 2: sends a G.711 payload from another leg (transcoded when codecs differ), or silence. */
  sendEncoded(payload: Uint8Array | null, codec: G711Codec): void {
    if (this.dtmfTick()) return;
    if (!payload) this.sendAudio(SILENCE[this.codec]);
    else this.sendAudio(codec === this.codec ? payload : transcode(payload, payloadTypeOf(codec), this.payloadType, this.transcodeOut));
  }

  /** Tick step 2 with nothing to say: a silent frame (keeps NAT bindings and the peer's playout alive). */
  sendSilence(): void {
    this.sendPcm(null);
  }

  private encodeAndSend(pcm: Int16Array): void {
    const n = encodeG711(this.codec, pcm, this.encodeOut, 0, Math.min(pcm.length, FRAME_SAMPLES));
    if (n < FRAME_SAMPLES) this.encodeOut.fill(silenceCode(this.codec), n);
    this.sendAudio(this.encodeOut);
  }

  private sendAudio(payload: Uint8Array): void {
    this.session.sendFrame(payload, FRAME_SAMPLES, this.firstPacket);
    this.firstPacket = false;
    this.framesSent++;
  }

  private readonly dtmfSink = (payload: Uint8Array, marker: boolean, eventTimestamp: number): void => {
    this.session.send(payload, marker, this.telephoneEventPt!, eventTimestamp);
    this.dtmfPacketsSent++;
  };

  /** Runs the DTMF sender for this tick; true when it took the tick (timestamp advanced, no audio). */
  private dtmfTick(): boolean {
    const out = this.dtmfOut;
    if (out === null || !out.busy || !out.tick(this.session.timestamp, this.dtmfSink)) return false;
    this.session.advanceTimestamp(FRAME_SAMPLES);
    return true;
  }

  /** Queues RFC 4733 digits; throws MediaLegError when no telephone-event type was negotiated. */
  sendDigits(digits: string, options?: DtmfToneOptions): void {
    if (!this.dtmfOut) throw new MediaLegError(`leg ${this.id}: no telephone-event payload type was negotiated, cannot send DTMF`);
    this.dtmfOut.enqueue(digits, options);
  }

  stats(): MediaLegStats {
    return { otherPayloadTypes: this.otherPayloadTypes, framesSent: this.framesSent, dtmfPacketsSent: this.dtmfPacketsSent };
  }

  /** Detaches from the session and closes it (giving its port back). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dtmfIn.flush();
    this.session.setPacketHandler(null);
    this.session.off('ssrc-change', this.onSsrcChange);
    await this.session.close();
  }
}

/** A leg whatever carries its packets (what calls and the engine hold). */
export type AnyMediaLeg = MediaLeg<LegTransport>;
