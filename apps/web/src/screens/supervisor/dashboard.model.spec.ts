import { type AgentView, type QueueView } from '../../api/acd-api.types';
import { queueStats } from '../../testing/parley-backend.fake';
import { belowTarget, EMPTY_DASHBOARD, reduceDashboard, SAMPLE_WINDOW, type DashboardState } from './dashboard.model';

const queue = (queueId: string, percent: number): QueueView =>
  ({
    queueId,
    version: 1,
    config: { queueId, version: 1, name: queueId, serviceLevel: { percent, thresholdSeconds: 20 } },
    createdAt: '',
    updatedAt: '',
    updatedBy: null,
  }) as QueueView;
const at = (second: number): string => new Date(Date.UTC(2025, 5, 2, 10, 0, second)).toISOString();

describe('dashboard model', () => {
  const loaded = (): DashboardState => reduceDashboard(EMPTY_DASHBOARD, { kind: 'queues', queues: [queue('a', 80), queue('b', 90)], stats: [queueStats('a', { waiting: 1, asOf: at(0) }), queueStats('b', { waiting: 2, asOf: at(0) })] });

  it('samples the total waiting on every change and keeps a rolling window', () => {
    let state = loaded();
    expect(state.samples).toEqual([{ at: Date.parse(at(0)), waiting: 3 }]);
    for (let s = 1; s <= SAMPLE_WINDOW + 5; s += 1) {
      state = reduceDashboard(state, { kind: 'live', message: { type: 'queue.stats', stats: queueStats('a', { waiting: s, asOf: new Date(Date.parse(at(0)) + s * 1000).toISOString() }) } });
    }
    expect(state.samples).toHaveLength(SAMPLE_WINDOW);
    expect(state.samples.at(-1)?.waiting).toBe(SAMPLE_WINDOW + 5 + 2);
  });

  it('does not let an older snapshot roll back fresher live figures', () => {
    let state = reduceDashboard(loaded(), { kind: 'live', message: { type: 'queue.stats', stats: queueStats('a', { waiting: 9, asOf: at(30) }) } });
    state = reduceDashboard(state, { kind: 'queues', queues: [queue('a', 80), queue('b', 90)], stats: [queueStats('a', { waiting: 1, asOf: at(20) }), queueStats('b', { waiting: 2, asOf: at(20) })] });
    expect(state.queues.a?.stats?.waiting).toBe(9);
    expect(state.queues.b?.stats?.asOf).toBe(at(20));
  });

  it('alerts below target only, not before any call counted', () => {
    const state = loaded();
    const row = state.queues.a!;
    expect(belowTarget({ ...row, stats: queueStats('a', { serviceLevel: 0.79 }) })).toBe(true);
    expect(belowTarget({ ...row, stats: queueStats('a', { serviceLevel: 0.8 }) })).toBe(false);
    expect(belowTarget({ ...row, stats: queueStats('a', { serviceLevel: null }) })).toBe(false);
  });
  it("shows an agent's current call only while the agent is on it (not after the wrap-up)", () => {
    const agentId = '7d3c4a52-51f1-4c55-9a4e-2f1a3f0c9e11';
    const callId = '1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b';
    const agent: AgentView = {
      agentId,
      version: 1,
      hasSeat: true,
      skills: [],
      queueIds: ['a'],
      live: { agentId, state: 'available', reason: null, since: at(0), callId: null, missedOffers: 0 },
      updatedAt: at(0),
    };
    let state = reduceDashboard(EMPTY_DASHBOARD, { kind: 'agents', agents: [agent], stats: [], names: new Map() });
    const change = (to: 'on-call' | 'after-call-work' | 'available', second: number) =>
      reduceDashboard(state, { kind: 'live', message: { type: 'agent.state', change: { agentId, state: to, reason: null, since: at(second), callId } } });
    state = change('on-call', 5);
    expect(state.agents[agentId]?.callId).toBe(callId);
    state = change('after-call-work', 60);
    expect(state.agents[agentId]?.callId).toBe(callId);
    // The move back to available names the call it wrapped up: no longer a current call.
    state = change('available', 70);
    expect(state.agents[agentId]).toMatchObject({ state: 'available', callId: null });
  });
});
