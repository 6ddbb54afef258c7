import { describeAgentReservations } from './agent-reservations.contract';
import { ManualClock } from './clock';
import { runEngineRace } from './engine-race.harness';
import { MemoryAgentReservations } from './memory-agent-reservations.store';

describeAgentReservations('in-memory', () => {
  const clock = new ManualClock(1_700_000_000_000);
  return {
    reservations: new MemoryAgentReservations(clock),
    elapse: async (ms) => clock.advance(ms),
  };
});

describe('4 routing engines racing over one in-memory reservation store', () => {
  it('never give an agent two calls nor a call two offers, over 100,000 offers', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const report = await runEngineRace({ reservations: new MemoryAgentReservations(clock), clock, offers: 100_000, seed: 7 });
    expect(report.violations).toEqual([]);
    expect(report.offers).toBeGreaterThanOrEqual(100_000);
    // The engines really raced: reservations were refused because another engine held the agent or the call.
    expect(report.reservationConflicts.agentHeld).toBeGreaterThan(1_000);
    expect(report.reservationConflicts.callHeld).toBeGreaterThan(10);
    expect(report.callsDeliveredTwice).toBeGreaterThan(100);
    expect(report.answered).toBeGreaterThan(50_000);
    expect(report.offerOutcomes.missed).toBeGreaterThan(1_000);
    expect(report.offerOutcomes.declined).toBeGreaterThan(1_000);
  }, 240_000);
});
