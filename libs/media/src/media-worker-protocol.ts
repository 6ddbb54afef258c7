// Messages between MediaWorkerPool and its worker threads (structured-clone data only).
import { type MediaEngineApi, type MediaEngineEvent } from './media-engine';
import { type WebRtcSdpErrorReason } from './webrtc';

export type MediaWorkerMethod = Exclude<keyof MediaEngineApi, 'on'>;

/** Every method a worker serves; `satisfies` makes a method added to MediaEngineApi fail to compile until it is listed. */
const METHODS = {
  createCall: true,
  createLeg: true,
  updateLeg: true,
  removeLeg: true,
  createWebRtcLeg: true,
  completeWebRtcLeg: true,
  answerWebRtcOffer: true,
  renegotiateWebRtcLeg: true,
  play: true,
  stopPlayback: true,
  bridge: true,
  unbridge: true,
  setMode: true,
  sendDigits: true,
  startRecording: true,
  setRecordingSides: true,
  pauseRecording: true,
  resumeRecording: true,
  stopRecording: true,
  hangup: true,
  stats: true,
  close: true,
} as const satisfies Record<MediaWorkerMethod, true>;

export const MEDIA_WORKER_METHODS: readonly MediaWorkerMethod[] = Object.keys(METHODS) as MediaWorkerMethod[];

export interface MediaWorkerRequest {
  readonly id: number;
  readonly method: MediaWorkerMethod;
  readonly args: readonly unknown[];
}

export interface MediaWorkerError {
  readonly name: string;
  readonly message: string;
  /** MediaEngineError's reason for refusing an SDP, carried across the thread. */
  readonly sdpReason?: WebRtcSdpErrorReason;
}

export type MediaWorkerMessage =
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly error: MediaWorkerError }
  | { readonly kind: 'event'; readonly event: MediaEngineEvent };
