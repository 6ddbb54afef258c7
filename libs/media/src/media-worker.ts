// The entry of a media worker thread: one MediaEngine (own clock, sockets, port range) serving
// requests from MediaWorkerPool and forwarding its events. Not imported by anything else.
import { parentPort, workerData } from 'node:worker_threads';
import { MEDIA_WORKER_METHODS, type MediaWorkerRequest, type MediaWorkerMessage } from './media-worker-protocol';
import { MediaEngine, MediaEngineError, type MediaEngineOptions } from './media-engine';

const port = parentPort;
if (port) {
  const engine = new MediaEngine((workerData as { options: MediaEngineOptions }).options);
  const post = (message: MediaWorkerMessage): void => port.postMessage(message);
  engine.on('event', (event) => post({ kind: 'event', event }));
  port.on('message', (request: MediaWorkerRequest) => {
    void (async () => {
      try {
        if (!MEDIA_WORKER_METHODS.includes(request.method)) throw new Error(`unknown media engine method "${String(request.method)}"`);
        const method = engine[request.method] as (...args: unknown[]) => Promise<unknown>;
        const result = await method.apply(engine, [...request.args]);
        post({ kind: 'response', id: request.id, ok: true, result });
      } catch (error) {
        const e = error as Error;
        const sdpReason = error instanceof MediaEngineError ? error.sdpReason : undefined;
        post({ kind: 'response', id: request.id, ok: false, error: { name: e?.name ?? 'Error', message: e?.message ?? String(error), ...(sdpReason ? { sdpReason } : {}) } });
      }
    })();
  });
}
