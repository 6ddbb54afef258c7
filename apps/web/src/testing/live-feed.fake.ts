import { type CallControl, type MonitorMode } from '../live/call-control';
import { type LiveFeed, type LiveFeedStatus, type LiveMessage } from '../live/live-feed';

/** Test-only: a live feed the test pushes messages into. */
export class FakeLiveFeed implements LiveFeed {
  private readonly listeners = new Set<(message: LiveMessage) => void>();
  private readonly statusListeners = new Set<(status: LiveFeedStatus) => void>();
  status: LiveFeedStatus = 'closed';
  starts = 0;
  stops = 0;
  retries = 0;

  start(): void {
    this.starts += 1;
    this.setStatus('open');
  }

  stop(): void {
    this.stops += 1;
    this.setStatus('closed');
  }

  retryNow(): void {
    this.retries += 1;
  }

  subscribe(listener: (message: LiveMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: (status: LiveFeedStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  push(message: LiveMessage): void {
    if (this.status !== 'open') throw new Error('FakeLiveFeed: pushed while not started (the dashboard did not start its feed)');
    for (const listener of this.listeners) listener(message);
  }

  setStatus(status: LiveFeedStatus): void {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }
}

/** Test-only: call control that records what the dashboard asked for. */
export class RecordingCallControl implements CallControl {
  readonly calls: { agentId: string; callId: string; mode: MonitorMode }[] = [];
  failWith: Error | null = null;

  async monitor(request: { agentId: string; callId: string; mode: MonitorMode }): Promise<void> {
    this.calls.push(request);
    if (this.failWith) throw this.failWith;
  }
}
