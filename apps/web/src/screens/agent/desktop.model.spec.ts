import { type LiveMessage } from '../../live/live-feed';
import { type PhoneCall } from '../../softphone/phone';
import { desktopView, initialDesktop, reduceDesktop, type DesktopEvent, type DesktopState } from './desktop.model';

const ME = 'agent-me';
const CALL = 'call-1';
const at = (s: number): string => new Date(Date.parse('2025-06-02T10:00:00.000Z') + s * 1000).toISOString();
const live = (message: LiveMessage): DesktopEvent => ({ kind: 'live', message });
const offer = (s: number): DesktopEvent => live({ type: 'offer', offer: { callId: CALL, offerId: 'o1', queueId: 'sales', callerMasked: '138****5678', ringTimeoutMs: 20_000, offeredAt: at(s) } });
const phone = (state: PhoneCall['state'], answeredAt: number | null = null): DesktopEvent => ({
  kind: 'phone',
  call: { id: 'p1', callId: CALL, from: 'x', state, ringingSince: 0, answeredAt, held: false, muted: false, endCause: state === 'ended' ? 'BYE' : null },
  atMs: Date.parse(at(60)),
});
const run = (...events: DesktopEvent[]): DesktopState => events.reduce(reduceDesktop, initialDesktop(ME));

describe('agent desktop model', () => {
  it('after a reload, the resync of a connected call shows it in progress (not on this phone)', () => {
    const state = run(live({ type: 'call.state', change: { callId: CALL, state: 'connected', agentId: ME, at: at(1), reason: null } }));
    expect(desktopView(state)).toEqual({ ringing: null, active: { callId: CALL, phone: null, held: false } });
    expect(desktopView(run(live({ type: 'call.state', change: { callId: CALL, state: 'connected', agentId: 'someone-else', at: at(1), reason: null } }))).active).toBeNull();
  });

  it('an offer is withdrawn by a later idle state, not by an older one that arrives late', () => {
    const idle = (s: number): DesktopEvent => ({ kind: 'agent-state', view: { state: 'available', reason: null, since: at(s), callId: null } });
    expect(run(offer(5), idle(3)).offer).not.toBeNull();
    expect(run(offer(5), idle(7)).offer).toBeNull();
  });

  it('a call transferred away or ended after it was answered opens its wrap-up once, and never again after it is done', () => {
    const answered = [offer(1), phone('ringing'), phone('connected', 2)];
    const transferred = run(...answered, live({ type: 'call.state', change: { callId: CALL, state: 'connected', agentId: 'colleague', at: at(30), reason: 'transferred' } }));
    expect(transferred.wrapUp).toEqual({ callId: CALL, endedAtMs: Date.parse(at(30)) });
    const ended = run(...answered, phone('ended', 2));
    expect(ended.wrapUp).toEqual({ callId: CALL, endedAtMs: Date.parse(at(60)) });
    const done = run(...answered, phone('ended', 2), { kind: 'wrapped-up', callId: CALL }, { kind: 'agent-state', view: { state: 'after-call-work', reason: null, since: at(61), callId: CALL } });
    expect(done.wrapUp).toBeNull();
  });

  it('a call that ends while ringing (caller gave up, or rejected) needs no wrap-up', () => {
    const state = run(offer(1), phone('ringing'), phone('ended'));
    expect(state.wrapUp).toBeNull();
    expect(desktopView(state).ringing).toBeNull();
  });

  it("ignores other agents' states and statistics", () => {
    const state = run(
      live({ type: 'agent.state', change: { agentId: 'other', state: 'break', reason: 'lunch', since: at(1), callId: null } }),
      live({ type: 'agent.stats', stats: { agentId: 'other', state: 'break', reason: 'lunch', inStateMs: 0, today: { day: '2025-06-02', callsHandled: 1, talkMs: 1, wrapUpMs: 0, handleMs: 1, averageHandleMs: 1 }, asOf: at(1) } }),
    );
    expect(state.agent).toBeNull();
    expect(state.stats).toBeNull();
  });
});
