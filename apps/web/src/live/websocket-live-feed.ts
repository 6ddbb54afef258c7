import { type LiveFeed, type LiveFeedStatus, type LiveMessage } from './live-feed';
import { closeOutcome, parseLiveFrame } from './live-wire';

/** The part of the browser's WebSocket the feed uses. */
export interface SocketLike {
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  close(code?: number, reason?: string): void;
  send(data: string): void;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WebSocketLiveFeedOptions {
  /** A fresh one-time ticket for each connection (`POST /api/v1/cti/ws-tickets`). */
  ticket(): Promise<string>;
  /** The socket URL for a ticket. */
  url(ticket: string): string;
  connect(url: string): SocketLike;
  /** A frame sent on every open, before anything else (the agent desktop's resync request). */
  greeting?: string;
  /** Errors after which retrying is pointless (the session has ended): the feed closes. */
  isFatal?(error: unknown): boolean;
  /** Told about malformed frames and failed connections (for the console). */
  onProblem?(problem: string, cause?: unknown): void;
  /** Reconnect delays: doubling from `initialMs` up to `maxMs`, each with jitter (default 1 s .. 30 s). */
  backoff?: { initialMs: number; maxMs: number };
  /** A connection open at least this long counts as healthy: the next delay starts again from `initialMs` (default 10 s). */
  stableMs?: number;
  timers?: Timers;
  now?: () => number;
  random?: () => number;
}

const browserTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The live feed over the cti WebSocket: one connection at a time, each with its own ticket; when it
 * drops (or cannot be made) it is made again after a growing, capped, jittered delay, so a server
 * restart is not met by every dashboard at the same instant.
 */
export class WebSocketLiveFeed implements LiveFeed {
  private readonly listeners = new Set<(message: LiveMessage) => void>();
  private readonly statusListeners = new Set<(status: LiveFeedStatus) => void>();
  private current: LiveFeedStatus = 'closed';
  private started = false;
  private socket: SocketLike | null = null;
  private retry: unknown = null;
  private failures = 0;
  private openedAt: number | null = null;
  private replacedTold = false;
  private readonly timers: Timers;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: WebSocketLiveFeedOptions) {
    this.timers = options.timers ?? browserTimers;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  get status(): LiveFeedStatus {
    return this.current;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.setStatus('connecting');
    void this.connect();
  }

  stop(): void {
    this.started = false;
    if (this.retry !== null) this.timers.clearTimeout(this.retry);
    this.retry = null;
    const socket = this.socket;
    this.socket = null;
    // Its listeners see it is no longer the current socket and do nothing.
    socket?.close(1000, 'dashboard closed');
    this.setStatus('closed');
  }

  retryNow(): void {
    if (!this.started || this.retry === null) return;
    this.timers.clearTimeout(this.retry);
    this.retry = null;
    void this.connect();
  }

  subscribe(listener: (message: LiveMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: (status: LiveFeedStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** The delay before reconnect attempt `failures` (1-based). */
  nextDelayMs(failures: number): number {
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 1000, maxMs: 30_000 };
    const base = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 20));
    return Math.round(base * (0.5 + this.random() / 2));
  }

  private async connect(): Promise<void> {
    let ticket: string;
    try {
      ticket = await this.options.ticket();
    } catch (error) {
      if (!this.started) return;
      if (this.options.isFatal?.(error)) {
        this.options.onProblem?.('the live feed stopped: the session has ended', error);
        this.stop();
        return;
      }
      this.options.onProblem?.('could not get a live feed ticket', error);
      this.scheduleReconnect();
      return;
    }
    if (!this.started) return;
    const socket = this.options.connect(this.options.url(ticket));
    this.socket = socket;
    // An error event is always followed by a close event, which decides what happens next.
    socket.addEventListener('open', () => {
      if (this.socket !== socket) return;
      this.openedAt = this.now();
      if (this.options.greeting !== undefined) socket.send(this.options.greeting);
      this.setStatus('open');
    });
    socket.addEventListener('message', (event) => {
      if (this.socket === socket) this.receive(event.data);
    });
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.openedAt !== null && this.now() - this.openedAt >= (this.options.stableMs ?? 10_000)) this.failures = 0;
      this.openedAt = null;
      this.options.onProblem?.(`the live feed closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`);
      const outcome = closeOutcome(event.code);
      if (outcome === 'reconnect') {
        if (this.started) this.scheduleReconnect();
        return;
      }
      // Reconnecting would take the agent's desktop back from the one that replaced it (or fail: no seat).
      if (outcome === 'replaced' && !this.replacedTold) this.deliver({ type: 'session.replaced' });
      this.stop();
    });
  }

  private scheduleReconnect(): void {
    this.failures += 1;
    this.setStatus('reconnecting');
    this.retry = this.timers.setTimeout(() => {
      this.retry = null;
      if (this.started) void this.connect();
    }, this.nextDelayMs(this.failures));
  }

  private receive(data: unknown): void {
    const frame = parseLiveFrame(data);
    if (frame.kind === 'invalid') this.options.onProblem?.(`a live frame was not understood: ${frame.reason}`);
    if (frame.kind !== 'message') return;
    this.deliver(frame.message);
  }

  private deliver(message: LiveMessage): void {
    if (message.type === 'session.replaced') this.replacedTold = true;
    for (const listener of this.listeners) listener(message);
  }

  private setStatus(status: LiveFeedStatus): void {
    if (status === this.current) return;
    this.current = status;
    for (const listener of this.statusListeners) listener(status);
  }
}
