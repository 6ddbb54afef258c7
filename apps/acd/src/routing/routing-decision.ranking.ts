import { type RoutingStrategy, type SkillRequirement } from './routing-config.schema';

/**
 * Routing decisions as pure functions of their recorded inputs. The engine gathers the inputs
 * (the eligible candidates and the raw facts about each) and calls these functions; a stored
 * decision is explained and replayed by calling them again on the stored inputs
 * (`replayDecision`), which yields the same outcome, field for field.
 */

export type DecisionTrigger =
  | 'call-enqueued'
  | 'agent-available'
  | 'offer-ended'
  | 'overflow-step'
  | 'sticky-window-ended'
  | 'config-changed'
  | 'reservation-retry';

/** Raw facts about one eligible agent at decision time (JSON-safe). */
export interface AgentCandidateFacts {
  agentId: string;
  /** The agent's level in each skill of the call's requirement. */
  proficiencies: Record<string, number>;
  /** When the agent last became available (epoch ms). */
  idleSince: number;
  /** Time reserved, on calls or in after-call work since log-in, before the current idle stretch. */
  busyMs: number;
  /** Time available since log-in, before the current idle stretch. */
  availableMs: number;
  /** The agent's place in the queue's round-robin order. */
  ordinal: number;
  /** The agent already missed or declined an offer of this call. */
  missedThisCall: boolean;
}

export interface AgentForCallInputs {
  kind: 'agent-for-call';
  at: number;
  trigger: DecisionTrigger;
  queue: { queueId: string; version: number; strategy: RoutingStrategy; ringAllLimit: number };
  call: {
    callId: string;
    priority: number;
    enqueuedAt: number;
    vip: boolean;
    preferHigherProficiency: boolean;
    /** The requirement in force at decision time (queue + call skills, widened by overflow steps). */
    requirement: SkillRequirement[];
    /** Set while the sticky-agent window is open: only that agent is a candidate. */
    stickyAgentId: string | null;
  };
  /** Round-robin pointer: the ordinal of the queue's last offered agent (-1: none yet), and the next free ordinal. */
  rotation: { lastOrdinal: number; nextOrdinal: number };
  /** The best eligible agents (at most the engine's recording limit), in no particular order. */
  candidates: AgentCandidateFacts[];
}

export interface AgentScoreFactors {
  stickyAgent: boolean;
  missedThisCall: boolean;
  /** Sum of the agent's levels over the required skills. */
  skillScore: number;
  idleMs: number;
  /** busy / (busy + available) since log-in, the current idle stretch included. */
  occupancy: number;
  /** Steps after the queue's last offered agent in round-robin order (1 = next). */
  rotation: number;
}

export interface RankedAgent {
  agentId: string;
  rank: number;
  /** The strategy's own measure: idle ms, occupancy, skill score or rotation distance. */
  score: number;
  factors: AgentScoreFactors;
}

export type AgentRankingKey =
  | 'sticky-agent'
  | 'missed-this-call'
  | 'vip-proficiency'
  | 'longest-idle'
  | 'least-occupied'
  | 'best-skill-match'
  | 'round-robin'
  | 'agent-id';

export interface AgentForCallOutcome {
  kind: 'agent-for-call';
  /** One agent, or several for ring-all. */
  chosenAgentIds: string[];
  ranked: RankedAgent[];
  /** The first ranking key on which the first and second candidates differ (null: one candidate). */
  decidedBy: AgentRankingKey | null;
  /** The keys on which they were equal before that one (the tie-breakers that were needed). */
  tiedOn: AgentRankingKey[];
}

export interface CallCandidateFacts {
  callId: string;
  queueId: string;
  queueVersion: number;
  /** Effective priority: queue + call + VIP boost. */
  priority: number;
  enqueuedAt: number;
  /** Arrival order in the engine (breaks same-millisecond ties). */
  seq: number;
  /** The call is held for this agent (sticky-agent window). */
  stickyForAgent: boolean;
}

export interface CallForAgentInputs {
  kind: 'call-for-agent';
  at: number;
  trigger: DecisionTrigger;
  agentId: string;
  /** The best waiting calls this agent is eligible for (at most the recording limit). */
  candidates: CallCandidateFacts[];
}

export type CallRankingKey = 'sticky-agent' | 'priority' | 'waiting-time' | 'arrival-order' | 'call-id';

export interface RankedCall {
  callId: string;
  rank: number;
  score: number;
  factors: { stickyForAgent: boolean; priority: number; waitMs: number };
}

export interface CallForAgentOutcome {
  kind: 'call-for-agent';
  chosenCallId: string;
  ranked: RankedCall[];
  decidedBy: CallRankingKey | null;
  tiedOn: CallRankingKey[];
}

export type DecisionInputs = AgentForCallInputs | CallForAgentInputs;
export type DecisionOutcome = AgentForCallOutcome | CallForAgentOutcome;

/** A decision as recorded: what was offered to whom, the full inputs, and the outcome computed from them. */
export interface RoutingDecision {
  decisionId: string;
  tenantId: string;
  callId: string;
  queueId: string;
  queueVersion: number;
  agentIds: string[];
  at: number;
  inputs: DecisionInputs;
  outcome: DecisionOutcome;
}

// ---- agents for a call ----------------------------------------------------------------------------

/** A candidate with its factors and the numeric ranking values (lower ranks first), agent id last. */
export interface AgentRow {
  facts: AgentCandidateFacts;
  factors: AgentScoreFactors;
  values: number[];
}

/** The numbers a candidate is ranked by (a scratch object the engine reuses while scanning). */
export interface CandidateMetrics {
  agentId: string;
  skillScore: number;
  idleSince: number;
  busyMs: number;
  availableMs: number;
  ordinal: number;
  missedThisCall: boolean;
}

export interface AgentRanking {
  keys: AgentRankingKey[];
  primary: AgentRankingKey;
  row(facts: AgentCandidateFacts): AgentRow;
  /** Writes a candidate's ranking values into `out` without allocating (for scans over many agents). */
  fill(out: number[], metrics: CandidateMetrics): void;
}

function primaryKeyOf(strategy: RoutingStrategy): AgentRankingKey {
  switch (strategy) {
    case 'longest-idle':
    case 'ring-all':
      return 'longest-idle';
    case 'least-occupied':
      return 'least-occupied';
    case 'best-skill-match':
      return 'best-skill-match';
    case 'round-robin':
      return 'round-robin';
  }
}

/** The ranking rule for one decision: which keys, in which order, and how a candidate scores on each. */
export function agentRankingFor(inputs: Pick<AgentForCallInputs, 'at' | 'queue' | 'call' | 'rotation'>): AgentRanking {
  const { at, call, rotation } = inputs;
  const primary = primaryKeyOf(inputs.queue.strategy);
  const keys: AgentRankingKey[] = [];
  if (call.stickyAgentId !== null) keys.push('sticky-agent');
  keys.push('missed-this-call');
  const vipFirst = call.vip && call.preferHigherProficiency;
  if (vipFirst) keys.push('vip-proficiency');
  keys.push(primary);
  if (primary !== 'longest-idle') keys.push('longest-idle');
  keys.push('agent-id');
  const requirement = call.requirement;
  const valueKeys = keys.slice(0, -1);

  const occupancyOf = (m: CandidateMetrics): number => {
    const total = m.busyMs + m.availableMs + (at - m.idleSince);
    return total > 0 ? m.busyMs / total : 0;
  };
  const rotationOf = (m: CandidateMetrics): number =>
    m.ordinal > rotation.lastOrdinal ? m.ordinal - rotation.lastOrdinal : m.ordinal - rotation.lastOrdinal + rotation.nextOrdinal;

  const fill = (out: number[], m: CandidateMetrics): void => {
    for (let i = 0; i < valueKeys.length; i++) {
      switch (valueKeys[i] as AgentRankingKey) {
        case 'sticky-agent':
          out[i] = m.agentId === call.stickyAgentId ? 0 : 1;
          break;
        case 'missed-this-call':
          out[i] = m.missedThisCall ? 1 : 0;
          break;
        case 'vip-proficiency':
        case 'best-skill-match':
          out[i] = -m.skillScore;
          break;
        case 'longest-idle':
          out[i] = m.idleSince;
          break;
        case 'least-occupied':
          out[i] = occupancyOf(m);
          break;
        case 'round-robin':
          out[i] = rotationOf(m);
          break;
        case 'agent-id':
          out[i] = 0;
          break;
      }
    }
  };

  const row = (facts: AgentCandidateFacts): AgentRow => {
    let skillScore = 0;
    for (const requirementItem of requirement) skillScore += facts.proficiencies[requirementItem.skillId] ?? 0;
    const metrics: CandidateMetrics = {
      agentId: facts.agentId,
      skillScore,
      idleSince: facts.idleSince,
      busyMs: facts.busyMs,
      availableMs: facts.availableMs,
      ordinal: facts.ordinal,
      missedThisCall: facts.missedThisCall,
    };
    const factors: AgentScoreFactors = {
      stickyAgent: call.stickyAgentId !== null && facts.agentId === call.stickyAgentId,
      missedThisCall: facts.missedThisCall,
      skillScore,
      idleMs: at - facts.idleSince,
      occupancy: occupancyOf(metrics),
      rotation: rotationOf(metrics),
    };
    const values = new Array<number>(valueKeys.length);
    fill(values, metrics);
    return { facts, factors, values };
  };
  return { keys, primary, row, fill };
}

/** Negative when `a` ranks before `b`. Ties on every value fall to the agent id. */
export function compareAgentRows(a: AgentRow, b: AgentRow): number {
  return compareRankingValues(a.values, a.facts.agentId, b.values, b.facts.agentId);
}

export function compareRankingValues(aValues: readonly number[], aId: string, bValues: readonly number[], bId: string): number {
  const length = aValues.length;
  for (let i = 0; i < length; i++) {
    const difference = (aValues[i] as number) - (bValues[i] as number);
    if (difference !== 0) return difference;
  }
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

function firstDifference(a: AgentRow, b: AgentRow, keys: readonly AgentRankingKey[]): number {
  for (let i = 0; i < a.values.length; i++) if (a.values[i] !== b.values[i]) return i;
  return keys.length - 1;
}

function scoreOf(primary: AgentRankingKey, factors: AgentScoreFactors): number {
  switch (primary) {
    case 'least-occupied':
      return factors.occupancy;
    case 'best-skill-match':
      return factors.skillScore;
    case 'round-robin':
      return factors.rotation;
    default:
      return factors.idleMs;
  }
}

/** Ranks the candidates and chooses the agent (ring-all: the best `ringAllLimit` agents). Pure. */
export function rankAgentsForCall(inputs: AgentForCallInputs): AgentForCallOutcome {
  if (inputs.candidates.length === 0) throw new RangeError(`decision for call ${inputs.call.callId} has no candidates`);
  const ranking = agentRankingFor(inputs);
  const rows = inputs.candidates.map(ranking.row).sort(compareAgentRows);
  const take = inputs.queue.strategy === 'ring-all' ? inputs.queue.ringAllLimit : 1;
  let decidedBy: AgentRankingKey | null = null;
  let tiedOn: AgentRankingKey[] = [];
  const [first, second] = rows;
  if (first && second) {
    const index = firstDifference(first, second, ranking.keys);
    decidedBy = ranking.keys[index] ?? 'agent-id';
    tiedOn = ranking.keys.slice(0, index);
  }
  return {
    kind: 'agent-for-call',
    chosenAgentIds: rows.slice(0, take).map((row) => row.facts.agentId),
    ranked: rows.map((row, index) => ({
      agentId: row.facts.agentId,
      rank: index + 1,
      score: scoreOf(ranking.primary, row.factors),
      factors: row.factors,
    })),
    decidedBy,
    tiedOn,
  };
}

// ---- a call for an agent --------------------------------------------------------------------------

const callKeys: readonly CallRankingKey[] = ['sticky-agent', 'priority', 'waiting-time', 'arrival-order', 'call-id'];

function callValues(candidate: CallCandidateFacts): number[] {
  return [candidate.stickyForAgent ? 0 : 1, -candidate.priority, candidate.enqueuedAt, candidate.seq];
}

/** Negative when call `a` should be served before `b`: sticky first, then priority, then waiting time. */
export function compareCallCandidates(a: CallCandidateFacts, b: CallCandidateFacts): number {
  if (a.stickyForAgent !== b.stickyForAgent) return a.stickyForAgent ? -1 : 1;
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt - b.enqueuedAt;
  if (a.seq !== b.seq) return a.seq - b.seq;
  return a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0;
}

/** Chooses the call an agent who just became available takes: priority first, then waiting time. Pure. */
export function rankCallsForAgent(inputs: CallForAgentInputs): CallForAgentOutcome {
  const sorted = [...inputs.candidates].sort(compareCallCandidates);
  const [first, second] = sorted;
  if (!first) throw new RangeError(`decision for agent ${inputs.agentId} has no candidate calls`);
  let decidedBy: CallRankingKey | null = null;
  let tiedOn: CallRankingKey[] = [];
  if (second) {
    const a = callValues(first);
    const b = callValues(second);
    let index = a.findIndex((value, i) => value !== b[i]);
    if (index < 0) index = callKeys.length - 1;
    decidedBy = callKeys[index] ?? 'call-id';
    tiedOn = callKeys.slice(0, index);
  }
  return {
    kind: 'call-for-agent',
    chosenCallId: first.callId,
    ranked: sorted.map((candidate, index) => ({
      callId: candidate.callId,
      rank: index + 1,
      score: candidate.priority,
      factors: { stickyForAgent: candidate.stickyForAgent, priority: candidate.priority, waitMs: inputs.at - candidate.enqueuedAt },
    })),
    decidedBy,
    tiedOn,
  };
}

/** Recomputes a stored decision's outcome from its stored inputs. */
export function replayDecision(inputs: DecisionInputs): DecisionOutcome {
  return inputs.kind === 'agent-for-call' ? rankAgentsForCall(inputs) : rankCallsForAgent(inputs);
}
