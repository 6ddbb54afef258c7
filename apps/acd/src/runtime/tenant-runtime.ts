import { randomUUID } from 'node:crypto';
import {
  acdAgentStateChangedV1,
  acdAgentStatsV1,
  acdCallAbandonedV1,
  acdCallAssignedV1,
  acdCallOfferedV1,
  acdCallOverflowedV1,
  acdCallQueuedV1,
  acdCallTransferredV1,
  acdQueueStatsV1,
  type AcdAgentStatistics,
  type AcdQueueStatistics,
  type Envelope,
  type Prompt,
  type QueueConsultView,
  type QueueTransferView,
  type TransferTargetsView,
  type VoiceCommand,
  voiceCommandIssuedV1,
} from '@parley/contracts';
import { createEnvelope } from '@parley/messaging';
import { withLogContext } from '@parley/telemetry';
import { ACD_COMMAND_ISSUER } from '../acd.tokens';
import { type AgentRecord, type AgentStateChange } from '../agents/agents.repository';
import { type CallEntry, type OfferEntry } from '../calls/call-entry';
import { type ExistingCall } from '../calls/calls.repository';
import { type AgentLiveState } from '../live/agent-live-state.store';
import { type QueueConfig } from '../routing/routing-config.schema';
import { type RoutingDecision } from '../routing/routing-decision.ranking';
import { type RoutingEffect } from '../routing/routing.effects';
import { systemClock } from '../routing/clock';
import { RoutingEngine } from '../routing/routing.engine';
import { IllegalAgentTransitionError, RoutingError } from '../routing/routing.errors';
import { type SkillRecord } from '../skills/skills.repository';
import { type AgentDay, LiveStatistics, type QueueDay } from '../stats/live-statistics.calculator';
import { done, type InputResult, refused, type RoutedPayload, type RoutingInput, routingInputSchema, type VoiceInput } from './routing-input';
import { type RuntimeContext } from './runtime-context';

const E164 = /^\+[1-9][0-9]{6,14}$/;
/** Held agents' reservations on an answered call (and through its wrap-up) last this long; the engine's default. */
export const CONNECTED_LEASE_MS = 4 * 3_600_000;
/** A callback's customer rings for the offer timeout less this much (and the margin), leaving the agent time to answer. */
const CALLBACK_AGENT_RING_MS = 5_000;
const MAX_RING_MS = 120_000;
/** Pending inputs read at a time. */
const MAX_DRAIN_BATCH = 200;

const apology: Record<string, string> = {
  en: 'We are sorry, we cannot take your call right now. Please call again later. Goodbye.',
  'zh-CN': '很抱歉，我们现在无法接听您的电话。请稍后再拨。再见。',
};

/**
 * A consultation with a queue: in the engine it is a call of its own (consultId) in the consulted
 * queue, so the queue's strategy picks the agent and the decision is kept; voice consults that
 * agent on the real call. Its events are not the call's (no queued, offered or assigned events, no
 * queue statistics) until the consultation becomes the call (handOver). Kept in memory only: after
 * a restart of the routing engine the consultation goes on in voice without it (the consulted agent
 * is not shown busy, and a completion is taken as a transfer to that agent).
 */
interface ConsultEntry {
  consultId: string;
  callId: string;
  queueId: string;
  /** The agent being consulted (rung or talking), if any. */
  agentId: string | null;
  offerId: string | null;
  decisionId: string | null;
  /** Ring-all offers more than one agent: the others are let go once the consult is placed. */
  extraAgents: string[];
  talking: boolean;
}

/** Where an input came from: a pending row of acd.routing_inputs is completed in the input's own transaction. */
export interface InputSource {
  seq: string;
  wantsReply: boolean;
}

/** One piece of work for the engine, applied in order; its changes are saved with the rest of its batch. */
interface Job {
  kind: string;
  callId: string | undefined;
  apply: () => Promise<InputResult>;
  /** Any error of this job breaks the runtime (a restore). */
  fatal: boolean;
  source: InputSource | undefined;
  started: number;
  resolve: (result: InputResult) => void;
  reject: (error: unknown) => void;
}

/** Jobs saved together in one transaction at most (group commit). */
const MAX_BATCH_JOBS = 64;

/** What one input changed, saved in one transaction. */
interface Batch {
  effects: RoutingEffect[];
  liveWrites: Promise<void>[];
  dirtyCalls: Set<CallEntry>;
  decisions: RoutingDecision[];
  history: AgentStateChange[];
  lastAgents: { callerHash: string; agentId: string; at: number }[];
  envelopes: Envelope[];
  /** Unseated agents who became available and must go offline. */
  toOffline: Set<string>;
  queueDays: { queueId: string; counters: QueueDay }[];
  agentDays: { agentId: string; counters: AgentDay }[];
}

const emptyBatch = (): Batch => ({
  effects: [],
  liveWrites: [],
  dirtyCalls: new Set(),
  decisions: [],
  history: [],
  lastAgents: [],
  envelopes: [],
  toOffline: new Set(),
  queueDays: [],
  agentDays: [],
});

/** A tenant's saved state, as recovery loads it. */
export interface LoadedTenant {
  timeZone: string;
  skills: SkillRecord[];
  queues: QueueConfig[];
  agents: AgentRecord[];
  /** Calls in progress, oldest place first. */
  calls: CallEntry[];
  /** Calls routed lately that are over (to know a routed event seen again), oldest first. */
  recentlyFinished: (ExistingCall & { callId: string; routedAt: number })[];
  /** The decisions of the offers in progress, by decision id. */
  decisions: Map<string, RoutingDecision>;
  liveStates: Map<string, AgentLiveState>;
  queueDays: { queueId: string; counters: QueueDay }[];
  agentDays: { agentId: string; counters: AgentDay }[];
}

/**
 * One tenant's routing engine in this instance, with everything around it: inputs are applied one
 * at a time; each one's effects become the saved queue entries, decisions, agent history, live
 * agent state (Redis), and the events and voice commands queued in the outbox, all in one
 * transaction. A failure to save breaks the runtime (its host drops it and the tenant is rebuilt
 * from the durable state), so memory never runs ahead of what is saved for long.
 */
export class TenantRuntime {
  readonly engine: RoutingEngine;
  stats: LiveStatistics;
  readonly queues = new Map<string, QueueConfig>();
  readonly agents = new Map<string, AgentRecord>();
  readonly calls = new Map<string, CallEntry>();
  /** The skills defined in the engine. */
  readonly knownSkills = new Set<string>();
  timeZone: string;
  private readonly byVoiceCall = new Map<string, string>();
  /** Consultations with a queue in progress, by the engine call id of the consultation. */
  private readonly consults = new Map<string, ConsultEntry>();
  /** The consultation in progress on a call, by call id. */
  private readonly consultOfCall = new Map<string, string>();
  /** When the after-call work of agents in it ends (the queue of their call may have changed since: a transfer to a queue). */
  private readonly acwEndsAt = new Map<string, number>();
  /**
   * Calls routed within the last ACD_ROUTED_MAX_AGE_SECONDS (and a minute) that are over, in the
   * order they were routed: a routed event seen again for one of them is a duplicate (older routed
   * events are dropped by age before they get here), so no query is needed per routed call.
   */
  private readonly finished = new Map<string, ExistingCall & { routedAt: number }>();
  /** Calls whose acd.call.queued.v1 is out already (a retry or a takeover does not repeat it). */
  private readonly announced = new Set<string>();
  private batch: Batch | null = null;
  private readonly jobs: Job[] = [];
  private pumping = false;
  private wake: { at: number; timer: NodeJS.Timeout } | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private readonly dirtyQueues = new Set<string>();
  private readonly dirtyAgents = new Set<string>();
  private draining: Promise<void> | null = null;
  private drainRequested = false;
  private brokenBy: unknown = null;
  private stopped = false;
  lastActivityAt = Date.now();

  /** `instanceId` names this engine in offer ids and agent state changes: unique per runtime (a new one for every takeover). */
  constructor(
    readonly tenantId: string,
    readonly instanceId: string,
    private readonly ctx: RuntimeContext,
    private readonly onBroken: (runtime: TenantRuntime, error: unknown) => void,
  ) {
    this.engine = new RoutingEngine({ tenantId, instanceId, clock: systemClock, reservations: ctx.realtime.reservations, onEffect: (effect) => this.onEffect(effect) });
    this.timeZone = ctx.config.ACD_DEFAULT_TIME_ZONE;
    this.stats = new LiveStatistics({ timeZone: this.timeZone });
  }

  /**
   * Rebuilds the engine from the saved state: configuration, then each agent as its calls say it
   * is (the saved calls win over a live state that ran ahead of them), the offers and calls in
   * progress with their reservations taken over, then the waiting calls in their places (which may
   * be offered at once). Runs as the runtime's first input.
   */
  async restore(loaded: LoadedTenant): Promise<void> {
    await this.schedule({
      kind: 'restore',
      fatal: true,
      apply: async () => {
        await this.restoreFrom(loaded);
        return done;
      },
    });
  }

  private async restoreFrom(loaded: LoadedTenant): Promise<void> {
    const engine = this.engine;
    const now = Date.now();
    this.timeZone = loaded.timeZone;
    this.stats = new LiveStatistics({ timeZone: loaded.timeZone });
    for (const skill of loaded.skills) {
      engine.defineSkill({ skillId: skill.skillId, name: skill.name });
      this.knownSkills.add(skill.skillId);
    }
    for (const queue of orderByOverflow(loaded.queues)) {
      await engine.upsertQueue(queue);
      this.queues.set(queue.queueId, queue);
    }
    for (const agent of loaded.agents) {
      this.agents.set(agent.agentId, agent);
      await engine.upsertAgent(engineAgentConfig(agent, this.knownSkills, this.queues));
    }
    for (const call of loaded.calls) {
      this.index(call);
      this.announced.add(call.callId);
    }
    for (const { callId, ...call } of loaded.recentlyFinished) this.finished.set(callId, call);

    // Each agent as the saved calls say: reserved for an offer, on a call, wrapping up; else its live state.
    const holdOf = new Map<string, { state: 'reserved' | 'on-call' | 'after-call-work'; call: CallEntry; offerId: string }>();
    const offeredCalls: CallEntry[] = [];
    for (const call of loaded.calls) {
      const offerId = call.offer?.offerId;
      if (call.status === 'offered' && call.offer && offerId) {
        const decision = loaded.decisions.get(call.offer.decisionId);
        const agentIds = call.offer.agentIds.filter((agentId) => this.agents.has(agentId) && !holdOf.has(agentId));
        if (!decision || agentIds.length === 0) {
          this.ctx.logger.warn({ tenantId: this.tenantId, callId: call.callId, offerId }, 'an offer in progress could not be taken over: the call waits again');
          call.offer = null;
          call.status = 'waiting';
          this.batchOf().dirtyCalls.add(call);
          continue;
        }
        call.offer.agentIds = agentIds;
        for (const agentId of agentIds) holdOf.set(agentId, { state: 'reserved', call, offerId });
        offeredCalls.push(call);
      } else if ((call.status === 'connected' || call.status === 'wrap-up') && call.agentId && this.agents.has(call.agentId) && !holdOf.has(call.agentId)) {
        holdOf.set(call.agentId, { state: call.status === 'connected' ? 'on-call' : 'after-call-work', call, offerId: offerId ?? `${call.callId}:taken-over` });
      } else if (call.status === 'connected' || call.status === 'wrap-up') {
        this.ctx.logger.warn({ tenantId: this.tenantId, callId: call.callId, agentId: call.agentId }, 'a call in progress names no known agent: it is closed');
        call.status = 'done';
        call.outcome = 'completed';
        call.endedAt = call.endedAt ?? now;
        this.batchOf().dirtyCalls.add(call);
      }
    }
    const staleHolds = new Set<string>();
    for (const agent of loaded.agents) {
      const live = loaded.liveStates.get(agent.agentId);
      const held = holdOf.get(agent.agentId);
      if (live?.holdOfferId && live.holdOfferId !== held?.offerId) staleHolds.add(live.holdOfferId);
      const base = {
        agentId: agent.agentId,
        stateSince: live?.since ?? agent.createdAt.getTime(),
        idleSince: live?.idleSince ?? now,
        busyMs: live?.busyMs ?? 0,
        availableMs: live?.availableMs ?? 0,
        missedOffers: live?.missedOffers ?? 0,
      };
      if (held) {
        const sameState = live?.state === held.state && live.holdOfferId === held.offerId;
        await engine.adoptAgent({
          ...base,
          state: held.state,
          reason: null,
          stateSince: sameState ? base.stateSince : now,
          hold: { offerId: held.offerId, callId: held.call.callId },
          ...(held.state === 'after-call-work' ? { acwEndsAt: sameState && live?.acwEndsAt ? live.acwEndsAt : now } : {}),
        });
        if (held.state === 'after-call-work') this.acwEndsAt.set(agent.agentId, sameState && live?.acwEndsAt ? live.acwEndsAt : now);
      } else if (live && (live.state === 'available' || live.state === 'break' || live.state === 'offline')) {
        await engine.adoptAgent({ ...base, state: live.state, reason: live.reason, hold: null });
      } else if (live) {
        // Busy in its live state, but no saved call says so (the input that made it busy was not saved).
        await engine.adoptAgent({ ...base, state: 'available', reason: null, stateSince: now, idleSince: now, hold: null });
      }
    }
    for (const offerId of staleHolds) await this.ctx.realtime.reservations.release(this.tenantId, offerId);

    for (const call of offeredCalls) {
      const offer = call.offer as OfferEntry;
      await engine.adoptCall({
        callId: call.callId,
        queueId: call.queueId,
        priority: call.priority,
        skills: call.skills,
        attributes: call.attributes,
        ...(call.lastAgentId ? { lastAgentId: call.lastAgentId } : {}),
        callback: call.mode === 'callback',
        enqueuedAt: call.enqueuedAt,
        missedBy: call.missedBy,
        status: 'offered',
        offer: { offerId: offer.offerId, agentIds: offer.agentIds, offeredAt: offer.offeredAt, decision: loaded.decisions.get(offer.decisionId) as RoutingDecision },
      });
      const queue = this.queues.get(call.queueId);
      const leaseMs = Math.max(1_000, offer.offeredAt + (queue?.offerTimeoutSeconds ?? 20) * 1000 + 5_000 - now);
      await this.retakeHold(offer.offerId, call.callId, offer.agentIds, leaseMs);
    }
    for (const [agentId, held] of holdOf) {
      if (held.state === 'reserved') continue;
      const call = held.call;
      if (held.state === 'on-call') {
        await engine.adoptCall({
          callId: call.callId,
          queueId: call.queueId,
          priority: call.priority,
          skills: call.skills,
          attributes: call.attributes,
          callback: call.mode === 'callback',
          enqueuedAt: call.enqueuedAt,
          status: 'connected',
          agentId,
          offerId: held.offerId,
          connectedAt: call.connectedAt ?? now,
        });
      }
      await this.retakeHold(held.offerId, call.callId, [agentId], CONNECTED_LEASE_MS);
    }
    for (const agent of loaded.agents) this.batchOf().liveWrites.push(this.writeLiveState(agent.agentId));

    this.seedStatistics(loaded.queueDays, loaded.agentDays, now);
    // The waiting calls, in their places (an agent may get one at once).
    for (const call of loaded.calls) {
      if (call.status !== 'waiting' || this.engine.hasCall(call.callId)) continue;
      if (call.mode === 'callback' && call.callbackRetryAt !== null && call.callbackRetryAt > now) continue;
      call.callbackRetryAt = null;
      if (call.mode === 'callback' && call.callbackVoice === 'dialing') {
        // The customer was being called when the engine died: that call is left to end on its own.
        this.unindexVoice(call);
        call.voiceCallId = null;
        call.callbackVoice = null;
      }
      await this.enqueueInEngine(call, call.enqueuedAt);
    }
  }

  /** Takes over the reservation of an offer or call made by the engine that died: extended, or taken again if it lapsed. */
  private async retakeHold(offerId: string, callId: string, agentIds: readonly string[], leaseMs: number): Promise<void> {
    const reservations = this.ctx.realtime.reservations;
    if (await reservations.extend(this.tenantId, offerId, leaseMs)) return;
    const result = await reservations.reserve({ tenantId: this.tenantId, offerId, callId, agentIds, owner: this.instanceId, leaseMs });
    if (!result.ok) this.ctx.logger.error({ tenantId: this.tenantId, callId, offerId, conflict: result.conflict }, 'could not take over the reservation of a call in progress');
  }

  /** Fresh statistics for the engine's present state, with today's saved counters. */
  private seedStatistics(queueDays: readonly { queueId: string; counters: QueueDay }[], agentDays: readonly { agentId: string; counters: AgentDay }[], now: number): void {
    const stats = new LiveStatistics({ timeZone: this.timeZone });
    for (const queue of this.queues.values()) stats.apply({ type: 'queue-configured', at: now, queueId: queue.queueId, version: queue.version, serviceLevelThresholdMs: queue.serviceLevel.thresholdSeconds * 1000 });
    for (const agentId of this.agents.keys()) {
      const view = this.engine.agentView(agentId);
      if (!view) continue;
      stats.apply({ type: 'agent-configured', at: now, agentId, version: view.version, queueIds: view.queueIds });
      if (view.state !== 'offline') stats.apply({ type: 'agent-state-changed', at: Math.min(view.stateSince, now), agentId, from: 'offline', to: view.state, reason: view.reason, callId: view.hold?.callId ?? null, by: this.instanceId });
    }
    for (const call of this.calls.values()) {
      if (call.status === 'waiting' || call.status === 'offered') {
        stats.apply({ type: 'call-queued', at: now, callId: call.callId, queueId: call.queueId, priority: call.priority, overflowedFrom: null, enqueuedAt: call.enqueuedAt });
      }
    }
    const today = stats.dayOf(now);
    for (const { queueId, counters } of queueDays) if (counters.day === today) stats.restoreQueueDay(queueId, counters);
    for (const { agentId, counters } of agentDays) if (counters.day === today) stats.restoreAgentDay(agentId, counters);
    this.stats = stats;
  }

  get broken(): boolean {
    return this.brokenBy !== null;
  }

  /** Called by the engine with every effect as it happens: translated into the batch's changes, and the live state written at once (before the engine's next reservation). */
  onEffect(effect: RoutingEffect): void {
    const batch = this.batch;
    if (!batch) {
      this.ctx.logger.error({ tenantId: this.tenantId, effect: effect.type }, 'a routing effect outside an input');
      return;
    }
    batch.effects.push(effect);
    // At once: the next job of the batch must see what this one did (and the engine's next reservation, the live state).
    this.translate(effect, batch);
    if (effect.type === 'agent-state-changed') batch.liveWrites.push(this.writeLiveState(effect.agentId));
  }

  /** Applies an input (in order with the others); resolves with its result once it is saved. */
  submit(input: RoutingInput, source?: InputSource): Promise<InputResult> {
    return this.schedule({ kind: input.kind, callId: callIdOf(input), source, apply: () => this.apply(input) });
  }

  /** Starts the timers (engine and callback retries, statistics). */
  start(): void {
    this.scheduleWake();
    this.statsTimer = setInterval(() => void this.schedule({ kind: 'flush-stats', apply: () => this.flushStatistics() }).catch(() => undefined), this.ctx.config.ACD_STATS_INTERVAL_MS);
    this.statsTimer.unref();
  }

  /** Stops timers; inputs still queued are refused. */
  stop(): void {
    this.stopped = true;
    if (this.wake) clearTimeout(this.wake.timer);
    this.wake = null;
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
  }

  /** Waits for the inputs in progress. */
  async idle(): Promise<void> {
    while (this.pumping) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Whether nothing routes here: no calls, no agent reserved, on a call or wrapping up. */
  isIdle(): boolean {
    if (this.calls.size > 0) return false;
    for (const agent of this.agents.values()) {
      const view = this.engine.agentView(agent.agentId);
      if (view && view.hold !== null) return false;
    }
    return true;
  }

  knowsVoiceCall(voiceCallId: string): boolean {
    return this.byVoiceCall.has(voiceCallId);
  }

  /** Applies the inputs other instances (and configuration changes) left for this tenant, in order. */
  drain(): Promise<void> {
    this.drainRequested = true;
    this.draining ??= this.drainWhileAsked();
    return this.draining;
  }

  /** Reads the pending inputs again as long as someone asked since the last read (a row added meanwhile is never left behind). */
  private async drainWhileAsked(): Promise<void> {
    try {
      while (this.drainRequested) {
        this.drainRequested = false;
        await this.drainPending();
      }
    } finally {
      this.draining = null;
    }
  }

  private async drainPending(): Promise<void> {
    for (;;) {
      if (this.stopped || this.broken) return;
      const pending = await this.ctx.uow.inTenant(this.tenantId, (tx) => this.ctx.inputs.pending(tx, MAX_DRAIN_BATCH));
      if (pending.length === 0) return;
      for (const row of pending) {
        const parsed = routingInputSchema.safeParse(row.input);
        if (!parsed.success) {
          this.ctx.logger.error({ tenantId: this.tenantId, seq: row.seq }, 'an unreadable routing input was dropped');
          await this.ctx.uow.inTenant(this.tenantId, (tx) => this.ctx.inputs.complete(tx, row.seq, row.wantsReply, refused(400, 'the input is unreadable')));
          continue;
        }
        await this.submit(parsed.data, { seq: row.seq, wantsReply: row.wantsReply });
        if (this.broken) return;
      }
      if (pending.length < MAX_DRAIN_BATCH) return;
    }
  }

  private schedule(job: { kind: string; apply: () => Promise<InputResult>; fatal?: boolean; source?: InputSource | undefined; callId?: string | undefined }): Promise<InputResult> {
    return new Promise<InputResult>((resolve, reject) => {
      if (this.stopped || this.broken) {
        reject(notRunning(this.tenantId));
        return;
      }
      this.jobs.push({ kind: job.kind, callId: job.callId, apply: job.apply, fatal: job.fatal ?? false, source: job.source, started: performance.now(), resolve, reject });
      if (!this.pumping) void this.pump();
    });
  }

  /**
   * Applies the queued jobs one after the other, then saves all their changes in one transaction
   * (group commit), then answers them: the jobs that arrive while a batch applies join it (up to
   * MAX_BATCH_JOBS). A failure to save breaks the runtime and fails every job of the batch and
   * every job still queued.
   */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.jobs.length > 0) {
        if (this.stopped || this.broken) {
          for (const job of this.jobs.splice(0)) job.reject(notRunning(this.tenantId));
          return;
        }
        this.batch = emptyBatch();
        const taken: { job: Job; result: InputResult }[] = [];
        let fatal: { error: unknown } | null = null;
        while (this.jobs.length > 0 && taken.length < MAX_BATCH_JOBS) {
          const job = this.jobs.shift() as Job;
          this.lastActivityAt = Date.now();
          try {
            const result = await withLogContext({ tenantId: this.tenantId, ...(job.callId ? { callId: job.callId } : {}) }, () => job.apply());
            taken.push({ job, result });
          } catch (error) {
            if (job.fatal) {
              this.breakWith(error);
              fatal = { error };
            } else {
              try {
                taken.push({ job, result: this.resultOfError(error, job.kind) });
                continue;
              } catch (broken) {
                fatal = { error: broken };
              }
            }
            taken.push({ job, result: refused(503, 'the routing engine failed') });
            break;
          }
        }
        if (fatal === null) {
          try {
            await this.commit(taken);
          } catch (error) {
            this.breakWith(error);
            fatal = { error };
          }
        }
        const batch = this.batch;
        this.batch = null;
        if (fatal !== null) {
          for (const { job } of taken) job.reject(fatal.error);
          for (const job of this.jobs.splice(0)) job.reject(fatal.error);
          return;
        }
        for (const { job, result } of taken) {
          this.ctx.metrics.inputs.inc({ kind: job.kind, result: result.ok ? 'applied' : 'refused' });
          this.ctx.metrics.inputSeconds.observe({ kind: job.kind }, (performance.now() - job.started) / 1000);
          job.resolve(result);
        }
        for (const agentId of batch?.toOffline ?? []) {
          void this.schedule({ kind: 'offline', apply: () => this.offlineIfUnseated(agentId) }).catch(() => undefined);
        }
        this.scheduleWake();
      }
    } finally {
      // In the same synchronous step as the last look at the queue: a job scheduled after it starts a new pump.
      this.pumping = false;
    }
  }

  /** A refusal the caller should hear about, or a failure that breaks the runtime (thrown). */
  private resultOfError(error: unknown, kind: string): InputResult {
    if (error instanceof IllegalAgentTransitionError) {
      return refused(409, error.message, [{ path: 'state', message: `cannot go from ${error.from} to ${error.to}; allowed from ${error.from}: ${error.allowed.join(', ') || 'nothing'}` }]);
    }
    if (error instanceof RoutingError) {
      if (error.code === 'invalid-input' || error.code === 'stale-config') return refused(400, error.message);
      if (error.code === 'unknown-agent' || error.code === 'unknown-queue' || error.code === 'unknown-call') return refused(404, error.message);
      if (error.code === 'reservations-unavailable') {
        // The engine parked what it was doing and retries; the effects so far are saved.
        this.ctx.logger.warn({ tenantId: this.tenantId, input: kind, err: error.message }, 'agent reservations failed; the engine retries');
        return refused(503, error.message);
      }
      if (error.code === 'offer-mismatch' || error.code === 'call-exists' || error.code === 'illegal-transition') return refused(409, error.message);
    }
    this.breakWith(error);
    throw error;
  }

  /** Saves what the batch changed in one transaction: queue entries, decisions, history, counters, replies, outbox. */
  private async commit(taken: readonly { job: Job; result: InputResult }[]): Promise<void> {
    const batch = this.batchOf();
    await Promise.all(batch.liveWrites);
    await this.ctx.uow.inTenant(this.tenantId, async (tx) => {
      await this.ctx.calls.save(tx, [...batch.dirtyCalls], this.ctx.cipher);
      await this.ctx.decisions.insert(tx, batch.decisions);
      await this.ctx.agents.insertHistory(tx, batch.history);
      await this.ctx.calls.saveLastAgents(tx, batch.lastAgents);
      await this.ctx.daily.saveQueueDays(tx, batch.queueDays);
      await this.ctx.daily.saveAgentDays(tx, batch.agentDays);
      for (const { job, result } of taken) if (job.source) await this.ctx.inputs.complete(tx, job.source.seq, job.source.wantsReply, result);
      if (batch.envelopes.length > 0) await this.ctx.outbox.add(tx, batch.envelopes);
    });
    for (const call of batch.dirtyCalls) {
      if (call.status === 'done') this.forget(call);
    }
  }

  private async offlineIfUnseated(agentId: string): Promise<InputResult> {
    const view = this.engine.agentView(agentId);
    const agent = this.agents.get(agentId);
    if (view && agent && !agent.hasSeat && (view.state === 'available' || view.state === 'break')) await this.engine.setAgentState(agentId, 'offline');
    return done;
  }

  private breakWith(error: unknown): void {
    if (this.brokenBy !== null) return;
    this.brokenBy = error;
    this.stop();
    this.ctx.logger.error({ tenantId: this.tenantId, err: error instanceof Error ? error.message : String(error) }, 'the routing engine of the tenant failed; it is rebuilt from the saved state');
    this.onBroken(this, error);
  }

  // ---- inputs -----------------------------------------------------------------------------------------

  private async apply(input: RoutingInput): Promise<InputResult> {
    switch (input.kind) {
      case 'routed':
        return this.routed(input.routed);
      case 'voice':
        return this.voice(input.event);
      case 'config':
        return this.reloadConfig(input.scope, input.id);
      case 'agent-state':
        return this.setAgentState(input.agentId, input.to, input.reason);
      case 'queue-stats': {
        if (!this.queues.has(input.queueId)) return refused(404, `queue ${input.queueId} was not found`);
        return { ok: true, value: this.queueStatistics(input.queueId, Date.now()) };
      }
      case 'agents-stats': {
        const now = Date.now();
        return { ok: true, value: [...this.agents.keys()].sort().map((agentId) => this.agentStatistics(agentId, now)) };
      }
      case 'queue-transfer':
        return this.transferToQueue(input.callId, input.queueId, input.agentId, input.requestedBy);
      case 'queue-consult':
        return this.consultQueue(input.callId, input.queueId, input.agentId);
      case 'transfer-targets':
        return { ok: true, value: this.transferTargets(Date.now()) };
    }
  }

  /**
   * Blind transfer to a queue: the agent's part of the call ends as any call does (talk time in the
   * queue it came from, after-call work), voice releases the agent and plays music to the caller,
   * and the same call waits in the target queue from now on (its own skills and sticky agent are
   * dropped: the target queue's requirements apply).
   */
  private async transferToQueue(callId: string, queueId: string, requester: string | null, requestedBy: string): Promise<InputResult> {
    const found = this.connectedCallFor(callId, queueId, requester, { action: 'transferred to a queue', verb: 'transfers only their own call' });
    if ('refusal' in found) return found.refusal;
    const { call, agentId: fromAgentId, voiceCallId } = found;
    const fromQueueId = call.queueId;
    // The agent leaves first (the commands of a call are carried out in order): the caller hears music until the next agent.
    this.command(voiceCallId, { type: 'release' });
    await this.engine.releaseCall(callId);
    const now = Date.now();
    this.reopenIn(call, queueId, { status: 'waiting', mohOn: true, enqueuedAt: now, offer: null, agentId: null, connectedAt: null });
    // Announced again, in its new queue.
    this.announced.delete(callId);
    this.batchOf().envelopes.push(
      createEnvelope(acdCallTransferredV1, this.tenantId, { callId, voiceCallId, fromQueueId, queueId, fromAgentId, requestedBy, transferredAt: new Date(now).toISOString() }),
    );
    this.ctx.logger.info({ tenantId: this.tenantId, callId, fromQueueId, queueId, fromAgentId, requestedBy }, 'call transferred to a queue');
    await this.enqueueInEngine(call, now);
    const view: QueueTransferView = { callId, fromQueueId, queueId, fromAgentId, status: 'waiting' };
    return { ok: true, value: view };
  }

  /**
   * Consultation with a queue: the queue's strategy picks an available agent now (a consultation
   * does not wait in the queue: 409 when nobody is free), and voice consults that agent on the call
   * (the caller on hold). Completing it hands the call over to that agent, in that queue.
   */
  private async consultQueue(callId: string, queueId: string, requester: string | null): Promise<InputResult> {
    if (this.consultOfCall.has(callId)) return refused(409, `a consultation with a queue is in progress on call ${callId}: complete or cancel it first`);
    const found = this.connectedCallFor(callId, queueId, requester, { action: 'consulted on', verb: 'consults only on their own call' });
    if ('refusal' in found) return found.refusal;
    const { call } = found;
    const consult: ConsultEntry = { consultId: randomUUID(), callId, queueId, agentId: null, offerId: null, decisionId: null, extraAgents: [], talking: false };
    this.consults.set(consult.consultId, consult);
    this.consultOfCall.set(callId, consult.consultId);
    await this.engine.enqueueCall({ callId: consult.consultId, queueId, priority: call.priority, skills: [], attributes: call.attributes });
    if (consult.agentId === null) {
      await this.dropConsult(consult);
      return refused(409, `no agent of queue ${queueId} is available to consult now: transfer the call to the queue instead (the caller waits there)`);
    }
    await this.letExtraAgentsGo(consult);
    this.ctx.logger.info({ tenantId: this.tenantId, callId, queueId, consultedAgentId: consult.agentId }, 'consultation with a queue placed');
    const view: QueueConsultView = { callId, queueId, agentId: consult.agentId, decisionId: consult.decisionId as string, status: 'ringing' };
    return { ok: true, value: view };
  }

  /** The connected call an agent (`requester`; null: a supervisor) may send to `queueId`, or why not. */
  private connectedCallFor(
    callId: string,
    queueId: string,
    requester: string | null,
    words: { action: string; verb: string },
  ): { call: CallEntry; agentId: string; voiceCallId: string } | { refusal: InputResult } {
    const call = this.calls.get(callId);
    if (!call || call.status === 'done') return { refusal: refused(404, `call ${callId} is not in progress in a queue`) };
    if (call.status !== 'connected' || !call.agentId || !call.voiceCallId || !this.engine.hasCall(callId)) {
      return { refusal: refused(409, `call ${callId} is ${call.status}, not connected to an agent: only a connected call can be ${words.action}`) };
    }
    if (requester !== null && call.agentId !== requester) return { refusal: refused(409, `call ${callId} is connected to another agent: an agent ${words.verb}`) };
    if (!this.queues.has(queueId)) return { refusal: refused(404, `queue ${queueId} was not found`) };
    return { call, agentId: call.agentId, voiceCallId: call.voiceCallId };
  }

  /**
   * The call goes on in `queueId` after its agent's part completed (finishCall may have closed it
   * when the queue has no after-call work): in progress again, without the first queue's skills,
   * sticky agent and missed offers.
   */
  private reopenIn(call: CallEntry, queueId: string, state: Partial<CallEntry>): void {
    Object.assign(call, { queueId, outcome: null, endedAt: null, skills: [], lastAgentId: null, missedBy: [], ...state } satisfies Partial<CallEntry>);
    this.finished.delete(call.callId);
    this.batchOf().dirtyCalls.add(call);
  }

  /** A ring-all queue offers a consultation to several agents: only the first is consulted, the others are let go. */
  private async letExtraAgentsGo(consult: ConsultEntry): Promise<void> {
    for (const agentId of consult.extraAgents.splice(0)) await this.engine.declineOffer(consult.consultId, agentId);
  }

  private consultOf(call: CallEntry): ConsultEntry | undefined {
    const consultId = this.consultOfCall.get(call.callId);
    return consultId ? this.consults.get(consultId) : undefined;
  }

  /** The consultation is over without becoming the call: the consulted agent is free (no after-call work for a consultation). */
  private async dropConsult(consult: ConsultEntry): Promise<void> {
    this.consults.delete(consult.consultId);
    if (this.consultOfCall.get(consult.callId) === consult.consultId) this.consultOfCall.delete(consult.callId);
    if (!this.engine.hasCall(consult.consultId)) return;
    if (consult.talking) await this.engine.endCall(consult.consultId, { afterCallWork: false });
    else await this.engine.forgetCall(consult.consultId);
  }

  /** The consulted agent takes the call over (the consultation completed, or the first agent left it). */
  private async handOverConsult(call: CallEntry, consult: ConsultEntry): Promise<void> {
    this.consults.delete(consult.consultId);
    this.consultOfCall.delete(call.callId);
    if (!consult.talking || !this.engine.hasCall(consult.consultId) || !this.engine.hasCall(call.callId)) return;
    const fromAgentId = call.agentId;
    await this.engine.handOver(call.callId, consult.consultId);
    // It goes on with the consulted agent (connected by the handover), in the consulted queue.
    this.reopenIn(call, consult.queueId, { status: 'connected' });
    this.ctx.logger.info({ tenantId: this.tenantId, callId: call.callId, fromAgentId, agentId: consult.agentId, queueId: consult.queueId }, 'consultation completed: the consulted agent has the call');
  }

  /** Engine effects about a consultation's own call: they drive voice, but are not the call's events or statistics. */
  private translateConsult(effect: RoutingEffect, consult: ConsultEntry, batch: Batch): void {
    switch (effect.type) {
      case 'call-offered': {
        batch.decisions.push(effect.decision);
        const [agentId, ...others] = effect.agentIds;
        if (!agentId) return;
        consult.agentId = agentId;
        consult.offerId = effect.offerId;
        consult.decisionId = effect.decision.decisionId;
        consult.extraAgents = others;
        const call = this.calls.get(consult.callId);
        const queue = this.queues.get(consult.queueId);
        if (call?.voiceCallId) {
          const ringTimeoutMs = Math.min(MAX_RING_MS, Math.max(1_000, (queue?.offerTimeoutSeconds ?? 20) * 1000 - this.ctx.config.ACD_RING_MARGIN_MS));
          this.command(call.voiceCallId, { type: 'consult', target: { kind: 'agent', agentId }, ringTimeoutMs });
        }
        return;
      }
      case 'offer-ended':
        if (effect.outcome !== 'accepted' && effect.offerId === consult.offerId && consult.agentId !== null && effect.agentIds.includes(consult.agentId)) {
          consult.agentId = null;
          consult.offerId = null;
        }
        return;
      case 'call-answered':
        consult.talking = true;
        return;
      default:
        return;
    }
  }

  private transferTargets(now: number): TransferTargetsView {
    const queues = [...this.queues.values()]
      .map((queue) => {
        const stats = this.queueStatistics(queue.queueId, now);
        return { queueId: queue.queueId, name: queue.name, waiting: stats.waiting, availableAgents: stats.agentsByState.available };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    const agents = [...this.agents.values()]
      .filter((agent) => agent.hasSeat)
      .map((agent) => ({ agentId: agent.agentId, state: this.engine.agentView(agent.agentId)?.state ?? 'offline' }))
      .sort((a, b) => a.agentId.localeCompare(b.agentId));
    return { queues, agents };
  }

  private async routed(p: RoutedPayload): Promise<InputResult> {
    if (this.calls.has(p.callId)) return done;
    const existing = this.finished.get(p.callId) ?? null;
    // A callback requested after this acd overflowed the call to a callback offer keeps the caller's place.
    const keepsPlace = existing !== null && existing.status === 'done' && existing.outcome === 'overflowed' && p.mode === 'callback';
    if (existing !== null && !keepsPlace) return done;
    const now = Date.now();
    const callerHash = E164.test(p.callerNumber) ? this.ctx.cipher.callerHash(this.tenantId, p.callerNumber) : null;
    const queue = this.queues.get(p.queue);
    const call: CallEntry = {
      callId: p.callId,
      voiceCallId: p.mode === 'live' ? p.callId : null,
      queueId: p.queue,
      mode: p.mode,
      status: 'waiting',
      outcome: null,
      priority: p.priority,
      skills: p.skills.map((s) => ({ skillId: s.skill, minProficiency: s.minProficiency })),
      attributes: p.attributes,
      afterAgent: p.afterAgent,
      locale: p.locale,
      callerHash,
      lastAgentId: null,
      dialledNumber: p.dialledNumber,
      callbackNumber: p.mode === 'callback' ? (p.callbackNumber ?? null) : null,
      callbackAttempts: 0,
      callbackRetryAt: null,
      callbackVoice: null,
      mohOn: false,
      enqueuedAt: keepsPlace && existing ? existing.enqueuedAt : p.mode === 'callback' ? Math.min(Date.parse(p.routedAt), now) : now,
      offer: null,
      agentId: null,
      connectedAt: null,
      missedBy: [],
      routedAt: Date.parse(p.routedAt),
      endedAt: null,
    };
    this.index(call);
    if (!queue) return this.reject(call, 'unknown-queue', `queue ${p.queue} is unknown`);
    const unknownSkill = call.skills.find((s) => !this.engineKnowsSkill(s.skillId));
    if (unknownSkill) return this.reject(call, 'unknown-skill', `skill ${unknownSkill.skillId} is unknown`);
    if (p.mode === 'callback' && (!call.callbackNumber || !E164.test(call.callbackNumber) || !E164.test(call.dialledNumber))) {
      // Nobody is on the line to tell: the request is logged and dropped.
      this.ctx.logger.warn({ tenantId: this.tenantId, callId: call.callId }, 'a callback request without an E.164 callback number and dialled number was refused');
      call.status = 'done';
      call.outcome = 'rejected';
      call.endedAt = now;
      this.batchOf().dirtyCalls.add(call);
      return refused(400, 'a callback needs an E.164 callbackNumber and dialledNumber');
    }
    if (callerHash !== null && queue.stickyAgentSeconds > 0) {
      const last = await this.ctx.uow.inTenant(this.tenantId, (tx) => this.ctx.calls.lastAgent(tx, callerHash));
      if (last && this.agents.has(last.agentId)) call.lastAgentId = last.agentId;
    }
    this.batchOf().dirtyCalls.add(call);
    await this.enqueueInEngine(call, p.mode === 'callback' || keepsPlace ? call.enqueuedAt : undefined);
    return done;
  }

  private async enqueueInEngine(call: CallEntry, enqueuedAt: number | undefined): Promise<void> {
    await this.engine.enqueueCall({
      callId: call.callId,
      queueId: call.queueId,
      priority: call.priority,
      skills: call.skills,
      attributes: call.attributes,
      ...(call.lastAgentId ? { lastAgentId: call.lastAgentId } : {}),
      ...(enqueuedAt !== undefined ? { enqueuedAt } : {}),
      callback: call.mode === 'callback',
    });
  }

  /** The call cannot be routed: the caller is told and hung up, and the refusal is published. */
  private reject(call: CallEntry, reason: 'unknown-queue' | 'unknown-skill', detail: string): InputResult {
    const now = Date.now();
    call.status = 'done';
    call.outcome = 'rejected';
    call.endedAt = now;
    const batch = this.batchOf();
    batch.dirtyCalls.add(call);
    this.ctx.logger.warn({ tenantId: this.tenantId, callId: call.callId, queueId: call.queueId, reason }, `a routed call was refused: ${detail}`);
    batch.envelopes.push(
      createEnvelope(acdCallOverflowedV1, this.tenantId, { callId: call.callId, queueId: call.queueId, action: 'rejected', reason, waitedMs: 0, overflowedAt: new Date(now).toISOString() }),
    );
    if (call.mode === 'live' && call.voiceCallId) {
      const locale = call.locale === 'zh-CN' ? 'zh-CN' : 'en';
      const prompt: Prompt = { kind: 'text', text: apology[locale] ?? (apology.en as string), locale };
      this.command(call.voiceCallId, { type: 'play', prompts: [prompt], bargeIn: false });
      this.command(call.voiceCallId, { type: 'hangup', reason: `acd: ${detail}` });
    }
    this.ctx.metrics.callsEnded.inc({ outcome: 'rejected' });
    return refused(404, detail);
  }

  private async voice(event: VoiceInput): Promise<InputResult> {
    const callId = this.byVoiceCall.get(event.voiceCallId);
    const call = callId ? this.calls.get(callId) : undefined;
    if (!call) return done;
    switch (event.type) {
      case 'bridged':
        if (!call.offer?.agentIds.includes(event.agentId) || !this.engine.hasCall(call.callId)) {
          this.ctx.logger.warn({ tenantId: this.tenantId, callId: call.callId, agentId: event.agentId }, 'voice bridged the call to an agent it is not offered to');
          return done;
        }
        await this.engine.acceptOffer(call.callId, event.agentId);
        return done;
      case 'ended': {
        if (call.mode === 'callback' && call.callbackVoice === 'dialing') return this.callbackNotReached(call, `the customer's phone did not answer (${event.reason})`);
        const consult = this.consultOf(call);
        if (consult) await this.dropConsult(consult);
        if (this.engine.hasCall(call.callId)) await this.engine.endCall(call.callId);
        return done;
      }
      case 'consult-answered': {
        const consult = this.consultOf(call);
        if (consult?.agentId === event.agentId && this.engine.hasCall(consult.consultId)) await this.engine.acceptOffer(consult.consultId, event.agentId);
        return done;
      }
      case 'consult-failed': {
        const consult = this.consultOf(call);
        if (!consult || consult.agentId !== event.agentId || !this.engine.hasCall(consult.consultId)) return done;
        // As an offer: a phone that was tried and not answered is a missed offer; the queue may offer the consultation to its next agent at once.
        if (event.sipStatus !== null) await this.engine.missOffer(consult.consultId, event.agentId);
        else await this.engine.declineOffer(consult.consultId, event.agentId);
        if (consult.agentId === null) await this.dropConsult(consult);
        else await this.letExtraAgentsGo(consult);
        return done;
      }
      case 'consult-ended': {
        const consult = this.consultOf(call);
        if (!consult) return done;
        if (event.outcome === 'completed' || event.outcome === 'agent-hangup') await this.handOverConsult(call, consult);
        else if (event.outcome !== 'conference') await this.dropConsult(consult);
        return done;
      }
      case 'conference-ended': {
        const consult = this.consultOf(call);
        if (!consult) return done;
        if (event.reason === 'agent-left') await this.handOverConsult(call, consult);
        else if (event.reason === 'third-party-left') await this.dropConsult(consult);
        return done;
      }
      case 'transferred': {
        if (event.attended && event.agentId !== undefined) {
          // The end of a consultation with a queue: the consulted agent has the call (or already had it).
          const consult = this.consultOf(call);
          if (consult?.agentId === event.agentId) {
            await this.handOverConsult(call, consult);
            return done;
          }
          if (call.agentId === event.agentId) return done;
        }
        if (call.status === 'waiting' || call.status === 'offered') return done;
        if (call.status === 'connected' && this.engine.hasCall(call.callId)) await this.engine.endCall(call.callId);
        this.unindexVoice(call);
        return done;
      }
      case 'unbridged':
        // The agent left a call that goes on (back to the IVR, or to where the agent transferred it).
        // A call transferred to a queue meanwhile waits there: it stays this acd's.
        if (call.status === 'waiting' || call.status === 'offered') return done;
        if (call.status === 'connected' && this.engine.hasCall(call.callId)) await this.engine.endCall(call.callId);
        this.unindexVoice(call);
        return done;
      case 'answered':
        if (call.mode === 'callback' && call.callbackVoice === 'dialing') await this.callbackAnswered(call);
        return done;
      case 'command-failed':
        return this.commandFailed(call, event);
    }
  }

  private async commandFailed(call: CallEntry, event: Extract<VoiceInput, { type: 'command-failed' }>): Promise<InputResult> {
    if (event.commandType === 'originate' && call.callbackVoice === 'dialing') {
      return this.callbackNotReached(call, `the call to the customer failed: ${event.detail}`);
    }
    if (event.reason === 'unknown-call' && this.engine.hasCall(call.callId)) {
      // Voice no longer has the call: the caller is gone.
      await this.engine.endCall(call.callId);
      return done;
    }
    if (event.commandType === 'bridge-agent' && call.offer) {
      const agentId = Object.entries(call.offer.bridgeCommands).find(([, commandId]) => commandId === event.commandId)?.[0];
      if (agentId && call.offer.agentIds.includes(agentId)) {
        this.ctx.logger.info({ tenantId: this.tenantId, callId: call.callId, agentId, sipStatus: event.sipStatus, detail: event.detail }, 'the offer did not reach the agent');
        // With a SIP status the phone was tried (480 not registered, 486/603 declined, 487 rang out): a missed offer.
        // Without one voice never rang it (it is dialling another agent of a ring-all offer): the offer just ends for this agent.
        if (event.sipStatus !== null) await this.engine.missOffer(call.callId, agentId);
        else await this.engine.declineOffer(call.callId, agentId);
      }
      return done;
    }
    this.ctx.logger.warn({ tenantId: this.tenantId, callId: call.callId, command: event.commandType, reason: event.reason, detail: event.detail }, 'a voice command of the acd failed');
    return done;
  }

  private async callbackAnswered(call: CallEntry): Promise<void> {
    call.callbackVoice = 'live';
    const voiceCallId = call.voiceCallId as string;
    this.command(voiceCallId, { type: 'music-on-hold', on: true });
    call.mohOn = true;
    if (call.offer && call.status === 'offered') {
      this.ringAgents(call, call.offer, Date.now());
    }
    this.batchOf().dirtyCalls.add(call);
  }

  /** This attempt to call the customer back failed: the agent is freed; the callback waits and tries again, or is given up. */
  private async callbackNotReached(call: CallEntry, why: string): Promise<InputResult> {
    if (this.engine.hasCall(call.callId)) await this.engine.forgetCall(call.callId);
    const now = Date.now();
    this.unindexVoice(call);
    call.voiceCallId = null;
    call.callbackVoice = null;
    call.mohOn = false;
    call.offer = null;
    call.status = 'waiting';
    const batch = this.batchOf();
    batch.dirtyCalls.add(call);
    if (call.callbackAttempts >= this.ctx.config.ACD_CALLBACK_MAX_ATTEMPTS) {
      this.ctx.logger.warn({ tenantId: this.tenantId, callId: call.callId, attempts: call.callbackAttempts }, `callback given up: ${why}`);
      call.status = 'done';
      call.outcome = 'callback-unreachable';
      call.endedAt = now;
      const waitedMs = Math.max(0, now - call.enqueuedAt);
      this.stats.apply({ type: 'call-abandoned', at: now, callId: call.callId, queueId: call.queueId, waitedMs });
      this.dirtyQueues.add(call.queueId);
      batch.envelopes.push(
        createEnvelope(acdCallAbandonedV1, this.tenantId, { callId: call.callId, queueId: call.queueId, reason: 'callback-unreachable', waitedMs, abandonedAt: new Date(now).toISOString() }),
      );
      this.ctx.metrics.callsEnded.inc({ outcome: 'callback-unreachable' });
      return done;
    }
    call.callbackRetryAt = now + this.ctx.config.ACD_CALLBACK_RETRY_SECONDS * 1000;
    this.ctx.logger.info({ tenantId: this.tenantId, callId: call.callId, attempts: call.callbackAttempts, retryAt: new Date(call.callbackRetryAt).toISOString() }, `callback attempt failed: ${why}`);
    return done;
  }

  private async fireTimers(): Promise<void> {
    await this.engine.fireDueTimers();
    const now = Date.now();
    for (const call of [...this.calls.values()]) {
      if (call.callbackRetryAt !== null && call.callbackRetryAt <= now && call.status === 'waiting' && !this.engine.hasCall(call.callId)) {
        call.callbackRetryAt = null;
        this.batchOf().dirtyCalls.add(call);
        await this.enqueueInEngine(call, call.enqueuedAt);
      }
    }
  }

  private async setAgentState(agentId: string, to: 'available' | 'break' | 'offline', reason: string | null): Promise<InputResult> {
    const agent = this.agents.get(agentId);
    if (!agent) return refused(404, `agent ${agentId} was not found`);
    if (!agent.hasSeat && to !== 'offline') return refused(409, `agent ${agentId} holds no seat: only offline is possible`, [{ path: 'state', message: 'needs a seat' }]);
    await this.engine.setAgentState(agentId, to, reason ?? undefined);
    return { ok: true, value: this.liveStateOf(agentId) };
  }

  private engineKnowsSkill(skillId: string): boolean {
    return this.knownSkills.has(skillId);
  }

  private async reloadConfig(scope: 'skill' | 'queue' | 'agent' | 'settings', id: string): Promise<InputResult> {
    const ctx = this.ctx;
    switch (scope) {
      case 'skill': {
        const skill = await ctx.uow.inTenant(this.tenantId, (tx) => ctx.skills.find(tx, id));
        if (skill) {
          this.engine.defineSkill({ skillId: skill.skillId, name: skill.name });
          this.knownSkills.add(skill.skillId);
        }
        return done;
      }
      case 'queue': {
        const queues = await ctx.uow.inTenant(this.tenantId, (tx) => ctx.queues.list(tx));
        for (const queue of orderByOverflow(queues.map((q) => q.config))) {
          const current = this.queues.get(queue.queueId);
          if (current && current.version >= queue.version) continue;
          await this.engine.upsertQueue(queue);
          this.queues.set(queue.queueId, queue);
        }
        return done;
      }
      case 'agent': {
        const record = await ctx.uow.inTenant(this.tenantId, (tx) => ctx.agents.find(tx, id));
        if (!record) return done;
        const current = this.agents.get(record.agentId);
        if (current && current.version >= record.version) return done;
        this.agents.set(record.agentId, record);
        await this.engine.upsertAgent(engineAgentConfig(record, this.knownSkills, this.queues));
        const view = this.engine.agentView(record.agentId);
        if (!record.hasSeat && view && (view.state === 'available' || view.state === 'break' || view.state === 'after-call-work' || view.state === 'reserved')) {
          await this.engine.setAgentState(record.agentId, 'offline');
        }
        return done;
      }
      case 'settings': {
        const timeZone = (await ctx.uow.inTenant(this.tenantId, (tx) => ctx.settings.timeZone(tx))) ?? ctx.config.ACD_DEFAULT_TIME_ZONE;
        if (timeZone === this.timeZone) return done;
        const now = Date.now();
        const day = new LiveStatistics({ timeZone }).dayOf(now);
        const { queueDays, agentDays } = await ctx.uow.inTenant(this.tenantId, async (tx) => ({ queueDays: await ctx.daily.queueDays(tx, day), agentDays: await ctx.daily.agentDays(tx, day) }));
        this.timeZone = timeZone;
        this.seedStatistics(queueDays, agentDays, now);
        return done;
      }
    }
  }

  // ---- effects ----------------------------------------------------------------------------------------

  private translate(effect: RoutingEffect, batch: Batch): void {
    const consult = effect.type !== 'agent-state-changed' && 'callId' in effect ? this.consults.get(effect.callId) : undefined;
    if (consult) {
      this.translateConsult(effect, consult, batch);
      return;
    }
    this.stats.apply(effect);
    switch (effect.type) {
      case 'queue-configured':
        this.dirtyQueues.add(effect.queueId);
        return;
      case 'agent-configured':
        this.dirtyAgents.add(effect.agentId);
        for (const queueId of effect.queueIds) this.dirtyQueues.add(queueId);
        return;
      case 'call-queued': {
        this.dirtyQueues.add(effect.queueId);
        const call = this.requireCall(effect.callId, effect.type);
        if (!call) return;
        call.queueId = effect.queueId;
        call.status = 'waiting';
        call.offer = null;
        call.enqueuedAt = effect.enqueuedAt;
        batch.dirtyCalls.add(call);
        if (!this.announced.has(call.callId) || effect.overflowedFrom !== null) {
          this.announced.add(call.callId);
          batch.envelopes.push(
            createEnvelope(acdCallQueuedV1, this.tenantId, {
              callId: call.callId,
              queueId: effect.queueId,
              mode: call.mode,
              priority: effect.priority,
              overflowedFrom: effect.overflowedFrom,
              queuedAt: new Date(effect.at).toISOString(),
            }),
          );
        }
        if (call.mode === 'live' && !call.mohOn && call.voiceCallId) {
          this.command(call.voiceCallId, { type: 'music-on-hold', on: true });
          call.mohOn = true;
        }
        return;
      }
      case 'call-offered': {
        this.dirtyQueues.add(effect.queueId);
        this.ctx.metrics.offers.inc();
        const call = this.requireCall(effect.callId, effect.type);
        batch.decisions.push(effect.decision);
        if (!call) return;
        const offer: OfferEntry = { offerId: effect.offerId, decisionId: effect.decision.decisionId, agentIds: [...effect.agentIds], offeredAt: effect.at, bridgeCommands: {}, originateCommandId: null };
        call.status = 'offered';
        call.offer = offer;
        batch.dirtyCalls.add(call);
        const ringTimeoutMs = this.ringAgents(call, offer, effect.at);
        batch.envelopes.push(
          createEnvelope(acdCallOfferedV1, this.tenantId, {
            callId: call.callId,
            voiceCallId: call.voiceCallId ?? call.callId,
            queueId: effect.queueId,
            offerId: effect.offerId,
            decisionId: effect.decision.decisionId,
            agentIds: [...effect.agentIds],
            ringTimeoutMs,
            attributes: call.attributes,
            offeredAt: new Date(effect.at).toISOString(),
          }),
        );
        return;
      }
      case 'offer-ended': {
        const call = this.calls.get(effect.callId);
        if (!call || call.offer?.offerId !== effect.offerId) return;
        if (effect.outcome === 'missed' || effect.outcome === 'declined') {
          for (const agentId of effect.agentIds) if (!call.missedBy.includes(agentId)) call.missedBy.push(agentId);
        }
        if (effect.outcome !== 'accepted') {
          call.offer = null;
          if (call.status === 'offered') call.status = 'waiting';
        }
        batch.dirtyCalls.add(call);
        return;
      }
      case 'call-answered': {
        this.dirtyQueues.add(effect.queueId);
        const call = this.requireCall(effect.callId, effect.type);
        if (!call) return;
        call.status = 'connected';
        call.agentId = effect.agentId;
        call.connectedAt = effect.at;
        call.mohOn = false;
        if (call.offer) call.offer.agentIds = [effect.agentId];
        batch.dirtyCalls.add(call);
        if (call.callerHash) batch.lastAgents.push({ callerHash: call.callerHash, agentId: effect.agentId, at: effect.at });
        batch.envelopes.push(
          createEnvelope(acdCallAssignedV1, this.tenantId, {
            callId: call.callId,
            voiceCallId: call.voiceCallId ?? call.callId,
            queueId: effect.queueId,
            agentId: effect.agentId,
            offerId: effect.offerId,
            waitedMs: Math.max(0, Math.round(effect.waitedMs)),
            assignedAt: new Date(effect.at).toISOString(),
          }),
        );
        return;
      }
      case 'call-abandoned': {
        this.dirtyQueues.add(effect.queueId);
        const call = this.requireCall(effect.callId, effect.type);
        if (!call) return;
        this.finishCall(call, 'abandoned', effect.at, batch);
        batch.envelopes.push(
          createEnvelope(acdCallAbandonedV1, this.tenantId, {
            callId: call.callId,
            queueId: effect.queueId,
            reason: 'caller-hangup',
            waitedMs: Math.max(0, Math.round(effect.waitedMs)),
            abandonedAt: new Date(effect.at).toISOString(),
          }),
        );
        return;
      }
      case 'call-overflowed': {
        this.dirtyQueues.add(effect.queueId);
        const call = this.requireCall(effect.callId, effect.type);
        batch.envelopes.push(
          createEnvelope(acdCallOverflowedV1, this.tenantId, {
            callId: effect.callId,
            queueId: effect.queueId,
            action: effect.target.kind,
            ...(effect.target.kind === 'queue' ? { targetQueueId: effect.target.queueId } : {}),
            reason: effect.reason,
            waitedMs: Math.max(0, Math.round(effect.waitedMs)),
            overflowedAt: new Date(effect.at).toISOString(),
          }),
        );
        // To voicemail or a callback offer: the IVR takes the call back (it consumes acd.call.overflowed.v1).
        if (call && effect.target.kind !== 'queue') this.finishCall(call, 'overflowed', effect.at, batch);
        return;
      }
      case 'call-completed': {
        this.dirtyQueues.add(effect.queueId);
        this.dirtyAgents.add(effect.agentId);
        const call = this.requireCall(effect.callId, effect.type);
        if (!call) return;
        const acw = (this.queues.get(call.queueId)?.afterCallWorkSeconds ?? 0) > 0;
        call.endedAt = effect.at;
        call.outcome = 'completed';
        if (acw) {
          call.status = 'wrap-up';
          batch.dirtyCalls.add(call);
        } else {
          this.finishCall(call, 'completed', effect.at, batch);
        }
        return;
      }
      case 'agent-state-changed': {
        this.dirtyAgents.add(effect.agentId);
        for (const queueId of this.agents.get(effect.agentId)?.queueIds ?? []) this.dirtyQueues.add(queueId);
        // An agent consulted from a queue is busy with the call being consulted on (the consultation's own id is internal).
        const aboutCallId = effect.callId !== null ? (this.consults.get(effect.callId)?.callId ?? effect.callId) : null;
        batch.history.push({ agentId: effect.agentId, from: effect.from, to: effect.to, reason: effect.reason, callId: aboutCallId, by: effect.by, at: effect.at });
        const acwEndsAt = effect.to === 'after-call-work' ? effect.at + this.afterCallWorkMs(effect.callId) : null;
        if (acwEndsAt !== null) this.acwEndsAt.set(effect.agentId, acwEndsAt);
        else this.acwEndsAt.delete(effect.agentId);
        batch.envelopes.push(
          createEnvelope(acdAgentStateChangedV1, this.tenantId, {
            agentId: effect.agentId,
            from: effect.from,
            to: effect.to,
            reason: effect.reason,
            callId: aboutCallId,
            by: effect.by,
            at: new Date(effect.at).toISOString(),
            ...(acwEndsAt !== null ? { acwEndsAt: new Date(acwEndsAt).toISOString() } : {}),
          }),
        );
        const call = effect.callId ? this.calls.get(effect.callId) : undefined;
        if (call && effect.from === 'after-call-work' && call.status === 'wrap-up' && call.agentId === effect.agentId) this.finishCall(call, 'completed', call.endedAt ?? effect.at, batch);
        if (call?.offer && effect.from === 'reserved' && effect.to !== 'on-call' && call.offer.agentIds.includes(effect.agentId)) {
          // One agent of a ring-all offer stopped ringing.
          call.offer.agentIds = call.offer.agentIds.filter((id) => id !== effect.agentId);
          batch.dirtyCalls.add(call);
        }
        if (effect.to === 'available' && this.agents.get(effect.agentId)?.hasSeat === false) batch.toOffline.add(effect.agentId);
        return;
      }
    }
  }

  /** Sends the voice commands that make the offer ring; returns the agents' ring timeout. */
  private ringAgents(call: CallEntry, offer: OfferEntry, now: number): number {
    const queue = this.queues.get(call.queueId);
    const offerMs = (queue?.offerTimeoutSeconds ?? 20) * 1000;
    const margin = this.ctx.config.ACD_RING_MARGIN_MS;
    const deadline = offer.offeredAt + offerMs - margin;
    const agentRing = Math.min(MAX_RING_MS, Math.max(1_000, deadline - now));
    if (call.mode === 'live' || call.callbackVoice === 'live') {
      const voiceCallId = call.voiceCallId as string;
      for (const agentId of offer.agentIds) {
        offer.bridgeCommands[agentId] = this.command(voiceCallId, { type: 'bridge-agent', agentId, ringTimeoutMs: agentRing, afterHangup: call.afterAgent });
      }
      return agentRing;
    }
    if (call.callbackVoice === null && call.callbackNumber) {
      // The agent is reserved: now the customer is called (on a new call), and bridged when they answer.
      const voiceCallId = randomUUID();
      call.voiceCallId = voiceCallId;
      this.byVoiceCall.set(voiceCallId, call.callId);
      call.callbackVoice = 'dialing';
      call.callbackAttempts += 1;
      offer.originateCommandId = this.command(voiceCallId, {
        type: 'originate',
        to: call.callbackNumber,
        callerId: call.dialledNumber,
        ringTimeoutMs: Math.min(MAX_RING_MS, Math.max(1_000, deadline - now - CALLBACK_AGENT_RING_MS)),
      });
    }
    return agentRing;
  }

  private finishCall(call: CallEntry, outcome: 'completed' | 'abandoned' | 'overflowed', at: number, batch: Batch): void {
    call.status = 'done';
    call.outcome = outcome;
    call.endedAt = call.endedAt ?? at;
    call.offer = outcome === 'completed' ? call.offer : null;
    batch.dirtyCalls.add(call);
    this.ctx.metrics.callsEnded.inc({ outcome });
  }

  private requireCall(callId: string, what: string): CallEntry | undefined {
    const call = this.calls.get(callId);
    if (!call) this.ctx.logger.error({ tenantId: this.tenantId, callId, effect: what }, 'a routing effect names a call this runtime does not have');
    return call;
  }

  /** Queues a voice command for the call (in the outbox); returns its command id. */
  private command(voiceCallId: string, command: VoiceCommand): string {
    const commandId = randomUUID();
    this.batchOf().envelopes.push(createEnvelope(voiceCommandIssuedV1, this.tenantId, { callId: voiceCallId, commandId, issuedBy: ACD_COMMAND_ISSUER, command }, { id: commandId }));
    return commandId;
  }

  private batchOf(): Batch {
    if (!this.batch) throw new Error('no input is being applied');
    return this.batch;
  }

  private index(call: CallEntry): void {
    this.calls.set(call.callId, call);
    if (call.voiceCallId) this.byVoiceCall.set(call.voiceCallId, call.callId);
  }

  private unindexVoice(call: CallEntry): void {
    if (call.voiceCallId && this.byVoiceCall.get(call.voiceCallId) === call.callId) this.byVoiceCall.delete(call.voiceCallId);
  }

  private forget(call: CallEntry): void {
    this.unindexVoice(call);
    this.calls.delete(call.callId);
    this.announced.delete(call.callId);
    this.finished.delete(call.callId);
    this.finished.set(call.callId, { status: call.status, outcome: call.outcome, mode: call.mode, enqueuedAt: call.enqueuedAt, routedAt: call.routedAt });
    // The oldest first: drop what is past the window.
    const horizon = Date.now() - this.finishedWindowMs();
    for (const [callId, finished] of this.finished) {
      if (finished.routedAt >= horizon) break;
      this.finished.delete(callId);
    }
  }

  private finishedWindowMs(): number {
    return this.ctx.config.ACD_ROUTED_MAX_AGE_SECONDS * 1000 + 60_000;
  }

  // ---- live state -------------------------------------------------------------------------------------

  /** The agent's live state as the engine has it now (issued to the store at once). */
  private writeLiveState(agentId: string): Promise<void> {
    const state = this.liveStateOf(agentId);
    if (!state) return Promise.resolve();
    return this.ctx.realtime.liveState.write(this.tenantId, state);
  }

  /** The after-call work of the queue the call was answered in (its queue when the agent's part ended). */
  private afterCallWorkMs(callId: string | null): number {
    const queueId = callId ? this.calls.get(callId)?.queueId : undefined;
    return (queueId ? (this.queues.get(queueId)?.afterCallWorkSeconds ?? 0) : 0) * 1000;
  }

  liveStateOf(agentId: string): AgentLiveState | null {
    const view = this.engine.agentView(agentId);
    if (!view) return null;
    const acwEndsAt = view.state === 'after-call-work' && view.hold ? (this.acwEndsAt.get(agentId) ?? view.stateSince + this.afterCallWorkMs(view.hold.callId)) : null;
    return {
      agentId,
      state: view.state,
      reason: view.reason,
      since: view.stateSince,
      callId: view.hold ? (this.consults.get(view.hold.callId)?.callId ?? view.hold.callId) : null,
      idleSince: view.idleSince,
      busyMs: view.busyMs,
      availableMs: view.availableMs,
      missedOffers: view.missedOffers,
      holdOfferId: view.hold?.offerId ?? null,
      holdCallId: view.hold?.callId ?? null,
      acwEndsAt,
      by: this.instanceId,
    };
  }

  // ---- timers and statistics ----------------------------------------------------------------------------

  private scheduleWake(): void {
    if (this.stopped || this.broken) return;
    let next = this.engine.nextTimerAt();
    for (const call of this.calls.values()) {
      if (call.callbackRetryAt !== null && (next === null || call.callbackRetryAt < next)) next = call.callbackRetryAt;
    }
    if (next === null) {
      if (this.wake) clearTimeout(this.wake.timer);
      this.wake = null;
      return;
    }
    if (this.wake && this.wake.at === next) return;
    if (this.wake) clearTimeout(this.wake.timer);
    const at = next;
    const timer = setTimeout(
      () => {
        if (this.wake?.timer === timer) this.wake = null;
        void this.schedule({
          kind: 'timer',
          apply: async () => {
            await this.fireTimers();
            return done;
          },
        }).catch(() => undefined);
      },
      Math.max(0, at - Date.now()),
    );
    timer.unref();
    this.wake = { at, timer };
  }

  queueStatistics(queueId: string, now: number): AcdQueueStatistics {
    return { ...this.stats.queueStatistics(queueId, now), asOf: new Date(now).toISOString() };
  }

  agentStatistics(agentId: string, now: number): AcdAgentStatistics {
    try {
      return { ...this.stats.agentStatistics(agentId, now), asOf: new Date(now).toISOString() };
    } catch {
      // An agent the statistics never saw (no state change yet): offline since it was created.
      const since = this.agents.get(agentId)?.createdAt.getTime() ?? now;
      const day = this.stats.dayOf(now);
      return {
        agentId,
        state: 'offline',
        reason: null,
        inStateMs: Math.max(0, now - since),
        today: { day, callsHandled: 0, talkMs: 0, wrapUpMs: 0, handleMs: 0, averageHandleMs: null },
        asOf: new Date(now).toISOString(),
      };
    }
  }

  /** Publishes the statistics that changed since the last time, and saves today's counters (with the batch). */
  private async flushStatistics(): Promise<InputResult> {
    if (this.dirtyQueues.size === 0 && this.dirtyAgents.size === 0) return done;
    const now = Date.now();
    const batch = this.batchOf();
    for (const queueId of this.dirtyQueues) {
      if (!this.queues.has(queueId)) continue;
      batch.envelopes.push(createEnvelope(acdQueueStatsV1, this.tenantId, this.queueStatistics(queueId, now)));
      const counters = this.stats.queueDayCounters(queueId, now);
      if (counters) batch.queueDays.push({ queueId, counters });
    }
    for (const agentId of this.dirtyAgents) {
      if (!this.agents.has(agentId)) continue;
      batch.envelopes.push(createEnvelope(acdAgentStatsV1, this.tenantId, this.agentStatistics(agentId, now)));
      const counters = this.stats.agentDayCounters(agentId, now);
      if (counters) batch.agentDays.push({ agentId, counters });
    }
    this.dirtyQueues.clear();
    this.dirtyAgents.clear();
    return done;
  }
}

function notRunning(tenantId: string): RoutingError {
  return new RoutingError('reservations-unavailable', `the routing engine of tenant ${tenantId} is not running here any more`);
}

function callIdOf(input: RoutingInput): string | undefined {
  if (input.kind === 'routed') return input.routed.callId;
  if (input.kind === 'queue-transfer') return input.callId;
  return undefined;
}

/** Queues in an order where every overflow target comes before the queues that overflow into it. */
export function orderByOverflow(queues: readonly QueueConfig[]): QueueConfig[] {
  const byId = new Map(queues.map((q) => [q.queueId, q]));
  const ordered: QueueConfig[] = [];
  const placed = new Set<string>();
  const place = (queue: QueueConfig, path: Set<string>): void => {
    if (placed.has(queue.queueId) || path.has(queue.queueId)) return;
    path.add(queue.queueId);
    const target = queue.overflow?.kind === 'queue' ? byId.get(queue.overflow.queueId) : undefined;
    if (target) place(target, path);
    placed.add(queue.queueId);
    ordered.push(queue);
  };
  for (const queue of queues) place(queue, new Set());
  return ordered;
}

/** The engine's view of an agent's profile: only skills and queues it knows; no queues without a seat. */
export function engineAgentConfig(record: AgentRecord, skills: ReadonlySet<string>, queues: ReadonlyMap<string, QueueConfig>): {
  agentId: string;
  version: number;
  skills: { skillId: string; proficiency: number }[];
  queues: string[];
} {
  return {
    agentId: record.agentId,
    version: record.version,
    skills: record.skills.filter((s) => skills.has(s.skillId)),
    queues: record.hasSeat ? record.queueIds.filter((q) => queues.has(q)) : [],
  };
}
