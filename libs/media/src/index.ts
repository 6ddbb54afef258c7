// @parley/media: the media engine: RTP/RTCP packets, the port pool, RTP sessions with
// symmetric-RTP latching and RFC 3550 statistics, G.711, RFC 4733 DTMF, the jitter buffer, the
// process media clock, legs (over RTP or WebRTC, see leg-transport.ts) and calls (bridge, mix,
// supervision), WAV prompts and the streaming stereo recorder, prompt playback, TTS, music on hold,
// tones and a Goertzel detector; and browser legs on werift (./webrtc).
export * from './audio-frame';
export * from './rtp-packet';
export * from './rtp-stats';
export * from './port-pool';
export * from './leg-transport';
export * from './rtp-session';
export * from './g711';
export * from './dtmf-rfc4733';
export * from './jitter-buffer';
export * from './media-clock';
export * from './tone';
export * from './goertzel';
export * from './mixer';
export * from './wav';
export * from './wav-recorder';
export * from './prompt-player';
export * from './music-on-hold';
export * from './tts';
export * from './media-leg';
export * from './media-call';
export * from './pcap-reader';
export * from './media-engine';
export * from './media-worker-pool';
export * from './webrtc';
