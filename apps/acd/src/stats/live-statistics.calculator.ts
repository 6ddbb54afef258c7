import { agentStates, type AgentState } from '../routing/agent-state.machine';
import { type RoutingEffect } from '../routing/routing.effects';
import { RoutingError } from '../routing/routing.errors';

/**
 * Live statistics per queue and per agent, computed from the routing engine's effects (the same
 * events that drive everything else) — pure code, no clock of its own: every figure is as of the
 * `now` a snapshot is asked for. "Today" is the calendar day in the tenant's time zone; counters
 * start again at midnight there.
 *
 * Service level today = calls answered within the queue's threshold / (calls answered + calls
 * that left unanswered after the threshold: abandoned or overflowed). Callers who hung up (or
 * overflowed) within the threshold are left out, the usual "short abandon" rule.
 */
export interface QueueStatistics {
  queueId: string;
  waiting: number;
  longestWaitMs: number;
  agentsByState: Record<AgentState, number>;
  today: {
    day: string;
    answered: number;
    answeredWithinThreshold: number;
    abandoned: number;
    abandonedWithinThreshold: number;
    overflowed: number;
    serviceLevel: number | null;
    averageSpeedOfAnswerMs: number | null;
  };
}

export interface AgentStatistics {
  agentId: string;
  state: AgentState;
  reason: string | null;
  inStateMs: number;
  today: {
    day: string;
    callsHandled: number;
    talkMs: number;
    wrapUpMs: number;
    /** Talk plus after-call work. */
    handleMs: number;
    averageHandleMs: number | null;
  };
}

/** A queue's counters for one day, as kept (and saved by the host, to restore after a restart). */
export interface QueueDay {
  day: string;
  answered: number;
  answeredWithinThreshold: number;
  totalWaitAnsweredMs: number;
  abandoned: number;
  abandonedWithinThreshold: number;
  overflowed: number;
  leftAfterThreshold: number;
}

interface QueueRecord {
  thresholdMs: number;
  /** Calls waiting, with the time each took its place. */
  waiting: Map<string, number>;
  members: Set<string>;
  day: QueueDay;
}

/** An agent's counters for one day, as kept (and saved by the host, to restore after a restart). */
export interface AgentDay {
  day: string;
  callsHandled: number;
  talkMs: number;
  wrapUpMs: number;
}

interface AgentRecord {
  state: AgentState;
  reason: string | null;
  since: number;
  queueIds: string[];
  day: AgentDay;
}

const emptyQueueDay = (day: string): QueueDay => ({
  day,
  answered: 0,
  answeredWithinThreshold: 0,
  totalWaitAnsweredMs: 0,
  abandoned: 0,
  abandonedWithinThreshold: 0,
  overflowed: 0,
  leftAfterThreshold: 0,
});

const emptyAgentDay = (day: string): AgentDay => ({ day, callsHandled: 0, talkMs: 0, wrapUpMs: 0 });

export class LiveStatistics {
  private readonly queues = new Map<string, QueueRecord>();
  private readonly agents = new Map<string, AgentRecord>();
  private readonly dayFormat: Intl.DateTimeFormat;
  private readonly timeFormat: Intl.DateTimeFormat;

  constructor(options: { timeZone: string }) {
    try {
      this.dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: options.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
      this.timeFormat = new Intl.DateTimeFormat('en-GB', { timeZone: options.timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    } catch {
      throw new RoutingError('invalid-input', `timeZone: unknown time zone ${JSON.stringify(options.timeZone)}`);
    }
  }

  /** The calendar day (YYYY-MM-DD) of `at` in the tenant's time zone. */
  dayOf(at: number): string {
    return this.dayFormat.format(at);
  }

  apply(effect: RoutingEffect): void {
    switch (effect.type) {
      case 'queue-configured':
        this.queue(effect.queueId, effect.at).thresholdMs = effect.serviceLevelThresholdMs;
        return;
      case 'agent-configured': {
        const agent = this.agent(effect.agentId, effect.at);
        for (const queueId of agent.queueIds) this.queues.get(queueId)?.members.delete(effect.agentId);
        agent.queueIds = [...effect.queueIds];
        for (const queueId of agent.queueIds) this.queue(queueId, effect.at).members.add(effect.agentId);
        return;
      }
      case 'call-queued':
        this.queue(effect.queueId, effect.at).waiting.set(effect.callId, effect.enqueuedAt);
        return;
      case 'call-answered': {
        const queue = this.queue(effect.queueId, effect.at);
        queue.waiting.delete(effect.callId);
        const day = this.queueDay(queue, effect.at);
        day.answered++;
        day.totalWaitAnsweredMs += effect.waitedMs;
        if (effect.waitedMs <= queue.thresholdMs) day.answeredWithinThreshold++;
        return;
      }
      case 'call-abandoned': {
        const queue = this.queue(effect.queueId, effect.at);
        queue.waiting.delete(effect.callId);
        const day = this.queueDay(queue, effect.at);
        day.abandoned++;
        if (effect.waitedMs <= queue.thresholdMs) day.abandonedWithinThreshold++;
        else day.leftAfterThreshold++;
        return;
      }
      case 'call-overflowed': {
        const queue = this.queue(effect.queueId, effect.at);
        queue.waiting.delete(effect.callId);
        const day = this.queueDay(queue, effect.at);
        day.overflowed++;
        if (effect.waitedMs > queue.thresholdMs) day.leftAfterThreshold++;
        return;
      }
      case 'call-completed':
        this.agentDay(this.agent(effect.agentId, effect.at), effect.at).callsHandled++;
        return;
      case 'agent-state-changed': {
        const agent = this.agent(effect.agentId, effect.at);
        // A state that began before midnight counts from midnight in the new day.
        const spent = Math.max(0, effect.at - Math.max(agent.since, effect.at - this.msSinceMidnight(effect.at)));
        const day = this.agentDay(agent, effect.at);
        if (agent.state === 'on-call') day.talkMs += spent;
        else if (agent.state === 'after-call-work') day.wrapUpMs += spent;
        agent.state = effect.to;
        agent.reason = effect.reason;
        agent.since = effect.at;
        return;
      }
      default:
        return;
    }
  }

  queueStatistics(queueId: string, now: number): QueueStatistics {
    const queue = this.queues.get(queueId);
    if (!queue) throw new RoutingError('unknown-queue', `no statistics for queue ${queueId}`);
    const agentsByState = Object.fromEntries(agentStates.map((state) => [state, 0])) as Record<AgentState, number>;
    for (const agentId of queue.members) {
      const agent = this.agents.get(agentId);
      if (agent) agentsByState[agent.state]++;
    }
    let oldest = Infinity;
    for (const since of queue.waiting.values()) if (since < oldest) oldest = since;
    const today = queue.day.day === this.dayOf(now) ? queue.day : emptyQueueDay(this.dayOf(now));
    const counted = today.answered + today.leftAfterThreshold;
    return {
      queueId,
      waiting: queue.waiting.size,
      longestWaitMs: oldest === Infinity ? 0 : Math.max(0, now - oldest),
      agentsByState,
      today: {
        day: today.day,
        answered: today.answered,
        answeredWithinThreshold: today.answeredWithinThreshold,
        abandoned: today.abandoned,
        abandonedWithinThreshold: today.abandonedWithinThreshold,
        overflowed: today.overflowed,
        serviceLevel: counted > 0 ? today.answeredWithinThreshold / counted : null,
        averageSpeedOfAnswerMs: today.answered > 0 ? today.totalWaitAnsweredMs / today.answered : null,
      },
    };
  }

  agentStatistics(agentId: string, now: number): AgentStatistics {
    const agent = this.agents.get(agentId);
    if (!agent) throw new RoutingError('unknown-agent', `no statistics for agent ${agentId}`);
    const today = agent.day.day === this.dayOf(now) ? agent.day : emptyAgentDay(this.dayOf(now));
    // Time in the current call or wrap-up counts as it runs (from midnight if it began earlier).
    const running = Math.max(0, now - Math.max(agent.since, now - this.msSinceMidnight(now)));
    const talkMs = today.talkMs + (agent.state === 'on-call' ? running : 0);
    const wrapUpMs = today.wrapUpMs + (agent.state === 'after-call-work' ? running : 0);
    return {
      agentId,
      state: agent.state,
      reason: agent.reason,
      inStateMs: Math.max(0, now - agent.since),
      today: {
        day: today.day,
        callsHandled: today.callsHandled,
        talkMs,
        wrapUpMs,
        handleMs: talkMs + wrapUpMs,
        averageHandleMs: today.callsHandled > 0 ? (today.talkMs + today.wrapUpMs) / today.callsHandled : null,
      },
    };
  }

  queueIds(): string[] {
    return [...this.queues.keys()];
  }

  /** The queue's counters of the day in progress at `now` (zeros when nothing happened yet that day), or null for an unknown queue. */
  queueDayCounters(queueId: string, now: number): QueueDay | null {
    const queue = this.queues.get(queueId);
    if (!queue) return null;
    return queue.day.day === this.dayOf(now) ? { ...queue.day } : emptyQueueDay(this.dayOf(now));
  }

  agentDayCounters(agentId: string, now: number): AgentDay | null {
    const agent = this.agents.get(agentId);
    if (!agent) return null;
    return agent.day.day === this.dayOf(now) ? { ...agent.day } : emptyAgentDay(this.dayOf(now));
  }

  /** Puts back a queue's saved counters for a day (after a restart); counters of another day than the queue's current one replace it only if newer. */
  restoreQueueDay(queueId: string, counters: QueueDay): void {
    const queue = this.queue(queueId, Date.parse(`${counters.day}T12:00:00Z`));
    if (counters.day >= queue.day.day) queue.day = { ...counters };
  }

  restoreAgentDay(agentId: string, counters: AgentDay): void {
    const agent = this.agent(agentId, Date.parse(`${counters.day}T12:00:00Z`));
    if (counters.day >= agent.day.day) agent.day = { ...counters };
  }

  agentIds(): string[] {
    return [...this.agents.keys()];
  }

  private queue(queueId: string, at: number): QueueRecord {
    let queue = this.queues.get(queueId);
    if (!queue) {
      queue = { thresholdMs: 20_000, waiting: new Map(), members: new Set(), day: emptyQueueDay(this.dayOf(at)) };
      this.queues.set(queueId, queue);
    }
    return queue;
  }

  private agent(agentId: string, at: number): AgentRecord {
    let agent = this.agents.get(agentId);
    if (!agent) {
      agent = { state: 'offline', reason: null, since: at, queueIds: [], day: emptyAgentDay(this.dayOf(at)) };
      this.agents.set(agentId, agent);
    }
    return agent;
  }

  private queueDay(queue: QueueRecord, at: number): QueueDay {
    const day = this.dayOf(at);
    if (queue.day.day !== day) queue.day = emptyQueueDay(day);
    return queue.day;
  }

  private agentDay(agent: AgentRecord, at: number): AgentDay {
    const day = this.dayOf(at);
    if (agent.day.day !== day) agent.day = emptyAgentDay(day);
    return agent.day;
  }

  /** Milliseconds since midnight in the tenant's time zone at `now`. */
  private msSinceMidnight(now: number): number {
    const parts = this.timeFormat.formatToParts(now);
    const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
    return ((part('hour') * 60 + part('minute')) * 60 + part('second')) * 1000 + (now % 1000);
  }
}
