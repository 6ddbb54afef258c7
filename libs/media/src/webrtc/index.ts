// Browser (WebRTC) audio legs on werift. Names that the engine already exports (G711Codec,
// DtmfDigit, PortPool) are the engine's own, so `export * from './webrtc'` adds no duplicates.
export { WebRtcSdpError, readAudioNegotiation, restrictAudioOffer, type AudioNegotiation, type MediaDirection, type SdpRole, type WebRtcSdpErrorReason } from './audio-sdp';
export {
  WebRtcLeg,
  WebRtcLegError,
  type AudioListener,
  type DtlsState,
  type DtmfListener,
  type IceMode,
  type RtpListener,
  type RtpPortAllocator,
  type StateListener,
  type Unsubscribe,
  type WebRtcLegErrorCode,
  type WebRtcLegLogger,
  type WebRtcLegOptions,
  type WebRtcLegState,
  type WebRtcLegStateChange,
  type WebRtcLegStats,
} from './webrtc-leg';
export { type InboundRtp } from './srtp-fast-path';
export { LEG_TELEPHONE_EVENT_PT, WebRtcLegTransport, type WebRtcLegTransportEvents, type WebRtcLegTransportOptions } from './webrtc-leg-transport';
