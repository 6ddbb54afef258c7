// One browser audio leg: ICE + DTLS-SRTP with werift, G.711 in 20 ms frames, RFC 4733 DTMF, hold
// through re-offers, and its own RTCP reports. The leg speaks SDP strings; carrying them (SIP over
// WebSocket, HTTP) is the caller's job.
//
// werift does signalling, ICE and DTLS. Media bypasses its RTCRtpSender/RTCRtpReceiver: the sender
// rewrites every payload type to the first negotiated codec (RFC 4733 packets would go out as
// PCMU), and both cost several objects and two bit-level header parses per packet. The leg keeps
// one RTP sequence space and clock for audio and events, and once DTLS is up uses the lean
// AES-GCM paths of srtp-fast-path.ts (werift's own transport path before that, or for other
// SRTP profiles). See werift-fixes.ts for the configuration fixes.
import {
  ntpTime,
  RTCPeerConnection,
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtcpSenderInfo,
  RtcpSourceDescriptionPacket,
  RtcpSrPacket,
  RtpHeader,
  SourceDescriptionChunk,
  SourceDescriptionItem,
  type MediaStreamTrack,
  type RTCDtlsTransport,
  type RTCRtpTransceiver,
} from 'werift';
import {
  directionReceives,
  directionSends,
  isMediaDirection,
  readAudioNegotiation,
  restrictAudioOffer,
  type AudioNegotiation,
  type G711Codec,
  type MediaDirection,
} from './audio-sdp';
import { dtmfDigitToEvent, encodeTelephoneEvent, isDtmfDigitValue, TelephoneEventReceiver, type DtmfDigit } from './rfc4733';
import { buildPeerConfig, disableStunFallback, preferDtlsServerRole, prepareSrtpKeys } from './werift-fixes';
import { ReceptionStatistics } from './reception-statistics';
import { SrtpReceivePath, SrtpSendPath, type InboundRtp } from './srtp-fast-path';

/** Where a leg gets its UDP port: the media engine's RTP PortPool (even ports of the RTP range). */
export interface RtpPortAllocator {
  /** An even port nobody else holds (the odd one above it is reserved with it); throws when none is left. */
  acquire(): number;
  release(port: number): unknown;
}

export type WebRtcLegState = 'new' | 'connecting' | 'connected' | 'failed' | 'closed';
/** The states a leg reports through onStateChange (it starts in 'new' and never returns to it). */
export type WebRtcLegStateChange = Exclude<WebRtcLegState, 'new'>;
export type IceMode = 'full' | 'lite';
export type DtlsState = 'new' | 'connecting' | 'connected' | 'failed' | 'closed';

export interface WebRtcLegLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface WebRtcLegOptions {
  /** Address advertised in the ICE host candidate (the public address in production). Default 127.0.0.1. */
  address?: string;
  /** Local address to bind; defaults to `address`. Set it (e.g. to 0.0.0.0) when `address` is a 1:1 NAT address. */
  bindAddress?: string;
  /** The RTP port pool shared with the other media legs; without one the OS picks an ephemeral port. */
  portPool?: RtpPortAllocator;
  /** 'full' (default) works with any peer; 'lite' answers checks only (the browser must be full ICE). */
  ice?: IceMode;
  /** G.711 codecs to accept, in order of preference when offering. Default pcmu, pcma. */
  codecs?: readonly G711Codec[];
  /** A leg not connected this long after the first description is applied turns 'failed'. Default 15 s. */
  connectTimeoutMs?: number;
  logger?: WebRtcLegLogger;
}

export interface WebRtcLegStats {
  state: WebRtcLegState;
  dtlsState: DtlsState;
  iceState: string;
  /** Audio and telephone-event RTP packets handed to SRTP. */
  packetsSent: number;
  /** RTP payload bytes of those packets. */
  bytesSent: number;
  /** Audio and telephone-event RTP packets received (after SRTP), while receiving was allowed. */
  packetsReceived: number;
  bytesReceived: number;
  dtmfSent: number;
  dtmfReceived: number;
  /** 'lean' once the SRTP-GCM fast paths took over RTP from werift's own (after DTLS connects). */
  receivePath: 'werift' | 'lean';
  sendPath: 'werift' | 'lean';
  /** Inbound SRTP packets dropped by the lean path (failed authentication, malformed). */
  srtpDropped: number;
  /** Packets lost from the current remote source (RFC 3550 cumulative count). */
  packetsLost: number;
}

export type WebRtcLegErrorCode = 'closed' | 'invalid-state' | 'not-connected' | 'no-telephone-event' | 'invalid-argument';

export class WebRtcLegError extends Error {
  constructor(
    readonly code: WebRtcLegErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WebRtcLegError';
  }
}

export type AudioListener = (payload: Buffer, payloadType: number, timestamp: number, sequenceNumber: number) => void;
/**
 * Every received audio and telephone-event packet the leg accepts (negotiated payload type, direction
 * receives), with its payload type as on the wire. The object is the leg's: read it before returning.
 */
export type RtpListener = (rtp: InboundRtp) => void;
export type DtmfListener = (digit: DtmfDigit, durationMs: number) => void;
export type StateListener = (state: WebRtcLegStateChange) => void;
export type Unsubscribe = () => void;

const DTMF_PACKET_INTERVAL_MS = 20;
const DTMF_END_REPEATS = 3;
const DTMF_VOLUME = 10;
const SAMPLES_PER_MS = 8;
/** RTCP: first report soon after connecting, then every 5 s on average (RFC 3550 §6.2, randomised). */
const RTCP_FIRST_REPORT_MS = 1000;
const RTCP_INTERVAL_MS = 5000;

export class WebRtcLeg {
  private readonly pc: RTCPeerConnection;
  private readonly port: number | undefined;
  private readonly codecs: readonly G711Codec[];
  private readonly audioListeners = new Set<AudioListener>();
  private readonly rtpListeners = new Set<RtpListener>();
  private readonly dtmfListeners = new Set<DtmfListener>();
  private readonly stateListeners = new Set<StateListener>();
  private readonly subscribedTracks = new WeakSet<MediaStreamTrack>();
  private readonly fastTransports = new WeakSet<RTCDtlsTransport>();
  private readonly receivePaths: SrtpReceivePath[] = [];
  private sendPath: { transport: RTCDtlsTransport; path: SrtpSendPath } | undefined;
  private readonly reception = new ReceptionStatistics();
  private rtcpTimer: NodeJS.Timeout | undefined;
  private packetsSentAtLastReport = 0;
  /** Pending DTMF pacing timers and their resolvers (close() ends them at once). */
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private readonly dtmfReceiver = new TelephoneEventReceiver();
  private transceiver: RTCRtpTransceiver | undefined;
  private negotiation: AudioNegotiation | undefined;
  private desiredDirection: MediaDirection = 'sendrecv';
  private currentState: WebRtcLegState = 'new';
  private negotiating = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private dtmfQueue: Promise<void> = Promise.resolve();
  private dtmfActive = false;
  // RTP sender state: one sequence space and one clock for audio and telephone events.
  private sequenceNumber = Math.floor(Math.random() * 0x10000);
  /** Next audio timestamp, not wrapped (written as uint32 on the wire). */
  private clock = Math.floor(Math.random() * 0x7fffffff);
  private startOfTalkspurt = true;
  /** For werift's send path, reused for every packet: werift serializes it synchronously. */
  private readonly header = new RtpHeader();
  private readonly counters = { packetsSent: 0, bytesSent: 0, packetsReceived: 0, bytesReceived: 0, dtmfSent: 0, dtmfReceived: 0 };

  constructor(private readonly options: WebRtcLegOptions = {}) {
    const address = options.address ?? '127.0.0.1';
    this.codecs = options.codecs ?? ['pcmu', 'pcma'];
    if (this.codecs.length === 0) throw new WebRtcLegError('invalid-argument', 'codecs must name at least one of pcmu, pcma');
    this.port = options.portPool?.acquire();
    try {
      this.pc = new RTCPeerConnection(
        buildPeerConfig({ address, bindAddress: options.bindAddress ?? address, port: this.port, iceLite: options.ice === 'lite', codecs: this.codecs }),
      );
    } catch (error) {
      if (this.port !== undefined) options.portPool?.release(this.port);
      throw error;
    }
    // Subscribe before any setRemoteDescription: werift fires onTrack inside that call.
    this.pc.onTrack.subscribe((track) => this.subscribeTrack(track));
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        for (const transport of this.pc.dtlsTransports) this.speedUpSrtp(transport);
        this.setState('connected');
        if (!this.rtcpTimer) this.scheduleRtcp(RTCP_FIRST_REPORT_MS);
      } else if (state === 'failed') this.setState('failed');
      else if (state === 'connecting' && this.currentState === 'new') this.setState('connecting');
    });
  }

  get state(): WebRtcLegState {
    return this.currentState;
  }

  /** What the last completed offer/answer settled on; undefined until then. */
  get negotiated(): AudioNegotiation | undefined {
    return this.negotiation;
  }

  /** The direction asked for with setDirection (what the next offer or answer will carry). */
  get direction(): MediaDirection {
    return this.desiredDirection;
  }

  get localDescription(): string | undefined {
    return this.pc.localDescription?.sdp;
  }

  onAudio(listener: AudioListener): Unsubscribe {
    this.audioListeners.add(listener);
    return () => this.audioListeners.delete(listener);
  }

  /** Raw inbound RTP after the leg's checks (for a driver with its own jitter buffer and DTMF receiver). */
  onRtp(listener: RtpListener): Unsubscribe {
    this.rtpListeners.add(listener);
    return () => this.rtpListeners.delete(listener);
  }

  onDtmf(listener: DtmfListener): Unsubscribe {
    this.dtmfListeners.add(listener);
    return () => this.dtmfListeners.delete(listener);
  }

  onStateChange(listener: StateListener): Unsubscribe {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** The server calls the agent: returns the local offer (also for re-offers, e.g. after setDirection). */
  async createOffer(): Promise<string> {
    return this.negotiate(async () => {
      if (this.pc.signalingState !== 'stable') throw new WebRtcLegError('invalid-state', `cannot offer in signaling state ${this.pc.signalingState}`);
      if (!this.transceiver) this.transceiver = this.pc.addTransceiver('audio', { direction: this.desiredDirection });
      else this.transceiver.setDirection(this.desiredDirection);
      const offer = await this.pc.createOffer();
      disableStunFallback(this.pc);
      await this.pc.setLocalDescription(offer);
      this.startConnectTimer();
      return this.requireLocalSdp();
    });
  }

  /** Completes an exchange this leg started with createOffer. */
  async acceptAnswer(sdp: string): Promise<AudioNegotiation> {
    return this.negotiate(async () => {
      if (this.pc.signalingState !== 'have-local-offer') {
        throw new WebRtcLegError('invalid-state', `no offer of ours is waiting for an answer (signaling state ${this.pc.signalingState})`);
      }
      const local = this.requireLocalSdp();
      // Validate before werift sees it, so a bad answer leaves the leg as it was.
      const negotiation = readAudioNegotiation({ local, remote: sdp, localRole: 'offerer' });
      await this.pc.setRemoteDescription({ type: 'answer', sdp });
      this.applyNegotiation(negotiation);
      return negotiation;
    });
  }

  /** The browser called out (jssip's INVITE carries the offer): returns our answer. */
  async answerOffer(remoteSdp: string): Promise<string> {
    return this.negotiate(() => this.answer(remoteSdp));
  }

  /** Answers a re-offer on an established leg (hold/resume from the browser, session refresh). */
  async answerReoffer(remoteSdp: string): Promise<string> {
    return this.negotiate(async () => {
      if (!this.negotiation) throw new WebRtcLegError('invalid-state', 'answerReoffer needs a completed first exchange; use answerOffer');
      return this.answer(remoteSdp);
    });
  }

  /**
   * Sets the direction for hold/resume ('sendonly' holds the remote, 'inactive' stops both ways).
   * Takes effect on our side at once (sendAudio/sendDtmf stop, inbound audio is dropped when not
   * receiving) and is signalled by the next createOffer() or answerReoffer().
   */
  setDirection(direction: MediaDirection): void {
    if (!isMediaDirection(direction)) throw new WebRtcLegError('invalid-argument', `direction must be sendrecv, sendonly, recvonly or inactive, got ${String(direction)}`);
    this.assertOpen();
    this.desiredDirection = direction;
    this.transceiver?.setDirection(direction);
    if (!directionSends(direction)) this.startOfTalkspurt = true;
  }

  /**
   * Sends one G.711 frame (160 bytes = 20 ms at 8 kHz) with the negotiated payload type. The RTP
   * timestamp advances by the payload length unless given. Returns false when the frame was not
   * sent: not connected yet, on hold, or a DTMF event is being played.
   */
  sendAudio(payload: Buffer, timestamp?: number): boolean {
    const negotiation = this.negotiation;
    if (timestamp !== undefined) this.clock = timestamp;
    const frameTimestamp = this.clock;
    this.clock += payload.length;
    if (!negotiation || !this.canSend() || this.dtmfActive) {
      if (!this.dtmfActive) this.startOfTalkspurt = true;
      return false;
    }
    const marker = this.startOfTalkspurt;
    this.startOfTalkspurt = false;
    this.sendRtp(negotiation.payloadType, payload, frameTimestamp, marker);
    return true;
  }

  /**
   * Sends one RTP packet as given — payload type (one the remote accepted), timestamp and marker —
   * in the leg's sequence space: for a driver that keeps its own media clock (the media engine's
   * legs). Returns false, sending nothing, when sendAudio would: not connected, the direction does
   * not send (hold), or sendDtmf is playing a digit.
   */
  sendRtpPacket(payloadType: number, payload: Uint8Array, timestamp: number, marker: boolean): boolean {
    const negotiation = this.negotiation;
    if (negotiation === undefined || this.dtmfActive || !this.canSend()) return false;
    const ts = timestamp >>> 0;
    this.sendRtp(payloadType & 0x7f, payload, ts, marker);
    // Our RTCP sender reports carry the media clock: follow the driver's.
    if (payloadType !== negotiation.telephoneEventPayloadType) this.clock = ts + payload.length;
    return true;
  }

  /**
   * Plays one digit as RFC 4733 events (packets every 20 ms, three end packets) with the negotiated
   * telephone-event payload type. Digits queue; the promise settles when this digit is done.
   */
  sendDtmf(digit: DtmfDigit, durationMs = 100): Promise<void> {
    if (!isDtmfDigitValue(digit)) return Promise.reject(new WebRtcLegError('invalid-argument', `not a DTMF digit: ${String(digit)}`));
    if (!Number.isFinite(durationMs) || durationMs < 40 || durationMs > 8000) {
      return Promise.reject(new WebRtcLegError('invalid-argument', `DTMF duration must be 40-8000 ms, got ${durationMs}`));
    }
    const played = this.dtmfQueue.then(() => this.playDtmf(digit, durationMs));
    this.dtmfQueue = played.catch(() => undefined);
    return played;
  }

  stats(): WebRtcLegStats {
    return {
      state: this.currentState,
      dtlsState: this.transceiver?.dtlsTransport?.state ?? 'new',
      iceState: this.pc.iceConnectionState,
      ...this.counters,
      receivePath: this.receivePaths.length > 0 ? 'lean' : 'werift',
      sendPath: this.sendPath ? 'lean' : 'werift',
      srtpDropped: this.receivePaths.reduce((sum, path) => sum + path.dropped, 0),
      packetsLost: this.reception.packetsLost,
    };
  }

  async close(): Promise<void> {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.clearConnectTimer();
    clearTimeout(this.rtcpTimer);
    for (const [timer, resolve] of this.waits) {
      clearTimeout(timer);
      resolve();
    }
    this.waits.clear();
    try {
      await this.pc.close();
    } finally {
      if (this.port !== undefined) this.options.portPool?.release(this.port);
      this.emitState('closed');
      this.audioListeners.clear();
      this.rtpListeners.clear();
      this.dtmfListeners.clear();
      this.stateListeners.clear();
    }
  }

  private async answer(remoteSdp: string): Promise<string> {
    if (this.pc.signalingState !== 'stable') {
      throw new WebRtcLegError('invalid-state', `cannot answer in signaling state ${this.pc.signalingState} (offer collision)`);
    }
    const offer = restrictAudioOffer(remoteSdp, this.codecs);
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer });
    const transceiver = this.pc.getTransceivers().find((candidate) => candidate.kind === 'audio' && !candidate.stopped);
    if (!transceiver) throw new WebRtcLegError('invalid-state', 'werift created no audio transceiver for the offer');
    this.transceiver = transceiver;
    // werift answers recvonly unless told otherwise: the browser would then play silence.
    transceiver.setDirection(this.desiredDirection);
    disableStunFallback(this.pc);
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription({ type: 'answer', sdp: preferDtlsServerRole(answer.sdp, offer) });
    const local = this.requireLocalSdp();
    this.applyNegotiation(readAudioNegotiation({ local, remote: offer, localRole: 'answerer' }));
    this.startConnectTimer();
    return local;
  }

  private async negotiate<T>(step: () => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.negotiating) throw new WebRtcLegError('invalid-state', 'another offer/answer step is in progress on this leg');
    this.negotiating = true;
    try {
      return await step();
    } finally {
      this.negotiating = false;
    }
  }

  private applyNegotiation(negotiation: AudioNegotiation): void {
    const previous = this.negotiation;
    this.negotiation = negotiation;
    if (!previous || !directionSends(previous.direction)) this.startOfTalkspurt = true;
  }

  private canSend(): boolean {
    const negotiation = this.negotiation;
    return (
      negotiation !== undefined &&
      this.currentState === 'connected' &&
      directionSends(this.desiredDirection) &&
      directionSends(negotiation.direction) &&
      this.transceiver?.dtlsTransport?.state === 'connected'
    );
  }

  private canReceive(): boolean {
    const negotiation = this.negotiation;
    return negotiation !== undefined && directionReceives(this.desiredDirection) && directionReceives(negotiation.direction);
  }

  private sendRtp(payloadType: number, payload: Uint8Array, timestamp: number, marker: boolean): void {
    const sender = this.transceiver?.sender;
    if (!sender) return;
    const sequenceNumber = this.sequenceNumber;
    this.sequenceNumber = (sequenceNumber + 1) & 0xffff;
    this.counters.packetsSent++;
    this.counters.bytesSent += payload.length;
    if (this.sendPath?.transport === sender.dtlsTransport) {
      this.sendPath.path.send({ payloadType, sequenceNumber, timestamp, ssrc: sender.ssrc, marker, payload });
      return;
    }
    const header = this.header;
    header.payloadType = payloadType;
    header.sequenceNumber = sequenceNumber;
    header.timestamp = timestamp >>> 0;
    header.ssrc = sender.ssrc;
    header.marker = marker;
    // RTCDtlsTransport.sendRtp never rejects (send errors are logged by werift and dropped, as UDP).
    void sender.dtlsTransport.sendRtp(Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), header);
  }

  private async playDtmf(digit: DtmfDigit, durationMs: number): Promise<void> {
    this.assertOpen();
    const payloadType = this.negotiation?.telephoneEventPayloadType;
    if (this.negotiation && payloadType === undefined) {
      throw new WebRtcLegError('no-telephone-event', 'the remote side did not accept telephone-event/8000; send DTMF another way (SIP INFO)');
    }
    if (payloadType === undefined || !this.canSend()) {
      throw new WebRtcLegError('not-connected', `cannot send DTMF while the leg is ${this.currentState} with direction ${this.negotiation?.direction ?? 'unnegotiated'}`);
    }
    const event = dtmfDigitToEvent(digit);
    const total = Math.round(durationMs * SAMPLES_PER_MS);
    const step = DTMF_PACKET_INTERVAL_MS * SAMPLES_PER_MS;
    const eventTimestamp = this.clock;
    this.dtmfActive = true;
    try {
      let first = true;
      for (let duration = step; duration < total; duration += step) {
        this.assertStillSending(digit);
        this.sendRtp(payloadType, encodeTelephoneEvent({ event, end: false, volume: DTMF_VOLUME, duration }), eventTimestamp, first);
        first = false;
        await this.wait(DTMF_PACKET_INTERVAL_MS);
      }
      for (let repeat = 0; repeat < DTMF_END_REPEATS; repeat++) {
        this.assertStillSending(digit);
        this.sendRtp(payloadType, encodeTelephoneEvent({ event, end: true, volume: DTMF_VOLUME, duration: total }), eventTimestamp, first);
        first = false;
        if (repeat < DTMF_END_REPEATS - 1) await this.wait(DTMF_PACKET_INTERVAL_MS);
      }
      this.counters.dtmfSent++;
    } finally {
      this.dtmfActive = false;
      // Audio resumes after the event, never inside it, even if no frames were offered meanwhile.
      this.clock = Math.max(this.clock, eventTimestamp + total);
      this.startOfTalkspurt = true;
    }
  }

  /** A digit cut short (leg closed, put on hold or failed) rejects its sendDtmf promise. */
  private assertStillSending(digit: DtmfDigit): void {
    if (this.currentState === 'closed') throw new WebRtcLegError('closed', `the leg closed while sending DTMF ${digit}`);
    if (!this.canSend()) throw new WebRtcLegError('not-connected', `sending stopped (hold or failure) during DTMF ${digit}`);
  }

  /** Resolves after `ms`, or at once when the leg closes (close() clears these timers). */
  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.currentState === 'closed') return resolve();
      const timer = setTimeout(() => {
        this.waits.delete(timer);
        resolve();
      }, ms);
      this.waits.set(timer, resolve);
    });
  }

  /** Prepared AES keys for werift's SRTP, and the lean receive path in front of werift's. */
  private speedUpSrtp(transport: RTCDtlsTransport): void {
    if (this.fastTransports.has(transport)) return;
    this.fastTransports.add(transport);
    prepareSrtpKeys(transport);
    const path = SrtpReceivePath.install(transport, (rtp) => this.handleRtp(rtp));
    if (path) this.receivePaths.push(path);
    const sendPath = SrtpSendPath.create(transport);
    if (sendPath) this.sendPath = { transport, path: sendPath };
    transport.onRtcp.subscribe((packet) => {
      if (packet instanceof RtcpSrPacket) this.reception.onSenderReport(packet.ssrc, packet.senderInfo.ntpTimestamp, performance.now());
    });
  }

  /**
   * Our RTCP, since the leg bypasses werift's sender and receiver: a sender report while we send
   * (packet and octet counts, NTP/RTP timestamps), else a receiver report, each with the report
   * block for the remote source and our CNAME, so the browser can show loss, jitter and RTT.
   */
  private scheduleRtcp(delayMs: number): void {
    this.rtcpTimer = setTimeout(() => {
      this.sendRtcp();
      this.scheduleRtcp(RTCP_INTERVAL_MS * (0.5 + Math.random()));
    }, delayMs);
    this.rtcpTimer.unref();
  }

  private sendRtcp(): void {
    const sender = this.transceiver?.sender;
    const transport = sender?.dtlsTransport;
    if (!sender || transport?.state !== 'connected' || this.currentState !== 'connected') return;
    const block = this.reception.reportBlock(performance.now());
    const reports = block ? [new RtcpReceiverInfo(block)] : [];
    const sending = this.counters.packetsSent > this.packetsSentAtLastReport;
    this.packetsSentAtLastReport = this.counters.packetsSent;
    const report = sending
      ? new RtcpSrPacket({
          ssrc: sender.ssrc,
          senderInfo: new RtcpSenderInfo({ ntpTimestamp: ntpTime(), rtpTimestamp: this.clock >>> 0, packetCount: this.counters.packetsSent >>> 0, octetCount: this.counters.bytesSent >>> 0 }),
          reports,
        })
      : new RtcpRrPacket({ ssrc: sender.ssrc, reports });
    const cname = new RtcpSourceDescriptionPacket({
      chunks: [new SourceDescriptionChunk({ source: sender.ssrc, items: [new SourceDescriptionItem({ type: 1, text: this.pc.cname })] })],
    });
    transport.sendRtcp([report, cname]).catch(() => undefined);
  }

  /** werift's own receive path: used until the lean one is installed, and for non-GCM profiles. */
  private subscribeTrack(track: MediaStreamTrack): void {
    if (this.subscribedTracks.has(track)) return;
    this.subscribedTracks.add(track);
    track.onReceiveRtp.subscribe(({ header, payload }) =>
      this.handleRtp({ payloadType: header.payloadType, sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, ssrc: header.ssrc, marker: header.marker, payload }),
    );
  }

  private handleRtp(rtp: InboundRtp): void {
    const negotiation = this.negotiation;
    if (!negotiation || this.currentState === 'closed') return;
    this.reception.onPacket(rtp.ssrc, rtp.sequenceNumber, rtp.timestamp, performance.now(), rtp.payloadType !== negotiation.receiveTelephoneEventPayloadType);
    if (!this.canReceive()) return;
    const { payloadType, timestamp, sequenceNumber } = rtp;
    if (payloadType === negotiation.receiveTelephoneEventPayloadType) {
      this.counters.packetsReceived++;
      this.counters.bytesReceived += rtp.payload.length;
      if (this.rtpListeners.size > 0) this.emitRtp(rtp);
      for (const pressed of this.dtmfReceiver.push(rtp.payload, timestamp)) {
        this.counters.dtmfReceived++;
        for (const listener of this.dtmfListeners) this.call(() => listener(pressed.digit, pressed.durationMs), 'dtmf');
      }
      return;
    }
    if (!negotiation.receiveAudioPayloadTypes.has(payloadType)) return;
    this.counters.packetsReceived++;
    this.counters.bytesReceived += rtp.payload.length;
    if (this.rtpListeners.size > 0) this.emitRtp(rtp);
    for (const listener of this.audioListeners) this.call(() => listener(rtp.payload, payloadType, timestamp, sequenceNumber), 'audio');
  }

  /** Per packet: listeners are called directly (no closure), each guarded like the others. */
  private emitRtp(rtp: InboundRtp): void {
    for (const listener of this.rtpListeners) {
      try {
        listener(rtp);
      } catch (error) {
        this.options.logger?.warn({ err: error, event: 'rtp' }, 'a WebRtcLeg listener threw');
      }
    }
  }

  private setState(state: WebRtcLegStateChange): void {
    if (this.currentState === 'closed' || this.currentState === state) return;
    if (this.currentState === 'failed' && state !== 'connected') return;
    this.currentState = state;
    if (state === 'connected' || state === 'failed') this.clearConnectTimer();
    this.emitState(state);
  }

  private emitState(state: WebRtcLegStateChange): void {
    for (const listener of this.stateListeners) this.call(() => listener(state), 'state');
  }

  private call(run: () => void, event: string): void {
    try {
      run();
    } catch (error) {
      this.options.logger?.warn({ err: error, event }, 'a WebRtcLeg listener threw');
    }
  }

  private startConnectTimer(): void {
    if (this.currentState === 'new') this.setState('connecting');
    if (this.connectTimer || this.currentState !== 'connecting') return;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      if (this.currentState === 'connecting') this.setState('failed');
    }, this.options.connectTimeoutMs ?? 15_000);
    this.connectTimer.unref();
  }

  private clearConnectTimer(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }

  private requireLocalSdp(): string {
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new WebRtcLegError('invalid-state', 'werift produced no local description');
    return sdp;
  }

  private assertOpen(): void {
    if (this.currentState === 'closed') throw new WebRtcLegError('closed', 'the leg is closed');
  }
}
