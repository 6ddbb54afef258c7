/**
 * The Erlang C model of a queue with `agents` servers, Poisson arrivals at `arrivalRate` calls/s,
 * exponential handling times of mean `ahtSeconds`, first come first served, nobody abandons.
 * Computed through the Erlang B recursion B(k) = A·B(k-1) / (k + A·B(k-1)), which stays within
 * [0, 1] and needs no factorials or powers, so it is stable for thousands of agents.
 */
export interface ErlangCInput {
  agents: number;
  arrivalRate: number;
  ahtSeconds: number;
  slThresholdSeconds: number;
}

export interface ErlangCResult {
  /** Offered load in Erlangs (A = λ · AHT). */
  trafficErlangs: number;
  occupancy: number;
  /** Probability that a call waits at all. */
  pWait: number;
  /** Average speed of answer over all calls, seconds. */
  asaSeconds: number;
  /** Share of calls answered within the threshold. */
  serviceLevel: number;
}

export function erlangB(agents: number, trafficErlangs: number): number {
  let b = 1;
  for (let k = 1; k <= agents; k++) b = (trafficErlangs * b) / (k + trafficErlangs * b);
  return b;
}

export function erlangC(input: ErlangCInput): ErlangCResult {
  const { agents, arrivalRate, ahtSeconds, slThresholdSeconds } = input;
  const problems: string[] = [];
  if (!Number.isInteger(agents) || agents < 1) problems.push(`agents must be a whole number >= 1, got ${agents}`);
  if (!(arrivalRate > 0) || !Number.isFinite(arrivalRate)) problems.push(`arrival rate must be above 0, got ${arrivalRate}`);
  if (!(ahtSeconds > 0) || !Number.isFinite(ahtSeconds)) problems.push(`aht must be above 0 seconds, got ${ahtSeconds}`);
  if (!(slThresholdSeconds >= 0) || !Number.isFinite(slThresholdSeconds)) problems.push(`service-level threshold must be 0 or more seconds, got ${slThresholdSeconds}`);
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  const traffic = arrivalRate * ahtSeconds;
  if (traffic >= agents) {
    throw new RangeError(`the queue is unstable: offered load ${traffic.toFixed(3)} Erlangs (arrival rate × aht) must be below the ${agents} agents`);
  }
  const b = erlangB(agents, traffic);
  const occupancy = traffic / agents;
  const pWait = b / (1 - occupancy * (1 - b));
  const drainRate = agents / ahtSeconds - arrivalRate;
  return {
    trafficErlangs: traffic,
    occupancy,
    pWait,
    asaSeconds: pWait / drainRate,
    serviceLevel: 1 - pWait * Math.exp(-drainRate * slThresholdSeconds),
  };
}
