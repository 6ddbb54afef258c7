import { erlangB, erlangC } from './erlang-c';

/** Erlang C straight from its definition (factorial sums): fine for small numbers of agents. */
function erlangCByDefinition(agents: number, traffic: number): number {
  let term = 1;
  let sum = 0;
  for (let k = 0; k < agents; k++) {
    sum += term;
    term = (term * traffic) / (k + 1);
  }
  const waitingTerm = (term * agents) / (agents - traffic);
  return waitingTerm / (sum + waitingTerm);
}

describe('Erlang C', () => {
  it('gives the textbook values', () => {
    // 3 agents, 2 Erlangs: P(wait) = 4/9 exactly.
    const small = erlangC({ agents: 3, arrivalRate: 2, ahtSeconds: 1, slThresholdSeconds: 0 });
    expect(small.pWait).toBeCloseTo(4 / 9, 12);
    expect(small.asaSeconds).toBeCloseTo(4 / 9, 12); // C / (N·µ - λ) = (4/9) / 1
    expect(small.serviceLevel).toBeCloseTo(5 / 9, 12); // T = 0: only those who do not wait
    expect(erlangB(1, 1)).toBe(0.5);
    // The classic table value: 10 Erlangs on 11 agents wait with probability 0.6821.
    const center = erlangC({ agents: 11, arrivalRate: 100 / 1800, ahtSeconds: 180, slThresholdSeconds: 20 });
    expect(center.trafficErlangs).toBeCloseTo(10, 12);
    expect(center.pWait).toBeCloseTo(0.6821, 4);
    // 80 % in 20 s at 10 Erlangs and 180 s handling needs 14 agents, not 13.
    expect(erlangC({ agents: 13, arrivalRate: 100 / 1800, ahtSeconds: 180, slThresholdSeconds: 20 }).serviceLevel).toBeLessThan(0.8);
    expect(erlangC({ agents: 14, arrivalRate: 100 / 1800, ahtSeconds: 180, slThresholdSeconds: 20 }).serviceLevel).toBeGreaterThan(0.8);
  });

  it('agrees with the factorial definition and stays finite for thousands of agents', () => {
    for (const [agents, traffic] of [
      [1, 0.5],
      [2, 1.7],
      [5, 4.2],
      [17, 15.9],
      [40, 31],
    ] as const) {
      expect(erlangC({ agents, arrivalRate: traffic, ahtSeconds: 1, slThresholdSeconds: 1 }).pWait).toBeCloseTo(erlangCByDefinition(agents, traffic), 10);
    }
    const large = erlangC({ agents: 5_000, arrivalRate: 4_900 / 300, ahtSeconds: 300, slThresholdSeconds: 20 });
    expect(large.pWait).toBeGreaterThan(0);
    expect(large.pWait).toBeLessThan(1);
    expect(Number.isFinite(large.asaSeconds)).toBe(true);
  });

  it('refuses an unstable queue and bad input', () => {
    expect(() => erlangC({ agents: 2, arrivalRate: 1, ahtSeconds: 2, slThresholdSeconds: 20 })).toThrow(
      'the queue is unstable: offered load 2.000 Erlangs (arrival rate × aht) must be below the 2 agents',
    );
    expect(() => erlangC({ agents: 0, arrivalRate: -1, ahtSeconds: 2, slThresholdSeconds: 20 })).toThrow(
      'agents must be a whole number >= 1, got 0; arrival rate must be above 0, got -1',
    );
  });
});
