import { type AcdAgentState, type AcdAgentStatistics, type AcdQueueStatistics } from '@parley/contracts';
import { type AgentView, type QueueView } from '../../api/acd-api.types';
import { type LiveMessage } from '../../live/live-feed';

/**
 * The supervisor dashboard's state, kept by a pure reducer: HTTP snapshots and live pushes are
 * events, applied in arrival order; a snapshot never rolls back fresher live figures of a queue.
 */

export interface QueueRow {
  queueId: string;
  name: string;
  /** The service level the queue aims for: `targetPercent` % answered within `thresholdSeconds`. */
  targetPercent: number;
  thresholdSeconds: number;
  stats: AcdQueueStatistics | null;
}

export interface AgentRow {
  agentId: string;
  name: string;
  state: AcdAgentState;
  reason: string | null;
  /** When the agent entered the state (ms since the epoch): time in state ticks from it. */
  sinceMs: number;
  callId: string | null;
  callsHandled: number | null;
}

export interface Sample {
  at: number;
  waiting: number;
}

export interface DashboardState {
  queues: Readonly<Record<string, QueueRow>>;
  agents: Readonly<Record<string, AgentRow>>;
  /** Calls waiting in all queues over time, oldest first, at most SAMPLE_WINDOW. */
  samples: readonly Sample[];
}

export const SAMPLE_WINDOW = 60;

export const EMPTY_DASHBOARD: DashboardState = { queues: {}, agents: {}, samples: [] };

export type DashboardEvent =
  | { kind: 'queues'; queues: readonly QueueView[]; stats: readonly AcdQueueStatistics[] }
  | { kind: 'agents'; agents: readonly AgentView[]; stats: readonly AcdAgentStatistics[]; names: ReadonlyMap<string, string> }
  | { kind: 'live'; message: LiveMessage };

const CALL_STATES: ReadonlySet<AcdAgentState> = new Set(['reserved', 'on-call', 'after-call-work']);

export function reduceDashboard(state: DashboardState, event: DashboardEvent): DashboardState {
  switch (event.kind) {
    case 'queues': {
      const queues: Record<string, QueueRow> = {};
      for (const queue of event.queues) {
        const previous = state.queues[queue.queueId]?.stats ?? null;
        const fetched = event.stats.find((s) => s.queueId === queue.queueId) ?? null;
        queues[queue.queueId] = {
          queueId: queue.queueId,
          name: queue.config.name,
          targetPercent: queue.config.serviceLevel.percent,
          thresholdSeconds: queue.config.serviceLevel.thresholdSeconds,
          stats: newer(previous, fetched),
        };
      }
      return withSample({ ...state, queues });
    }
    case 'agents': {
      const agents: Record<string, AgentRow> = {};
      for (const agent of event.agents) {
        if (!agent.hasSeat) continue;
        const stats = event.stats.find((s) => s.agentId === agent.agentId);
        agents[agent.agentId] = {
          agentId: agent.agentId,
          name: event.names.get(agent.agentId) ?? agent.agentId,
          state: agent.live.state,
          reason: agent.live.reason,
          sinceMs: Date.parse(agent.live.since),
          callId: agent.live.callId,
          callsHandled: stats?.today.callsHandled ?? null,
        };
      }
      return { ...state, agents };
    }
    case 'live':
      return applyLive(state, event.message);
  }
}

function applyLive(state: DashboardState, message: LiveMessage): DashboardState {
  switch (message.type) {
    case 'queue.stats': {
      const row = state.queues[message.stats.queueId];
      if (!row) return state; // a queue created after the last snapshot: the next snapshot brings its name and target
      return withSample({ ...state, queues: { ...state.queues, [row.queueId]: { ...row, stats: newer(row.stats, message.stats) } } });
    }
    case 'agent.stats': {
      const { stats } = message;
      const row = state.agents[stats.agentId];
      if (!row) return state;
      const sinceMs = Date.parse(stats.asOf) - stats.inStateMs;
      const sameState = row.state === stats.state;
      return {
        ...state,
        agents: {
          ...state.agents,
          [row.agentId]: {
            ...row,
            state: stats.state,
            reason: stats.reason,
            sinceMs: sameState ? Math.min(row.sinceMs, sinceMs) : sinceMs,
            callId: sameState || CALL_STATES.has(stats.state) ? row.callId : null,
            callsHandled: stats.today.callsHandled,
          },
        },
      };
    }
    case 'agent.state': {
      const { change } = message;
      const row = state.agents[change.agentId];
      if (!row) return state;
      return { ...state, agents: { ...state.agents, [row.agentId]: { ...row, state: change.state, reason: change.reason, sinceMs: Date.parse(change.since), callId: CALL_STATES.has(change.state) ? change.callId : null } } };
    }
    case 'offer':
    case 'pop':
    case 'call.state':
    case 'session.replaced':
      // The agent desktop's messages: the dashboard reads agents' calls from their states.
      return state;
  }
}

function newer(a: AcdQueueStatistics | null, b: AcdQueueStatistics | null): AcdQueueStatistics | null {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(b.asOf) >= Date.parse(a.asOf) ? b : a;
}

/** Appends the current total of waiting calls, stamped with the newest statistics time. */
function withSample(state: DashboardState): DashboardState {
  const stats = Object.values(state.queues).flatMap((q) => (q.stats ? [q.stats] : []));
  if (stats.length === 0) return state;
  const at = Math.max(...stats.map((s) => Date.parse(s.asOf)));
  const sample = { at, waiting: stats.reduce((sum, s) => sum + s.waiting, 0) };
  const last = state.samples.at(-1);
  const kept = last && last.at >= at ? state.samples.slice(0, -1) : state.samples;
  return { ...state, samples: [...kept, sample].slice(-SAMPLE_WINDOW) };
}

/** The queue's service level today in percent, or null before any call counted. */
export function serviceLevelPercent(row: QueueRow): number | null {
  const level = row.stats?.today.serviceLevel;
  return level === null || level === undefined ? null : Math.round(level * 1000) / 10;
}

/** Whether the queue is below its service-level target (a queue with no counted call yet is not). */
export function belowTarget(row: QueueRow): boolean {
  const level = serviceLevelPercent(row);
  return level !== null && level < row.targetPercent;
}

/** Agents by state, for the bar chart. */
export function agentsByState(state: DashboardState): Record<AcdAgentState, number> {
  const counts: Record<AcdAgentState, number> = { offline: 0, available: 0, reserved: 0, 'on-call': 0, 'after-call-work': 0, break: 0 };
  for (const agent of Object.values(state.agents)) counts[agent.state] += 1;
  return counts;
}
