import { baseQueue, engineKit } from '../routing/engine-test.kit';
import { RoutingError } from '../routing/routing.errors';
import { LiveStatistics } from './live-statistics.calculator';

// 2024-03-10 09:00 in New York (EDT, UTC-4).
const NINE_AM_NEW_YORK = Date.UTC(2024, 2, 10, 13, 0, 0);

describe('LiveStatistics', () => {
  it('follows queues and agents from the routing effects', async () => {
    const kit = await engineKit({ start: NINE_AM_NEW_YORK });
    const stats = new LiveStatistics({ timeZone: 'America/New_York' });
    kit.effects.length = 0;
    const feed = (): void => {
      for (const effect of kit.effects.splice(0)) stats.apply(effect);
    };
    await kit.engine.upsertQueue(baseQueue({ afterCallWorkSeconds: 10, serviceLevel: { percent: 80, thresholdSeconds: 20 } }));
    await kit.engine.upsertAgent({ agentId: 'ann', version: 1, queues: ['sales'] });
    await kit.engine.upsertAgent({ agentId: 'bob', version: 1, queues: ['sales'] });
    await kit.engine.setAgentState('bob', 'break', 'training');
    for (const callId of ['fast', 'slow', 'gives-up', 'short-abandon']) {
      await kit.engine.enqueueCall({ callId, queueId: 'sales' });
      kit.clock.advance(1_000);
    }
    feed();
    expect(stats.queueStatistics('sales', kit.clock.now())).toMatchObject({
      waiting: 4,
      longestWaitMs: 4_000,
      agentsByState: { offline: 1, break: 1, available: 0 },
      today: { day: '2024-03-10', answered: 0, serviceLevel: null },
    });

    await kit.engine.endCall('short-abandon'); // waited 1 s
    await kit.engine.setAgentState('ann', 'available'); // 'fast' is offered, waited 4 s
    await kit.engine.acceptOffer('fast', 'ann');
    kit.clock.advance(60_000);
    await kit.engine.endCall('fast'); // 60 s talk, then 10 s wrap-up
    feed();
    expect(stats.agentStatistics('ann', kit.clock.now() + 4_000)).toMatchObject({
      state: 'after-call-work',
      inStateMs: 4_000,
      today: { callsHandled: 1, talkMs: 60_000, wrapUpMs: 4_000, handleMs: 64_000 },
    });
    await kit.advance(10_000); // wrap-up ends: 'slow' is offered after 64 s
    await kit.engine.acceptOffer('slow', 'ann');
    await kit.engine.endCall('gives-up'); // waited 73 s
    feed();
    const now = kit.clock.now();
    expect(stats.queueStatistics('sales', now)).toEqual({
      queueId: 'sales',
      waiting: 0,
      longestWaitMs: 0,
      agentsByState: { offline: 0, available: 0, reserved: 0, 'on-call': 1, 'after-call-work': 0, break: 1 },
      today: {
        day: '2024-03-10',
        answered: 2,
        answeredWithinThreshold: 1,
        abandoned: 2,
        abandonedWithinThreshold: 1,
        overflowed: 0,
        // fast in 4 s; slow in 73 s; gives-up after 73 s; the 1 s abandon does not count.
        serviceLevel: 1 / 3,
        averageSpeedOfAnswerMs: (4_000 + 73_000) / 2,
      },
    });
    expect(stats.agentStatistics('ann', now)).toMatchObject({
      state: 'on-call',
      today: { callsHandled: 1, talkMs: 60_000, wrapUpMs: 10_000, handleMs: 70_000, averageHandleMs: 70_000 },
    });
    expect(stats.agentStatistics('bob', now)).toMatchObject({ state: 'break', reason: 'training', inStateMs: now - NINE_AM_NEW_YORK });
  });

  it('starts the counters again at midnight in the tenant time zone', async () => {
    const kit = await engineKit({ start: Date.UTC(2024, 2, 11, 3, 59, 0) }); // 23:59 in New York
    const stats = new LiveStatistics({ timeZone: 'America/New_York' });
    await kit.engine.upsertQueue(baseQueue());
    await kit.availableAgents([{ agentId: 'ann', version: 1, queues: ['sales'] }]);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    await kit.engine.acceptOffer('c1', 'ann');
    kit.clock.advance(120_000); // the call runs past midnight
    await kit.engine.endCall('c1');
    for (const effect of kit.effects) stats.apply(effect);
    const now = kit.clock.now();
    expect(stats.dayOf(now)).toBe('2024-03-11');
    expect(stats.queueStatistics('sales', now).today).toMatchObject({ day: '2024-03-11', answered: 0 });
    expect(stats.queueStatistics('sales', now - 120_000).today).toMatchObject({ day: '2024-03-10', answered: 1 });
    // Only the minute after midnight counts for the new day.
    expect(stats.agentStatistics('ann', now).today).toMatchObject({ day: '2024-03-11', callsHandled: 1, talkMs: 60_001 });
  });

  it('refuses an unknown time zone and unknown queues', () => {
    expect(() => new LiveStatistics({ timeZone: 'Mars/Olympus' })).toThrow('timeZone: unknown time zone "Mars/Olympus"');
    expect(() => new LiveStatistics({ timeZone: 'UTC' }).queueStatistics('nope', 0)).toThrow(RoutingError);
  });
});

describe('LiveStatistics day counters', () => {
  it('are exported and restored, so figures survive a restart of the engine that kept them', async () => {
    const kit = await engineKit({ start: NINE_AM_NEW_YORK });
    const before = new LiveStatistics({ timeZone: 'America/New_York' });
    await kit.engine.upsertQueue(baseQueue({ afterCallWorkSeconds: 5 }));
    await kit.availableAgents([{ agentId: 'ann', version: 1, queues: ['sales'] }]);
    await kit.engine.enqueueCall({ callId: 'c1', queueId: 'sales' });
    await kit.engine.acceptOffer('c1', 'ann');
    kit.clock.advance(30_000);
    await kit.engine.endCall('c1');
    await kit.advance(5_000);
    await kit.engine.enqueueCall({ callId: 'c2', queueId: 'sales', enqueuedAt: kit.clock.now() });
    await kit.engine.acceptOffer('c2', 'ann');
    kit.clock.advance(25_000);
    await kit.engine.enqueueCall({ callId: 'c3', queueId: 'sales' });
    kit.clock.advance(30_000);
    await kit.engine.endCall('c3');
    for (const effect of kit.effects) before.apply(effect);
    const now = kit.clock.now();

    const after = new LiveStatistics({ timeZone: 'America/New_York' });
    after.apply({ type: 'queue-configured', at: now, queueId: 'sales', version: 1, serviceLevelThresholdMs: 20_000 });
    after.apply({ type: 'agent-configured', at: now, agentId: 'ann', version: 1, queueIds: ['sales'] });
    const ann = kit.engine.agentView('ann');
    after.apply({ type: 'agent-state-changed', at: ann?.stateSince ?? 0, agentId: 'ann', from: 'offline', to: 'on-call', reason: null, callId: 'c2', by: 'restore' });
    const queueDay = before.queueDayCounters('sales', now);
    const agentDay = before.agentDayCounters('ann', now);
    if (!queueDay || !agentDay) throw new Error('no counters');
    after.restoreQueueDay('sales', queueDay);
    after.restoreAgentDay('ann', agentDay);
    expect(after.queueStatistics('sales', now)).toEqual(before.queueStatistics('sales', now));
    expect(after.agentStatistics('ann', now)).toEqual(before.agentStatistics('ann', now));
    expect(queueDay).toMatchObject({ day: '2024-03-10', answered: 2, abandoned: 1, leftAfterThreshold: 1 });
    expect(before.queueDayCounters('sales', now + 86_400_000)).toMatchObject({ day: '2024-03-11', answered: 0 });
    expect(before.queueDayCounters('nope', now)).toBeNull();
  });
});
