import { type QueueView } from '../../api/acd-api.types';
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
});
