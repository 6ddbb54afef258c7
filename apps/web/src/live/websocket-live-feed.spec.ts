import { type LiveFeedStatus, type LiveMessage } from './live-feed';
import { liveSocketUrl, parseLiveFrame } from './live-wire';
import { WebSocketLiveFeed, type SocketLike } from './websocket-live-feed';
import { ManualTimers } from '../testing/manual-timers';

/** An in-memory socket the test opens, feeds and closes. */
class FakeSocket implements SocketLike {
  private readonly listeners: Record<string, ((event: never) => void)[]> = {};
  closedWith: number | null = null;
  readonly sent: string[] = [];
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(data);
  }
  addEventListener(type: string, listener: (event: never) => void): void {
    (this.listeners[type] ??= []).push(listener);
  }
  close(code?: number): void {
    this.closedWith = code ?? 1005;
  }
  emit(type: 'open' | 'message' | 'close', event: unknown = {}): void {
    for (const listener of this.listeners[type] ?? []) listener(event as never);
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const QUEUE_STATS = {
  queueId: 'sales',
  waiting: 3,
  longestWaitMs: 1000,
  agentsByState: { offline: 0, available: 1, reserved: 0, 'on-call': 0, 'after-call-work': 0, break: 0 },
  today: { day: '2025-06-02', answered: 1, answeredWithinThreshold: 1, abandoned: 0, abandonedWithinThreshold: 0, overflowed: 0, serviceLevel: 1, averageSpeedOfAnswerMs: 5 },
  asOf: '2025-06-02T10:00:00.000Z',
};

function setup(options: { ticket?: () => Promise<string>; isFatal?: (e: unknown) => boolean; greeting?: string } = {}) {
  const sockets: FakeSocket[] = [];
  const timers = new ManualTimers();
  const problems: string[] = [];
  let clock = 0;
  let tickets = 0;
  const feed = new WebSocketLiveFeed({
    ticket: options.ticket ?? (async () => `t${++tickets}`),
    url: (ticket) => `ws://host/api/v1/cti/ws?ticket=${ticket}`,
    connect: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    isFatal: options.isFatal,
    ...(options.greeting !== undefined ? { greeting: options.greeting } : {}),
    onProblem: (problem) => problems.push(problem),
    backoff: { initialMs: 1000, maxMs: 8000 },
    stableMs: 10_000,
    timers,
    now: () => clock,
    random: () => 1,
  });
  const messages: LiveMessage[] = [];
  const statuses: LiveFeedStatus[] = [];
  feed.subscribe((m) => messages.push(m));
  feed.onStatus((s) => statuses.push(s));
  return { feed, sockets, timers, problems, messages, statuses, advance: (ms: number) => (clock += ms) };
}

describe('WebSocketLiveFeed', () => {
  it('connects with a fresh ticket and delivers the dashboard messages it understands', async () => {
    const { feed, sockets, messages, statuses, problems } = setup();
    feed.start();
    await flush();
    expect(sockets.map((s) => s.url)).toEqual(['ws://host/api/v1/cti/ws?ticket=t1']);
    sockets[0]!.emit('open');
    sockets[0]!.emit('message', { data: JSON.stringify({ type: 'queue.stats', stats: QUEUE_STATS }) });
    sockets[0]!.emit('message', { data: JSON.stringify({ type: 'welcome', connectionId: 'c' }) });
    sockets[0]!.emit('message', { data: JSON.stringify({ type: 'queue.stats', stats: { queueId: 'sales' } }) });
    sockets[0]!.emit('message', { data: JSON.stringify({ type: 'agent.state', agentId: 'a1', from: 'available', to: 'on-call', reason: null, callId: 'c1', at: '2025-06-02T10:00:01.000Z' }) });
    expect(statuses).toEqual(['connecting', 'open']);
    expect(messages).toEqual([
      { type: 'queue.stats', stats: QUEUE_STATS },
      { type: 'agent.state', change: { agentId: 'a1', state: 'on-call', reason: null, callId: 'c1', since: '2025-06-02T10:00:01.000Z' } },
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('queue.stats: stats.waiting');
  });

  it('reconnects after a drop with doubling, capped delays and a new ticket each time; a healthy connection resets the delay', async () => {
    const { feed, sockets, timers, statuses, advance } = setup();
    feed.start();
    await flush();
    const delays: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      sockets.at(-1)!.emit('close', { code: 1006, reason: '' });
      delays.push(timers.fire());
      await flush();
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(sockets.map((s) => s.url.split('=')[1])).toEqual(['t1', 't2', 't3', 't4', 't5', 't6']);
    expect(statuses.at(-1)).toBe('reconnecting');
    sockets.at(-1)!.emit('open');
    advance(10_000);
    sockets.at(-1)!.emit('close', { code: 1001, reason: 'going away' });
    expect(timers.fire()).toBe(1000);
  });

  it('retries a failed ticket request, but stops when the session has ended', async () => {
    let calls = 0;
    const fatal = new Error('session ended');
    const { feed, timers, sockets, statuses } = setup({
      ticket: async () => {
        calls += 1;
        throw calls === 1 ? new Error('503') : fatal;
      },
      isFatal: (e) => e === fatal,
    });
    feed.start();
    await flush();
    expect(timers.pending).toHaveLength(1);
    timers.fire();
    await flush();
    expect(calls).toBe(2);
    expect(timers.pending).toHaveLength(0);
    expect(sockets).toHaveLength(0);
    expect(statuses.at(-1)).toBe('closed');
  });

  it('stop() closes the socket, ignores what it still sends and never reconnects', async () => {
    const { feed, sockets, timers, messages } = setup();
    feed.start();
    await flush();
    sockets[0]!.emit('open');
    feed.stop();
    expect(sockets[0]!.closedWith).toBe(1000);
    sockets[0]!.emit('message', { data: JSON.stringify({ type: 'queue.stats', stats: QUEUE_STATS }) });
    sockets[0]!.emit('close', { code: 1000, reason: '' });
    expect(messages).toEqual([]);
    expect(timers.pending).toEqual([]);
    expect(feed.status).toBe('closed');
  });
});

describe('WebSocketLiveFeed for an agent desktop', () => {
  it('asks for a resync on every open, the first and after a reconnect', async () => {
    const { feed, sockets, timers } = setup({ greeting: '{"type":"resync"}' });
    feed.start();
    await flush();
    sockets[0]!.emit('open');
    sockets[0]!.emit('close', { code: 1006, reason: '' });
    timers.fire();
    await flush();
    sockets[1]!.emit('open');
    expect(sockets.map((s) => s.sent)).toEqual([['{"type":"resync"}'], ['{"type":"resync"}']]);
  });

  it('stops for good when another desktop took over (4001): the takeover is told once and nothing reconnects', async () => {
    const { feed, sockets, timers, messages, statuses } = setup();
    feed.start();
    await flush();
    sockets[0]!.emit('open');
    sockets[0]!.emit('message', { data: '{"type":"session.replaced"}' });
    sockets[0]!.emit('close', { code: 4001, reason: 'another desktop of this agent took over' });
    expect(messages).toEqual([{ type: 'session.replaced' }]);
    expect(timers.pending).toEqual([]);
    expect(statuses.at(-1)).toBe('closed');
    expect(sockets).toHaveLength(1);
  });

  it('tells the takeover from the close code alone when the message was lost, and stops on a released seat (4003)', async () => {
    const replaced = setup();
    replaced.feed.start();
    await flush();
    replaced.sockets[0]!.emit('close', { code: 4001, reason: '' });
    expect(replaced.messages).toEqual([{ type: 'session.replaced' }]);
    const unseated = setup();
    unseated.feed.start();
    await flush();
    unseated.sockets[0]!.emit('close', { code: 4003, reason: 'the agent seat was released' });
    expect(unseated.messages).toEqual([]);
    expect(unseated.timers.pending).toEqual([]);
    expect(unseated.feed.status).toBe('closed');
  });

  it('retryNow() skips the rest of the reconnect wait (the network is back), and does nothing while connected', async () => {
    const { feed, sockets, timers } = setup();
    feed.start();
    await flush();
    feed.retryNow();
    await flush();
    expect(sockets).toHaveLength(1);
    sockets[0]!.emit('close', { code: 1006, reason: '' });
    expect(timers.pending).toHaveLength(1);
    feed.retryNow();
    await flush();
    expect(timers.pending).toHaveLength(0);
    expect(sockets).toHaveLength(2);
  });
});

describe('live wire format', () => {
  it('refuses frames that are not JSON objects with a type, and ignores types the dashboard does not use', () => {
    expect(parseLiveFrame('not json')).toEqual({ kind: 'invalid', reason: 'not JSON' });
    expect(parseLiveFrame('{}')).toEqual({ kind: 'invalid', reason: 'no "type"' });
    expect(parseLiveFrame(new ArrayBuffer(2))).toEqual({ kind: 'invalid', reason: 'not a text frame' });
    expect(parseLiveFrame('{"type":"welcome","connectionId":"c"}')).toEqual({ kind: 'ignored', type: 'welcome' });
    expect(parseLiveFrame('{"type":"offer"}')).toMatchObject({ kind: 'invalid' });
  });

  it('parses what the agent desktop gets: offer, pop, call state, takeover, and the after-call work end when sent', () => {
    const offer = { type: 'offer', callId: 'c1', queueId: 'sales', callerMasked: '138****5678', ringTimeoutMs: 20000, offerId: 'o1', offeredAt: '2025-06-02T10:00:00.000Z' };
    expect(parseLiveFrame(JSON.stringify(offer))).toEqual({ kind: 'message', message: { type: 'offer', offer: { callId: 'c1', queueId: 'sales', callerMasked: '138****5678', ringTimeoutMs: 20000, offerId: 'o1', offeredAt: '2025-06-02T10:00:00.000Z' } } });
    const pop = {
      callId: 'c1',
      queueId: 'sales',
      caller: { maskedNumber: '138****5678', canReveal: false },
      contact: null,
      lastCalls: [],
      openTickets: [],
      ivr: { attributes: { entry: 'menu' }, variables: { account: '1234' } },
      crm: { status: 'not-configured' },
      builtAt: '2025-06-02T10:00:00.000Z',
    };
    expect(parseLiveFrame(JSON.stringify({ type: 'pop', pop }))).toEqual({ kind: 'message', message: { type: 'pop', pop } });
    expect(parseLiveFrame(JSON.stringify({ type: 'call.state', callId: 'c1', state: 'ended', agentId: 'a1', at: '2025-06-02T10:01:00.000Z', reason: 'caller-hangup' }))).toEqual({
      kind: 'message',
      message: { type: 'call.state', change: { callId: 'c1', state: 'ended', agentId: 'a1', at: '2025-06-02T10:01:00.000Z', reason: 'caller-hangup' } },
    });
    expect(parseLiveFrame('{"type":"session.replaced"}')).toEqual({ kind: 'message', message: { type: 'session.replaced' } });
    const acw = { type: 'agent.state', agentId: 'a1', from: 'on-call', to: 'after-call-work', reason: null, callId: 'c1', at: '2025-06-02T10:01:00.000Z', acwEndsAt: '2025-06-02T10:01:30.000Z' };
    expect(parseLiveFrame(JSON.stringify(acw))).toMatchObject({ kind: 'message', message: { change: { state: 'after-call-work', acwEndsAt: '2025-06-02T10:01:30.000Z' } } });
  });

  it('names what is wrong in a malformed pop or offer', () => {
    expect(parseLiveFrame(JSON.stringify({ type: 'pop', pop: { callId: 'c1' } }))).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('pop.caller Invalid input') });
    expect(parseLiveFrame(JSON.stringify({ type: 'offer', callId: 'c1', offerId: 'o', queueId: 'q', offeredAt: 'yesterday' }))).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('offeredAt') });
  });

  it('builds the socket URL on the page host with the ticket escaped', () => {
    expect(liveSocketUrl({ protocol: 'https:', host: 'cc.example.com' }, 'a+b/c')).toBe('wss://cc.example.com/api/v1/cti/ws?ticket=a%2Bb%2Fc');
    expect(liveSocketUrl({ protocol: 'http:', host: 'localhost:8080' }, 't')).toBe('ws://localhost:8080/api/v1/cti/ws?ticket=t');
  });
});
