// Messages between MediaWorkerPool and its worker threads (structured-clone data only).
import { type MediaEngineApi, type MediaEngineEvent } from './media-engine';

export type MediaWorkerMethod = Exclude<keyof MediaEngineApi, 'on'>;

export const MEDIA_WORKER_METHODS: readonly MediaWorkerMethod[] = [
  'createCall',
  'createLeg',
  'updateLeg',
  'removeLeg',
  'play',
  'stopPlayback',
  'bridge',
  'unbridge',
  'setMode',
  'sendDigits',
  'startRecording',
  'pauseRecording',
  'resumeRecording',
  'stopRecording',
  'hangup',
  'stats',
  'close',
];

export interface MediaWorkerRequest {
  readonly id: number;
  readonly method: MediaWorkerMethod;
  readonly args: readonly unknown[];
}

export type MediaWorkerMessage =
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string } }
  | { readonly kind: 'event'; readonly event: MediaEngineEvent };
