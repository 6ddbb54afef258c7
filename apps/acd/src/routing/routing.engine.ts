import { z } from 'zod';
import { type AgentReservations, type ReserveResult } from './agent-reservations.port';
import {
  agentRequestableStates,
  type AgentRequestableState,
  type AgentState,
  agentStates,
  assertAgentTransition,
  isBusyState,
  type TransitionActor,
} from './agent-state.machine';
import { type Clock } from './clock';
import {
  type AgentConfigInput,
  agentConfigSchema,
  type EnqueueCallInput,
  enqueueCallSchema,
  parseRoutingInput,
  type QueueConfig,
  type QueueConfigInput,
  queueConfigSchema,
  type SkillRequirement,
  skillSchema,
} from './routing-config.schema';
import {
  type AgentCandidateFacts,
  type AgentForCallInputs,
  type AgentForCallOutcome,
  agentRankingFor,
  type AgentRow,
  type CallCandidateFacts,
  type CallForAgentInputs,
  type CallForAgentOutcome,
  type CandidateMetrics,
  compareAgentRows,
  compareCallCandidates,
  compareRankingValues,
  type DecisionTrigger,
  rankAgentsForCall,
  rankCallsForAgent,
  type RoutingDecision,
} from './routing-decision.ranking';
import { type AgentStateChanged, agentStateChangedSchema, type RoutingEffect } from './routing.effects';
import { RoutingError } from './routing.errors';
import { SortedArray } from './sorted-array';
import { TimerHeap } from './timer-heap';

export interface RoutingEngineOptions {
  tenantId: string;
  /** Names this engine instance in offer ids and in the agent state changes it makes. */
  instanceId: string;
  clock: Clock;
  reservations: AgentReservations;
  /** Called synchronously with every effect, in order, as it happens. */
  onEffect?: (effect: RoutingEffect) => void;
  /** How many of the best candidates a decision records (at least a queue's ring-all limit). Default 10. */
  recordedCandidates?: number;
  /** Lease on the hold of an answered call (the host extends it for longer calls). Default 4 h. */
  connectedLeaseMs?: number;
  /** Lease on an offer beyond its timeout. Default 5 s. */
  offerLeaseMarginMs?: number;
  /** A call another instance is offering is retried after at most this. Default 2 s. */
  parkRetryMs?: number;
}

type CallStatus = 'waiting' | 'offered' | 'parked' | 'connected';

interface LocalHold {
  offerId: string;
  callId: string;
}

interface AgentRecord {
  agentId: string;
  version: number;
  skills: Map<string, number>;
  /** Levels by the engine's skill index (dense, for fast eligibility checks). */
  levels: Uint8Array;
  queueIds: string[];
  state: AgentState;
  reason: string | null;
  /** The call the current state is about (reserved, on-call, after-call work), as this engine knows it. */
  stateCallId: string | null;
  stateSince: number;
  /** Counts state changes; timers set in one state ignore later ones. */
  stateSeq: number;
  idleSince: number;
  busyMs: number;
  availableMs: number;
  missedOffers: number;
  /** The offer or call this engine holds the agent for (through after-call work). */
  hold: LocalHold | null;
  /** A reservation failed: another instance holds the agent. Cleared by the next observed change or a recheck. */
  heldElsewhere: boolean;
  /** In the ready sets of its queues. */
  ready: boolean;
}

interface ReadyEntry {
  key: number;
  key2: number;
  agent: AgentRecord;
  /** The agent's round-robin ordinal in this queue. */
  ordinal: number;
}

/** A requirement by skill index: parallel arrays. */
interface CompiledRequirement {
  index: Int32Array;
  min: Uint8Array;
}

interface QueueRecord {
  config: QueueConfig;
  /** The queue's own required skills, compiled (the basis of the best-skill-match order). */
  baseNeed: CompiledRequirement;
  /** Ready member agents, ordered by the strategy's key (idle-since, round-robin ordinal, or none). */
  ready: SortedArray<ReadyEntry>;
  /** Waiting calls: priority, then arrival. */
  waiting: SortedArray<CallRecord>;
  /** Member agent -> round-robin ordinal. */
  members: Map<string, number>;
  nextOrdinal: number;
  lastOrdinal: number;
  /** Calls in the queue (waiting, parked or being offered). */
  inQueue: number;
}

interface OfferRecord {
  offerId: string;
  agentIds: Set<string>;
  decision: RoutingDecision;
}

interface CallRecord {
  callId: string;
  queueId: string;
  /** Unique per stay in a queue; timers of an earlier stay ignore a later one. */
  entryId: number;
  seq: number;
  enqueuedAt: number;
  callPriority: number;
  priority: number;
  extraSkills: SkillRequirement[];
  attributes: Record<string, string>;
  lastAgentId: string | null;
  /** A callback request: the maximum wait and queue length do not apply. */
  callback: boolean;
  vip: boolean;
  stickyAgentId: string | null;
  stickyUntil: number;
  requirement: SkillRequirement[];
  need: CompiledRequirement;
  /** The requirement is exactly the queue's (no call skills, no overflow step in force). */
  onBaseRequirement: boolean;
  stepsApplied: number;
  status: CallStatus;
  offer: OfferRecord | null;
  missedBy: Set<string>;
  maxWaitReached: boolean;
  agentId: string | null;
  connectedAt: number;
}

type TimerTask =
  | { kind: 'offer-timeout'; callId: string; offerId: string }
  | { kind: 'call-check'; callId: string; entryId: number }
  | { kind: 'park-retry'; callId: string; entryId: number }
  | { kind: 'acw-end'; agentId: string; stateSeq: number }
  | { kind: 'held-recheck'; agentId: string; stateSeq: number };

/** What an engine knows, as plain data (tests, diagnostics, the HTTP snapshot). */
export interface RoutingEngineSnapshot {
  agents: Array<{
    agentId: string;
    version: number;
    state: AgentState;
    reason: string | null;
    stateSince: number;
    idleSince: number;
    busyMs: number;
    availableMs: number;
    missedOffers: number;
    ready: boolean;
    heldElsewhere: boolean;
    holdCallId: string | null;
    skills: Record<string, number>;
    queueIds: string[];
  }>;
  queues: Array<{
    queueId: string;
    version: number;
    strategy: QueueConfig['strategy'];
    members: Record<string, number>;
    lastOrdinal: number;
    nextOrdinal: number;
    readyAgentIds: string[];
    waitingCallIds: string[];
  }>;
  calls: Array<{
    callId: string;
    queueId: string;
    status: CallStatus;
    priority: number;
    vip: boolean;
    enqueuedAt: number;
    seq: number;
    callback: boolean;
    requirement: SkillRequirement[];
    stickyAgentId: string | null;
    stickyUntil: number;
    missedBy: string[];
    offerAgentIds: string[];
    agentId: string | null;
  }>;
}

/** One agent as the engine sees it (`agentView`). */
export interface AgentView {
  agentId: string;
  version: number;
  state: AgentState;
  reason: string | null;
  stateSince: number;
  idleSince: number;
  busyMs: number;
  availableMs: number;
  missedOffers: number;
  /** The offer or call this engine holds the agent for (through after-call work). */
  hold: { offerId: string; callId: string } | null;
  queueIds: string[];
}

const holdSchema = z.object({ offerId: z.string().min(1), callId: z.string().min(1) }).strict();
const epochMs = z.number().int('must be a whole number of ms').nonnegative('must not be negative');
const durationMs = z.number().nonnegative('must not be negative').finite();

const adoptAgentSchema = z
  .object({
    agentId: z.string().min(1),
    state: z.enum(agentStates),
    reason: z.string().trim().min(1).max(64).nullable().optional(),
    stateSince: epochMs,
    idleSince: epochMs,
    busyMs: durationMs,
    availableMs: durationMs,
    missedOffers: z.number().int().nonnegative(),
    hold: holdSchema.nullable(),
    /** When the after-call work of an agent adopted in that state ends (default: at once). */
    acwEndsAt: epochMs.optional(),
  })
  .strict()
  .superRefine((agent, ctx) => {
    const busy = agent.state === 'reserved' || agent.state === 'on-call' || agent.state === 'after-call-work';
    if (busy && agent.hold === null) ctx.addIssue({ code: 'custom', path: ['hold'], message: `is required for an agent who is ${agent.state}` });
    if (!busy && agent.hold !== null) ctx.addIssue({ code: 'custom', path: ['hold'], message: `must be null for an agent who is ${agent.state}` });
    if (agent.state === 'break' && (agent.reason ?? null) === null) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is required for a break' });
  });
export type AdoptAgentInput = z.input<typeof adoptAgentSchema>;

const adoptedCallBase = enqueueCallSchema.omit({ enqueuedAt: true }).extend({
  enqueuedAt: epochMs,
  missedBy: z.array(z.string().min(1)).max(1_000).default([]),
});

const adoptCallSchema = z.discriminatedUnion('status', [
  adoptedCallBase
    .extend({
      status: z.literal('offered'),
      offer: z
        .object({
          offerId: z.string().min(1),
          agentIds: z.array(z.string().min(1)).min(1).max(50),
          offeredAt: epochMs,
          /** The decision as the engine that made the offer recorded it. */
          decision: z.custom<RoutingDecision>((value) => typeof value === 'object' && value !== null && 'inputs' in value && 'outcome' in value, 'must be a recorded routing decision'),
        })
        .strict(),
    })
    .strict(),
  adoptedCallBase.extend({ status: z.literal('connected'), agentId: z.string().min(1), offerId: z.string().min(1), connectedAt: epochMs }).strict(),
]);
export type AdoptCallInput = z.input<typeof adoptCallSchema>;

const setAgentStateSchema = z
  .object({
    agentId: z.string().min(1),
    to: z.enum(agentRequestableStates),
    reason: z.string().trim().min(1).max(64).regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a lower-case code such as lunch or missed-offers').optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.to === 'break' && value.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is required for a break' });
    if (value.to !== 'break' && value.reason !== undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is only for a break' });
  });

const MISSED_OFFERS_REASON = 'missed-offers';
/** Reservation attempts per decision before the call waits for a retry (each failure removes agents, so this is rarely reached). */
const MAX_RESERVATION_ATTEMPTS = 16;

const compareReady = (a: ReadyEntry, b: ReadyEntry): number =>
  a.key !== b.key
    ? a.key - b.key
    : a.key2 !== b.key2
      ? a.key2 - b.key2
      : a.agent.agentId < b.agent.agentId
        ? -1
        : a.agent.agentId > b.agent.agentId
          ? 1
          : 0;

const compareWaiting = (a: CallRecord, b: CallRecord): number =>
  a.priority !== b.priority ? b.priority - a.priority : a.enqueuedAt !== b.enqueuedAt ? a.enqueuedAt - b.enqueuedAt : a.seq - b.seq;

function meets(agent: AgentRecord, need: CompiledRequirement): boolean {
  const levels = agent.levels;
  const index = need.index;
  for (let i = 0; i < index.length; i++) {
    if ((levels[index[i] as number] ?? 0) < (need.min[i] as number)) return false;
  }
  return true;
}

function skillScoreOf(agent: AgentRecord, need: CompiledRequirement): number {
  let score = 0;
  for (let i = 0; i < need.index.length; i++) score += agent.levels[need.index[i] as number] ?? 0;
  return score;
}

/**
 * The ACD routing engine for one tenant: event-driven, pure domain (no I/O but the reservation
 * port), with an injectable clock. It offers a call to an agent when the call is enqueued, when an
 * agent becomes available, and when a timer fires (overflow steps, maximum wait, offer timeout,
 * sticky window). Calls are served by priority, then waiting time. Every offer carries its
 * decision (inputs and outcome) and goes through an atomic reservation, so an agent is never
 * given two calls, even by several engines sharing the reservations.
 *
 * Operations run one at a time in call order; each returns the effects it produced (which also go
 * to `onEffect` as they happen). Timers are pulled: the host calls `fireDueTimers()` at
 * `nextTimerAt()`.
 */
export class RoutingEngine {
  readonly tenantId: string;
  readonly instanceId: string;
  private readonly clock: Clock;
  private readonly reservations: AgentReservations;
  private readonly onEffect: ((effect: RoutingEffect) => void) | undefined;
  private readonly recordedCandidates: number;
  private readonly connectedLeaseMs: number;
  private readonly offerLeaseMarginMs: number;
  private readonly parkRetryMs: number;

  private readonly skills = new Map<string, string>();
  /** Skill id -> dense index (never reused). */
  private readonly skillIndex = new Map<string, number>();
  private readonly queues = new Map<string, QueueRecord>();
  private readonly agents = new Map<string, AgentRecord>();
  private readonly calls = new Map<string, CallRecord>();
  /** Calls in their sticky window, by the agent they wait for. */
  private readonly stickyByAgent = new Map<string, Set<CallRecord>>();
  private readonly timers = new TimerHeap<TimerTask>();
  private running = false;
  private readonly pending: Array<() => void> = [];
  private collected: RoutingEffect[] = [];
  private offerSeq = 0;
  private callSeq = 0;
  private entrySeq = 0;

  constructor(options: RoutingEngineOptions) {
    const problems: string[] = [];
    if (!options.tenantId) problems.push('tenantId: required');
    if (!options.instanceId) problems.push('instanceId: required');
    const positiveInt = (name: string, value: number | undefined, fallback: number, max: number): number => {
      const v = value ?? fallback;
      if (!Number.isInteger(v) || v < 1 || v > max) problems.push(`${name}: must be a whole number from 1 to ${max}, got ${v}`);
      return v;
    };
    this.recordedCandidates = positiveInt('recordedCandidates', options.recordedCandidates, 10, 1_000);
    this.connectedLeaseMs = positiveInt('connectedLeaseMs', options.connectedLeaseMs, 4 * 3_600_000, 86_400_000);
    this.offerLeaseMarginMs = positiveInt('offerLeaseMarginMs', options.offerLeaseMarginMs, 5_000, 3_600_000);
    this.parkRetryMs = positiveInt('parkRetryMs', options.parkRetryMs, 2_000, 3_600_000);
    if (problems.length > 0) throw new RoutingError('invalid-input', `invalid routing engine options: ${problems.join('; ')}`);
    this.tenantId = options.tenantId;
    this.instanceId = options.instanceId;
    this.clock = options.clock;
    this.reservations = options.reservations;
    this.onEffect = options.onEffect;
  }

  // ---- configuration ------------------------------------------------------------------------------

  /** Adds or renames a skill of the tenant. */
  defineSkill(input: { skillId: string; name: string }): void {
    const skill = parseRoutingInput(skillSchema, input, 'skill');
    this.skills.set(skill.skillId, skill.name);
    if (!this.skillIndex.has(skill.skillId)) this.skillIndex.set(skill.skillId, this.skillIndex.size);
  }

  /** Creates a queue or replaces its configuration with a newer version; waiting calls are re-evaluated. */
  upsertQueue(input: QueueConfigInput): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const config = parseRoutingInput(queueConfigSchema, input, 'queue configuration');
      this.assertQueueReferences(config);
      const existing = this.queues.get(config.queueId);
      if (existing && config.version <= existing.config.version) {
        throw new RoutingError(
          'stale-config',
          `queue ${config.queueId}: version ${config.version} is not newer than the current version ${existing.config.version}`,
        );
      }
      const now = this.clock.now();
      if (!existing) {
        this.queues.set(config.queueId, {
          config,
          baseNeed: this.compile(config.requiredSkills),
          ready: new SortedArray(compareReady),
          waiting: new SortedArray(compareWaiting),
          members: new Map(),
          nextOrdinal: 0,
          lastOrdinal: -1,
          inQueue: 0,
        });
      } else {
        existing.config = config;
        existing.baseNeed = this.compile(config.requiredSkills);
        // The order of the ready set depends on the strategy and the required skills.
        const readyAgents = existing.ready.items.map((entry) => entry.agent);
        existing.ready = new SortedArray(compareReady);
        for (const agent of readyAgents) existing.ready.insert(this.readyEntry(existing, agent));
        const calls = [...this.calls.values()].filter((call) => call.queueId === config.queueId && call.status !== 'connected');
        const waiting = new SortedArray<CallRecord>(compareWaiting);
        for (const call of calls) {
          this.refreshCallRules(call, existing, now);
          this.scheduleCallChecks(call, existing);
          if (call.status === 'waiting') waiting.insert(call);
        }
        existing.waiting = waiting;
      }
      this.emit({
        type: 'queue-configured',
        at: now,
        queueId: config.queueId,
        version: config.version,
        serviceLevelThresholdMs: config.serviceLevel.thresholdSeconds * 1000,
      });
      if (existing) {
        for (const call of [...existing.waiting.items]) await this.matchCall(call, 'config-changed');
      }
    });
  }

  /** Creates an agent (offline) or replaces its skills and queues with a newer version. */
  upsertAgent(input: AgentConfigInput): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const config = parseRoutingInput(agentConfigSchema, input, 'agent configuration');
      for (const [index, skill] of config.skills.entries()) {
        if (!this.skills.has(skill.skillId)) throw new RoutingError('unknown-skill', `agent ${config.agentId}: skills.${index}: unknown skill ${skill.skillId}`);
      }
      for (const [index, queueId] of config.queues.entries()) {
        if (!this.queues.has(queueId)) throw new RoutingError('unknown-queue', `agent ${config.agentId}: queues.${index}: unknown queue ${queueId}`);
      }
      const now = this.clock.now();
      let agent = this.agents.get(config.agentId);
      if (agent && config.version <= agent.version) {
        throw new RoutingError('stale-config', `agent ${config.agentId}: version ${config.version} is not newer than the current version ${agent.version}`);
      }
      if (!agent) {
        agent = {
          agentId: config.agentId,
          version: config.version,
          skills: new Map(),
          levels: new Uint8Array(0),
          queueIds: [],
          state: 'offline',
          reason: null,
          stateCallId: null,
          stateSince: now,
          stateSeq: 0,
          idleSince: now,
          busyMs: 0,
          availableMs: 0,
          missedOffers: 0,
          hold: null,
          heldElsewhere: false,
          ready: false,
        };
        this.agents.set(agent.agentId, agent);
      }
      this.setReady(agent, false);
      agent.version = config.version;
      agent.skills = new Map(config.skills.map((skill) => [skill.skillId, skill.proficiency]));
      agent.levels = new Uint8Array(this.skillIndex.size);
      for (const skill of config.skills) agent.levels[this.skillIndex.get(skill.skillId) as number] = skill.proficiency;
      const next = new Set(config.queues);
      for (const queueId of agent.queueIds) if (!next.has(queueId)) this.queues.get(queueId)?.members.delete(agent.agentId);
      for (const queueId of config.queues) {
        const queue = this.queues.get(queueId) as QueueRecord;
        if (!queue.members.has(agent.agentId)) queue.members.set(agent.agentId, queue.nextOrdinal++);
      }
      agent.queueIds = [...config.queues];
      this.refreshReady(agent);
      this.emit({ type: 'agent-configured', at: now, agentId: agent.agentId, version: agent.version, queueIds: [...agent.queueIds] });
      await this.matchAgent(agent, 'config-changed');
    });
  }

  // ---- calls --------------------------------------------------------------------------------------

  /** A call enters a queue (from the IVR). Offered at once if an eligible agent is ready. */
  enqueueCall(input: EnqueueCallInput): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const request = parseRoutingInput(enqueueCallSchema, input, 'call');
      const queue = this.queues.get(request.queueId);
      if (!queue) throw new RoutingError('unknown-queue', `call ${request.callId}: queueId: unknown queue ${request.queueId}`);
      for (const [index, skill] of request.skills.entries()) {
        if (!this.skills.has(skill.skillId)) throw new RoutingError('unknown-skill', `call ${request.callId}: skills.${index}: unknown skill ${skill.skillId}`);
      }
      if (this.calls.has(request.callId)) throw new RoutingError('call-exists', `call ${request.callId} is already in this engine`);
      if (request.enqueuedAt !== undefined && request.enqueuedAt > this.clock.now()) {
        throw new RoutingError('invalid-input', `invalid call: enqueuedAt: ${request.enqueuedAt} is in the future`);
      }
      await this.enterQueue(
        {
          callId: request.callId,
          callPriority: request.priority,
          extraSkills: request.skills,
          attributes: request.attributes,
          lastAgentId: request.lastAgentId ?? null,
          callback: request.callback,
        },
        queue,
        null,
        request.enqueuedAt,
      );
    });
  }

  /** The agent answered the offer: the call is connected, the other ring-all agents are released. */
  acceptOffer(callId: string, agentId: string): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const { call, offer, queue } = this.offeredCall(callId, agentId, 'accept');
      const agent = this.agents.get(agentId) as AgentRecord;
      const now = this.clock.now();
      const others = [...offer.agentIds].filter((id) => id !== agentId).map((id) => this.agents.get(id) as AgentRecord);
      call.status = 'connected';
      call.offer = null;
      call.agentId = agentId;
      call.connectedAt = now;
      queue.inQueue--;
      this.clearSticky(call);
      this.emit({ type: 'offer-ended', at: now, callId, queueId: call.queueId, offerId: offer.offerId, agentIds: [agentId], outcome: 'accepted' });
      this.emit({ type: 'call-answered', at: now, callId, queueId: call.queueId, agentId, offerId: offer.offerId, waitedMs: now - call.enqueuedAt });
      for (const other of others) {
        other.hold = null;
        this.changeState(other, 'available', null, 'engine', callId);
      }
      agent.missedOffers = 0;
      this.changeState(agent, 'on-call', null, 'engine', callId);
      const confirmed = await this.guard(this.reservations.confirm(this.tenantId, offer.offerId, agentId, this.connectedLeaseMs));
      if (!confirmed) {
        // The offer's lease lapsed before the answer was recorded (a stalled instance): hold the agent again if still possible.
        await this.guard(
          this.reservations.reserve({ tenantId: this.tenantId, offerId: offer.offerId, callId, agentIds: [agentId], owner: this.instanceId, leaseMs: this.connectedLeaseMs }),
        );
      }
      for (const other of others) await this.matchAgent(other, 'agent-available');
    });
  }

  /** The agent declined the offer (ring-all: only this agent stops ringing). */
  declineOffer(callId: string, agentId: string): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const { call } = this.offeredCall(callId, agentId, 'decline');
      await this.endOfferFor(call, [agentId], 'declined', null);
    });
  }

  /**
   * The offer did not reach the agent or the agent let it ring out (the phone refused it, was not
   * registered, or rang until its timeout), reported before this engine's own offer timeout: the
   * same as that timeout for this agent, so it counts towards the agent's missed offers.
   */
  missOffer(callId: string, agentId: string): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const { call } = this.offeredCall(callId, agentId, 'miss');
      await this.endOfferFor(call, [agentId], 'missed', null);
    });
  }

  /**
   * Takes over an agent as another engine instance (one that died) left it: its state and the
   * figures the strategies rank by, and the hold it had (the offer or call it is reserved for, kept
   * through after-call work, which ends at `acwEndsAt`). Nothing is offered here: adopt the calls
   * and enqueue the waiting ones next. The agent must be configured first.
   */
  adoptAgent(input: AdoptAgentInput): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const adopted = parseRoutingInput(adoptAgentSchema, input, 'adopted agent');
      const agent = this.agents.get(adopted.agentId);
      if (!agent) throw new RoutingError('unknown-agent', `agent ${adopted.agentId} is not known`);
      const now = this.clock.now();
      this.setReady(agent, false);
      agent.state = adopted.state;
      agent.reason = adopted.state === 'break' ? (adopted.reason ?? null) : null;
      agent.stateCallId = adopted.hold?.callId ?? null;
      agent.stateSince = Math.min(adopted.stateSince, now);
      agent.stateSeq++;
      agent.idleSince = Math.min(adopted.idleSince, now);
      agent.busyMs = adopted.busyMs;
      agent.availableMs = adopted.availableMs;
      agent.missedOffers = adopted.missedOffers;
      agent.hold = adopted.hold ? { offerId: adopted.hold.offerId, callId: adopted.hold.callId } : null;
      agent.heldElsewhere = false;
      if (agent.state === 'after-call-work' && agent.hold) {
        this.timers.push(Math.max(adopted.acwEndsAt ?? now, now), { kind: 'acw-end', agentId: agent.agentId, stateSeq: agent.stateSeq });
      }
      this.refreshReady(agent);
    });
  }

  /**
   * Takes over a call another engine instance (one that died) was offering or had connected, with
   * its offer (decision included) as that engine made it: the offer times out when it would have
   * there. Its agents must have been adopted with this call's hold. Waiting calls are not adopted
   * but enqueued again with their `enqueuedAt`.
   */
  adoptCall(input: AdoptCallInput): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const adopted = parseRoutingInput(adoptCallSchema, input, 'adopted call');
      const queue = this.queues.get(adopted.queueId);
      if (!queue) throw new RoutingError('unknown-queue', `call ${adopted.callId}: queueId: unknown queue ${adopted.queueId}`);
      if (this.calls.has(adopted.callId)) throw new RoutingError('call-exists', `call ${adopted.callId} is already in this engine`);
      const now = this.clock.now();
      const holders = adopted.status === 'offered' ? adopted.offer.agentIds : [adopted.agentId];
      const offerId = adopted.status === 'offered' ? adopted.offer.offerId : adopted.offerId;
      for (const [index, agentId] of holders.entries()) {
        const agent = this.agents.get(agentId);
        if (!agent) throw new RoutingError('unknown-agent', `call ${adopted.callId}: agent ${agentId} is not known`);
        const expected = adopted.status === 'offered' ? 'reserved' : 'on-call';
        if (agent.state !== expected || agent.hold?.offerId !== offerId || agent.hold.callId !== adopted.callId) {
          throw new RoutingError(
            'offer-mismatch',
            `call ${adopted.callId}: ${adopted.status === 'offered' ? `offer.agentIds.${index}` : 'agentId'}: agent ${agentId} was not adopted ${expected} for offer ${offerId} of this call`,
          );
        }
      }
      for (const [index, skill] of adopted.skills.entries()) {
        if (!this.skills.has(skill.skillId)) throw new RoutingError('unknown-skill', `call ${adopted.callId}: skills.${index}: unknown skill ${skill.skillId}`);
      }
      const call: CallRecord = {
        callId: adopted.callId,
        callPriority: adopted.priority,
        extraSkills: adopted.skills,
        attributes: adopted.attributes,
        lastAgentId: adopted.lastAgentId ?? null,
        callback: adopted.callback,
        queueId: queue.config.queueId,
        entryId: ++this.entrySeq,
        seq: ++this.callSeq,
        enqueuedAt: Math.min(adopted.enqueuedAt, now),
        priority: 0,
        vip: false,
        stickyAgentId: null,
        stickyUntil: 0,
        requirement: [],
        need: { index: new Int32Array(0), min: new Uint8Array(0) },
        onBaseRequirement: false,
        stepsApplied: -1,
        status: adopted.status,
        offer: null,
        missedBy: new Set(adopted.missedBy),
        maxWaitReached: false,
        agentId: adopted.status === 'connected' ? adopted.agentId : null,
        connectedAt: adopted.status === 'connected' ? Math.min(adopted.connectedAt, now) : 0,
      };
      this.refreshCallRules(call, queue, now);
      this.calls.set(call.callId, call);
      if (adopted.status === 'offered') {
        call.offer = { offerId, agentIds: new Set(adopted.offer.agentIds), decision: adopted.offer.decision };
        queue.inQueue++;
        this.scheduleCallChecks(call, queue);
        this.timers.push(Math.max(adopted.offer.offeredAt + queue.config.offerTimeoutSeconds * 1000, now), { kind: 'offer-timeout', callId: call.callId, offerId });
      }
    });
  }

  /** One agent as this engine sees it (what the host keeps as the agent's live state), or null. */
  agentView(agentId: string): AgentView | null {
    const agent = this.agents.get(agentId);
    if (!agent) return null;
    return {
      agentId: agent.agentId,
      version: agent.version,
      state: agent.state,
      reason: agent.reason,
      stateSince: agent.stateSince,
      idleSince: agent.idleSince,
      busyMs: agent.busyMs,
      availableMs: agent.availableMs,
      missedOffers: agent.missedOffers,
      hold: agent.hold ? { offerId: agent.hold.offerId, callId: agent.hold.callId } : null,
      queueIds: [...agent.queueIds],
    };
  }

  /** Whether this engine has the call (waiting, parked, offered or connected). */
  hasCall(callId: string): boolean {
    return this.calls.has(callId);
  }

  /**
   * The call ended (voice reported a hang-up): a waiting or ringing call is abandoned, a connected
   * call is completed and its agent goes to after-call work.
   */
  endCall(callId: string, options: { afterCallWork?: boolean } = {}): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const call = this.calls.get(callId);
      if (!call) throw new RoutingError('unknown-call', `call ${callId} is not in this engine`);
      const now = this.clock.now();
      if (call.status === 'connected') {
        await this.completeConnected(call, now, options.afterCallWork ?? true);
        return;
      }
      this.emit({ type: 'call-abandoned', at: now, callId, queueId: call.queueId, waitedMs: now - call.enqueuedAt });
      if (call.status === 'offered') await this.endOfferFor(call, [...(call.offer as OfferRecord).agentIds], 'cancelled', null, true);
      else this.leaveQueue(call);
    });
  }

  /**
   * The agent's part of a connected call ends but the call goes on (transferred to a queue, where
   * it is enqueued again): completed for the agent as endCall does (talk time, after-call work),
   * and the agent's wrap-up holds the agent apart from the call, so the call can be offered again.
   */
  releaseCall(callId: string): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const call = this.calls.get(callId);
      if (!call) throw new RoutingError('unknown-call', `call ${callId} is not in this engine`);
      if (call.status !== 'connected') throw new RoutingError('illegal-transition', `call ${callId} is ${call.status}, not connected to an agent`);
      await this.releaseConnected(call, this.clock.now());
    });
  }

  /**
   * A consultation the agent on `callId` had with the agent of `consultId` (a call of its own, in
   * the consulted queue) became the call: the first agent's part ends as in releaseCall, and the
   * call goes on connected to the consulted agent, in the consulted queue (answered there now).
   */
  handOver(callId: string, consultId: string): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const call = this.calls.get(callId);
      const consult = this.calls.get(consultId);
      if (!call || !consult) throw new RoutingError('unknown-call', `call ${call ? consultId : callId} is not in this engine`);
      if (call.status !== 'connected' || consult.status !== 'connected') {
        throw new RoutingError('illegal-transition', `call ${callId} (${call.status}) and consultation ${consultId} (${consult.status}) must both be connected`);
      }
      const now = this.clock.now();
      await this.releaseConnected(call, now);
      const agent = this.agents.get(consult.agentId as string) as AgentRecord;
      this.calls.delete(consultId);
      this.calls.set(callId, { ...consult, callId });
      const offerId = agent.hold?.offerId ?? `${consultId}:handed-over`;
      agent.hold = { offerId, callId };
      this.emit({ type: 'call-answered', at: now, callId, queueId: consult.queueId, agentId: agent.agentId, offerId, waitedMs: Math.max(0, consult.connectedAt - consult.enqueuedAt) });
    });
  }

  /** The agent's part of a connected call ends, the call goes on: its wrap-up holds the agent apart from the call. */
  private async releaseConnected(call: CallRecord, now: number): Promise<void> {
    const agent = await this.completeConnected(call, now, true);
    const hold = agent.hold;
    if (!hold) return;
    const wrapUp: LocalHold = { offerId: `${hold.offerId}:wrap-up`, callId: hold.callId };
    await this.guard(this.reservations.release(this.tenantId, hold.offerId));
    agent.hold = wrapUp;
    // Only this engine holds the agent between the two: it was on the call, and is busy in its state.
    await this.guard(this.reservations.reserve({ tenantId: this.tenantId, offerId: wrapUp.offerId, callId: `${call.callId}:wrap-up`, agentIds: [agent.agentId], owner: this.instanceId, leaseMs: this.connectedLeaseMs }));
  }

  /** The connected call is over for its agent: after-call work when the queue has some (and it is wanted), else available. */
  private async completeConnected(call: CallRecord, now: number, afterCallWork: boolean): Promise<AgentRecord> {
    const agent = this.agents.get(call.agentId as string) as AgentRecord;
    const queue = this.queues.get(call.queueId) as QueueRecord;
    this.calls.delete(call.callId);
    this.emit({ type: 'call-completed', at: now, callId: call.callId, queueId: call.queueId, agentId: agent.agentId, talkMs: now - call.connectedAt });
    const acwMs = afterCallWork ? queue.config.afterCallWorkSeconds * 1000 : 0;
    if (acwMs > 0) {
      this.changeState(agent, 'after-call-work', null, 'engine', call.callId);
      this.timers.push(now + acwMs, { kind: 'acw-end', agentId: agent.agentId, stateSeq: agent.stateSeq });
    } else {
      await this.finishHold(agent, 'available', null, 'engine', call.callId);
    }
    return agent;
  }

  /** Another instance handled this call (duplicate delivery): drop it without reporting it as abandoned. */
  forgetCall(callId: string): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const call = this.calls.get(callId);
      if (!call || call.status === 'connected') return;
      if (call.status === 'offered') await this.endOfferFor(call, [...(call.offer as OfferRecord).agentIds], 'cancelled', null, true);
      else this.leaveQueue(call);
    });
  }

  // ---- agents -------------------------------------------------------------------------------------

  /**
   * The agent (or a supervisor) asks for available, break (with a reason code) or offline.
   * Illegal transitions throw IllegalAgentTransitionError. Asking for available while an offer
   * rings declines it; break or offline while ringing cancels the offer (the call is offered again).
   */
  setAgentState(agentId: string, to: AgentRequestableState, reason?: string): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const request = parseRoutingInput(setAgentStateSchema, reason === undefined ? { agentId, to } : { agentId, to, reason }, 'agent state');
      const agent = this.agents.get(request.agentId);
      if (!agent) throw new RoutingError('unknown-agent', `agent ${request.agentId} is not known`);
      assertAgentTransition(agent.agentId, agent.state, request.to, 'agent');
      await this.moveAgent(agent, request.to, request.reason ?? null);
    });
  }

  /** A state change another engine instance made (replicated through the bus). Changes this engine made itself are ignored. */
  observeAgentState(change: AgentStateChanged): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      const observed = parseRoutingInput(agentStateChangedSchema, change, 'agent state change');
      if (observed.by === this.instanceId) return;
      const agent = this.agents.get(observed.agentId);
      if (!agent) throw new RoutingError('unknown-agent', `agent ${observed.agentId} is not known`);
      if (agent.hold) {
        // This engine holds the agent: only the agent's own request about this very call counts
        // (made through another instance); anything else is an older change arriving late.
        const requested = observed.to === 'available' || observed.to === 'break' || observed.to === 'offline';
        if (requested && observed.callId === agent.hold.callId && observed.from === agent.state && (agent.state === 'reserved' || agent.state === 'after-call-work')) {
          await this.moveAgent(agent, observed.to as AgentRequestableState, observed.reason);
        }
        return;
      }
      this.setReady(agent, false);
      const now = this.clock.now();
      this.account(agent, now);
      if (agent.state === 'offline' && observed.to !== 'offline') this.logIn(agent);
      agent.state = observed.to;
      agent.reason = observed.to === 'break' ? observed.reason : null;
      agent.stateCallId = observed.callId;
      agent.stateSince = now;
      agent.stateSeq++;
      if (observed.to === 'available') agent.idleSince = now;
      agent.heldElsewhere = false;
      this.refreshReady(agent);
      await this.matchAgent(agent, 'agent-available');
    });
  }

  // ---- time ---------------------------------------------------------------------------------------

  /** When the next timer is due (epoch ms), or null. */
  nextTimerAt(): number | null {
    return this.timers.peekAt();
  }

  /** Runs every timer due at the clock's current time. */
  fireDueTimers(): Promise<RoutingEffect[]> {
    return this.serialized(async () => {
      for (;;) {
        const timer = this.timers.popDue(this.clock.now());
        if (!timer) return;
        await this.runTimer(timer.task);
      }
    });
  }

  // ---- reading ------------------------------------------------------------------------------------

  snapshot(): RoutingEngineSnapshot {
    return {
      agents: [...this.agents.values()].map((agent) => ({
        agentId: agent.agentId,
        version: agent.version,
        state: agent.state,
        reason: agent.reason,
        stateSince: agent.stateSince,
        idleSince: agent.idleSince,
        busyMs: agent.busyMs,
        availableMs: agent.availableMs,
        missedOffers: agent.missedOffers,
        ready: agent.ready,
        heldElsewhere: agent.heldElsewhere,
        holdCallId: agent.hold?.callId ?? null,
        skills: Object.fromEntries(agent.skills),
        queueIds: [...agent.queueIds],
      })),
      queues: [...this.queues.values()].map((queue) => ({
        queueId: queue.config.queueId,
        version: queue.config.version,
        strategy: queue.config.strategy,
        members: Object.fromEntries(queue.members),
        lastOrdinal: queue.lastOrdinal,
        nextOrdinal: queue.nextOrdinal,
        readyAgentIds: queue.ready.items.map((entry) => entry.agent.agentId),
        waitingCallIds: queue.waiting.items.map((call) => call.callId),
      })),
      calls: [...this.calls.values()].map((call) => ({
        callId: call.callId,
        queueId: call.queueId,
        status: call.status,
        priority: call.priority,
        vip: call.vip,
        enqueuedAt: call.enqueuedAt,
        seq: call.seq,
        callback: call.callback,
        requirement: call.requirement.map((item) => ({ ...item })),
        stickyAgentId: call.stickyAgentId,
        stickyUntil: call.stickyUntil,
        missedBy: [...call.missedBy],
        offerAgentIds: call.offer ? [...call.offer.agentIds] : [],
        agentId: call.agentId,
      })),
    };
  }

  // ---- internals: serialisation and effects ---------------------------------------------------------

  /** Runs operations one at a time, in call order (an idle engine starts the operation at once). */
  private serialized(work: () => Promise<void>): Promise<RoutingEffect[]> {
    if (!this.running) return this.runOperation(work);
    return new Promise((resolve, reject) => this.pending.push(() => this.runOperation(work).then(resolve, reject)));
  }

  private async runOperation(work: () => Promise<void>): Promise<RoutingEffect[]> {
    this.running = true;
    const effects: RoutingEffect[] = [];
    this.collected = effects;
    try {
      await work();
      return effects;
    } finally {
      this.running = false;
      this.pending.shift()?.();
    }
  }

  private emit(effect: RoutingEffect): void {
    this.collected.push(effect);
    this.onEffect?.(effect);
  }

  /** Awaits a reservation call, turning a store failure into RoutingError('reservations-unavailable'). */
  private async guard<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      if (error instanceof RoutingError) throw error;
      throw new RoutingError('reservations-unavailable', `agent reservations failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  // ---- internals: agents --------------------------------------------------------------------------

  /** An agent's place in a queue's ready set: the order of the queue's strategy where it has a fixed one. */
  private readyEntry(queue: QueueRecord, agent: AgentRecord): ReadyEntry {
    const ordinal = queue.members.get(agent.agentId) ?? 0;
    switch (queue.config.strategy) {
      case 'longest-idle':
      case 'ring-all':
        return { key: agent.idleSince, key2: 0, agent, ordinal };
      case 'round-robin':
        return { key: ordinal, key2: 0, agent, ordinal };
      case 'best-skill-match':
        return { key: -skillScoreOf(agent, queue.baseNeed), key2: agent.idleSince, agent, ordinal };
      case 'least-occupied':
        return { key: 0, key2: 0, agent, ordinal };
    }
  }

  private compile(requirement: readonly SkillRequirement[]): CompiledRequirement {
    return {
      index: Int32Array.from(requirement, (item) => this.skillIndex.get(item.skillId) as number),
      min: Uint8Array.from(requirement, (item) => item.minProficiency),
    };
  }

  private setReady(agent: AgentRecord, ready: boolean): void {
    if (agent.ready === ready) return;
    for (const queueId of agent.queueIds) {
      const queue = this.queues.get(queueId) as QueueRecord;
      const entry = this.readyEntry(queue, agent);
      if (ready) queue.ready.insert(entry);
      else if (!queue.ready.remove(entry)) throw new Error(`ready set of queue ${queueId} lost agent ${agent.agentId}`);
    }
    agent.ready = ready;
  }

  private refreshReady(agent: AgentRecord): void {
    this.setReady(agent, agent.state === 'available' && agent.hold === null && !agent.heldElsewhere);
  }

  private account(agent: AgentRecord, now: number): void {
    const elapsed = now - agent.stateSince;
    if (agent.state === 'available') agent.availableMs += elapsed;
    else if (isBusyState(agent.state)) agent.busyMs += elapsed;
  }

  private logIn(agent: AgentRecord): void {
    agent.busyMs = 0;
    agent.availableMs = 0;
    agent.missedOffers = 0;
  }

  /** A checked state change made by this engine, reported as an effect. */
  private changeState(agent: AgentRecord, to: AgentState, reason: string | null, actor: TransitionActor, callId: string | null): void {
    assertAgentTransition(agent.agentId, agent.state, to, actor);
    this.setReady(agent, false);
    const now = this.clock.now();
    this.account(agent, now);
    const from = agent.state;
    if (from === 'offline') this.logIn(agent);
    if (from === 'break' && to === 'available') agent.missedOffers = 0;
    agent.state = to;
    agent.reason = to === 'break' ? reason : null;
    agent.stateCallId = to === 'reserved' || to === 'on-call' || to === 'after-call-work' ? callId : null;
    agent.stateSince = now;
    agent.stateSeq++;
    if (to === 'available') agent.idleSince = now;
    this.emit({ type: 'agent-state-changed', at: now, agentId: agent.agentId, from, to, reason: agent.reason, callId, by: this.instanceId });
    this.refreshReady(agent);
  }

  /** Applies an agent's request (already checked against the transition table). */
  private async moveAgent(agent: AgentRecord, to: AgentRequestableState, reason: string | null): Promise<void> {
    const hold = agent.hold;
    if (hold && agent.state === 'reserved') {
      const call = this.calls.get(hold.callId) as CallRecord;
      if (to === 'available') await this.endOfferFor(call, [agent.agentId], 'declined', null);
      else await this.endOfferFor(call, [agent.agentId], 'cancelled', { state: to, reason });
      return;
    }
    if (hold && agent.state === 'after-call-work') {
      await this.finishHold(agent, to, reason, 'agent', hold.callId);
      return;
    }
    // Another instance holds the agent: the change names its call, so that instance applies it.
    this.changeState(agent, to, reason, 'agent', agent.stateCallId);
    await this.matchAgent(agent, 'agent-available');
  }

  /** Ends the hold this engine has on an agent (after a call or its wrap-up): new state first, then release, then look for work. */
  private async finishHold(agent: AgentRecord, to: AgentState, reason: string | null, actor: TransitionActor, callId: string): Promise<void> {
    const hold = agent.hold as LocalHold;
    agent.hold = null;
    this.changeState(agent, to, reason, actor, callId);
    await this.guard(this.reservations.release(this.tenantId, hold.offerId));
    await this.matchAgent(agent, 'agent-available');
  }

  private markHeldElsewhere(agent: AgentRecord, retryAt: number): void {
    agent.heldElsewhere = true;
    this.refreshReady(agent);
    const now = this.clock.now();
    this.timers.push(Math.max(retryAt, now) + 1, { kind: 'held-recheck', agentId: agent.agentId, stateSeq: agent.stateSeq });
  }

  // ---- internals: calls ---------------------------------------------------------------------------

  private assertQueueReferences(config: QueueConfig): void {
    config.requiredSkills.forEach((item, index) => {
      if (!this.skills.has(item.skillId)) throw new RoutingError('unknown-skill', `queue ${config.queueId}: requiredSkills.${index}: unknown skill ${item.skillId}`);
    });
    config.overflowSteps.forEach((step, index) =>
      step.dropSkills.forEach((skillId, skillIndex) => {
        if (!this.skills.has(skillId)) {
          throw new RoutingError('unknown-skill', `queue ${config.queueId}: overflowSteps.${index}.dropSkills.${skillIndex}: unknown skill ${skillId}`);
        }
      }),
    );
    if (config.overflow?.kind === 'queue') {
      const path = [config.queueId];
      let next: string | undefined = config.overflow.queueId;
      while (next !== undefined) {
        if (next === config.queueId) {
          throw new RoutingError('overflow-cycle', `queue ${config.queueId}: overflow.queueId: overflowing into ${config.overflow.queueId} loops back: ${[...path, next].join(' -> ')}`);
        }
        const target = this.queues.get(next);
        if (!target) throw new RoutingError('unknown-queue', `queue ${config.queueId}: overflow.queueId: unknown queue ${next}`);
        path.push(next);
        next = target.config.overflow?.kind === 'queue' ? target.config.overflow.queueId : undefined;
      }
    }
  }

  private async enterQueue(
    request: Pick<CallRecord, 'callId' | 'callPriority' | 'extraSkills' | 'attributes' | 'lastAgentId' | 'callback'>,
    queue: QueueRecord,
    overflowedFrom: string | null,
    enqueuedAt?: number,
  ): Promise<void> {
    const now = this.clock.now();
    const config = queue.config;
    if (!request.callback && config.maxQueueLength !== undefined && queue.inQueue >= config.maxQueueLength) {
      await this.overflow(request, queue, now, 0, 'queue-full');
      return;
    }
    const call: CallRecord = {
      callId: request.callId,
      callPriority: request.callPriority,
      extraSkills: request.extraSkills,
      attributes: request.attributes,
      lastAgentId: request.lastAgentId,
      callback: request.callback,
      queueId: config.queueId,
      entryId: ++this.entrySeq,
      seq: ++this.callSeq,
      enqueuedAt: enqueuedAt ?? now,
      priority: 0,
      vip: false,
      stickyAgentId: null,
      stickyUntil: 0,
      requirement: [],
      need: { index: new Int32Array(0), min: new Uint8Array(0) },
      onBaseRequirement: false,
      stepsApplied: -1,
      status: 'waiting',
      offer: null,
      missedBy: new Set(),
      maxWaitReached: false,
      agentId: null,
      connectedAt: 0,
    };
    this.refreshCallRules(call, queue, now);
    const sticky = call.lastAgentId !== null ? this.agents.get(call.lastAgentId) : undefined;
    const stickyUntil = call.enqueuedAt + config.stickyAgentSeconds * 1000;
    if (config.stickyAgentSeconds > 0 && stickyUntil > now && sticky && queue.members.has(sticky.agentId) && meets(sticky, call.need)) {
      call.stickyAgentId = sticky.agentId;
      call.stickyUntil = stickyUntil;
      let waitingFor = this.stickyByAgent.get(sticky.agentId);
      if (!waitingFor) this.stickyByAgent.set(sticky.agentId, (waitingFor = new Set()));
      waitingFor.add(call);
    }
    this.calls.set(call.callId, call);
    queue.inQueue++;
    queue.waiting.insert(call);
    this.scheduleCallChecks(call, queue);
    this.emit({ type: 'call-queued', at: now, callId: call.callId, queueId: config.queueId, priority: call.priority, overflowedFrom, enqueuedAt: call.enqueuedAt });
    await this.matchCall(call, 'call-enqueued');
  }

  /** Recomputes priority, VIP and the requirement in force (overflow steps by waiting time). The priority only changes with the queue's configuration, which rebuilds the waiting list. */
  private refreshCallRules(call: CallRecord, queue: QueueRecord, now: number): void {
    const config = queue.config;
    const vip = config.vip !== undefined && config.vip.values.includes(call.attributes[config.vip.attribute] ?? '\u0000');
    call.vip = vip;
    call.priority = config.priority + call.callPriority + (vip && config.vip ? config.vip.priorityBoost : 0);
    const waited = now - call.enqueuedAt;
    let steps = 0;
    while (steps < config.overflowSteps.length && (config.overflowSteps[steps] as QueueConfig['overflowSteps'][number]).afterSeconds * 1000 <= waited) steps++;
    const merged = new Map<string, number>();
    for (const item of config.requiredSkills) merged.set(item.skillId, item.minProficiency);
    for (const item of call.extraSkills) merged.set(item.skillId, Math.max(merged.get(item.skillId) ?? 0, item.minProficiency));
    for (let i = 0; i < steps; i++) {
      const step = config.overflowSteps[i] as QueueConfig['overflowSteps'][number];
      if (step.lowerMinProficiencyTo !== undefined) {
        const lower = step.lowerMinProficiencyTo;
        for (const [skillId, minimum] of merged) merged.set(skillId, Math.min(minimum, lower));
      }
      for (const skillId of step.dropSkills) merged.delete(skillId);
    }
    call.requirement = [...merged].map(([skillId, minProficiency]) => ({ skillId, minProficiency }));
    call.need = this.compile(call.requirement);
    call.onBaseRequirement = call.extraSkills.length === 0 && steps === 0;
    call.stepsApplied = steps;
  }

  private scheduleCallChecks(call: CallRecord, queue: QueueRecord): void {
    const config = queue.config;
    const now = this.clock.now();
    const task: TimerTask = { kind: 'call-check', callId: call.callId, entryId: call.entryId };
    const at = (seconds: number): void => {
      const due = call.enqueuedAt + seconds * 1000;
      if (due > now) this.timers.push(due, task);
    };
    for (const step of config.overflowSteps) at(step.afterSeconds);
    // A maximum wait already passed (a call that kept an earlier place, a shorter new limit) is checked at once.
    if (config.maxWaitSeconds !== undefined && !call.callback) this.timers.push(Math.max(call.enqueuedAt + config.maxWaitSeconds * 1000, now), task);
    if (call.stickyUntil > now) this.timers.push(call.stickyUntil, task);
  }

  private clearSticky(call: CallRecord): void {
    if (call.stickyAgentId === null) return;
    const waitingFor = this.stickyByAgent.get(call.stickyAgentId);
    waitingFor?.delete(call);
    if (waitingFor?.size === 0) this.stickyByAgent.delete(call.stickyAgentId);
    call.stickyAgentId = null;
    call.stickyUntil = 0;
  }

  /** Removes a waiting or parked call from its queue and from the engine. */
  private leaveQueue(call: CallRecord): void {
    const queue = this.queues.get(call.queueId) as QueueRecord;
    if (call.status === 'waiting') queue.waiting.remove(call);
    queue.inQueue--;
    this.clearSticky(call);
    this.calls.delete(call.callId);
  }

  private async overflow(
    request: Pick<CallRecord, 'callId' | 'callPriority' | 'extraSkills' | 'attributes' | 'lastAgentId' | 'callback'>,
    queue: QueueRecord,
    now: number,
    waitedMs: number,
    reason: 'max-wait' | 'queue-full',
  ): Promise<void> {
    const target = queue.config.overflow;
    if (!target) throw new Error(`queue ${queue.config.queueId} has no overflow target (the schema requires one)`);
    this.emit({ type: 'call-overflowed', at: now, callId: request.callId, queueId: queue.config.queueId, waitedMs, reason, target });
    if (target.kind === 'queue') {
      const next = this.queues.get(target.queueId);
      if (!next) throw new Error(`overflow queue ${target.queueId} of ${queue.config.queueId} is unknown`);
      await this.enterQueue(
        {
          callId: request.callId,
          callPriority: request.callPriority,
          extraSkills: request.extraSkills,
          attributes: request.attributes,
          lastAgentId: request.lastAgentId,
          callback: request.callback,
        },
        next,
        queue.config.queueId,
      );
    }
  }

  private offeredCall(callId: string, agentId: string, what: string): { call: CallRecord; offer: OfferRecord; queue: QueueRecord } {
    const call = this.calls.get(callId);
    if (!call) throw new RoutingError('unknown-call', `cannot ${what}: call ${callId} is not in this engine`);
    const offer = call.offer;
    if (call.status !== 'offered' || !offer || !offer.agentIds.has(agentId)) {
      throw new RoutingError('offer-mismatch', `cannot ${what}: call ${callId} is not being offered to agent ${agentId} (call is ${call.status})`);
    }
    return { call, offer, queue: this.queues.get(call.queueId) as QueueRecord };
  }

  /**
   * Ends the offer for `agentIds` (declined, missed, or cancelled by the caller hanging up or the
   * agent leaving). Those agents' states change first, then their holds are released, then the
   * call is offered again (unless it is gone) and the agents look for work.
   */
  private async endOfferFor(
    call: CallRecord,
    agentIds: readonly string[],
    outcome: 'missed' | 'declined' | 'cancelled',
    agentTarget: { state: AgentRequestableState; reason: string | null } | null,
    callGone = false,
  ): Promise<void> {
    const offer = call.offer as OfferRecord;
    const queue = this.queues.get(call.queueId) as QueueRecord;
    const now = this.clock.now();
    const ringAll = offer.decision.inputs.kind === 'agent-for-call' && offer.decision.inputs.queue.strategy === 'ring-all';
    const agents = agentIds.map((id) => this.agents.get(id) as AgentRecord);
    for (const agentId of agentIds) offer.agentIds.delete(agentId);
    const offerOver = offer.agentIds.size === 0 || callGone;
    if (offerOver) {
      const remaining = [...offer.agentIds].map((id) => this.agents.get(id) as AgentRecord);
      agents.push(...remaining);
      offer.agentIds.clear();
      call.offer = null;
      this.emit({ type: 'offer-ended', at: now, callId: call.callId, queueId: call.queueId, offerId: offer.offerId, agentIds: agents.map((a) => a.agentId), outcome });
    }
    for (const agent of agents) {
      agent.hold = null;
      if (outcome !== 'cancelled') call.missedBy.add(agent.agentId);
      if (agentTarget) {
        this.changeState(agent, agentTarget.state, agentTarget.reason, 'agent', call.callId);
      } else if (outcome === 'missed' && !ringAll && ++agent.missedOffers >= queue.config.maxMissedOffers) {
        this.changeState(agent, 'break', MISSED_OFFERS_REASON, 'engine', call.callId);
      } else {
        this.changeState(agent, 'available', null, 'engine', call.callId);
      }
    }
    if (call.stickyAgentId !== null && agents.some((agent) => agent.agentId === call.stickyAgentId)) this.clearSticky(call);
    let next: 'nothing' | 'offer-again' | 'overflow' = 'nothing';
    if (offerOver) {
      if (callGone || call.maxWaitReached) {
        queue.inQueue--;
        this.clearSticky(call);
        this.calls.delete(call.callId);
        if (!callGone) next = 'overflow';
      } else {
        call.status = 'waiting';
        queue.waiting.insert(call);
        next = 'offer-again';
      }
    }
    await this.guard(this.reservations.release(this.tenantId, offer.offerId, offerOver ? undefined : agentIds));
    if (next === 'offer-again') await this.matchCall(call, 'offer-ended');
    if (next === 'overflow') await this.overflow(call, queue, now, now - call.enqueuedAt, 'max-wait');
    for (const agent of agents) await this.matchAgent(agent, 'agent-available');
  }

  // ---- internals: decisions -----------------------------------------------------------------------

  private recordLimit(queue: QueueRecord): number {
    return Math.max(this.recordedCandidates, queue.config.strategy === 'ring-all' ? queue.config.ringAllLimit : 1);
  }

  private agentFacts(agent: AgentRecord, queue: QueueRecord, call: CallRecord): AgentCandidateFacts {
    const proficiencies: Record<string, number> = {};
    for (const item of call.requirement) proficiencies[item.skillId] = agent.skills.get(item.skillId) ?? 0;
    return {
      agentId: agent.agentId,
      proficiencies,
      idleSince: agent.idleSince,
      busyMs: agent.busyMs,
      availableMs: agent.availableMs,
      ordinal: queue.members.get(agent.agentId) ?? 0,
      missedThisCall: call.missedBy.has(agent.agentId),
    };
  }

  /** The inputs of an agent-for-call decision, or null when no eligible agent is ready. Reads only the queue's ready set. */
  private agentForCallInputs(call: CallRecord, queue: QueueRecord, trigger: DecisionTrigger, now: number): AgentForCallInputs | null {
    const config = queue.config;
    const stickyOpen = call.stickyAgentId !== null && now < call.stickyUntil;
    const base: Omit<AgentForCallInputs, 'candidates'> = {
      kind: 'agent-for-call',
      at: now,
      trigger,
      queue: { queueId: config.queueId, version: config.version, strategy: config.strategy, ringAllLimit: config.ringAllLimit },
      call: {
        callId: call.callId,
        priority: call.priority,
        enqueuedAt: call.enqueuedAt,
        vip: call.vip,
        preferHigherProficiency: call.vip && (config.vip?.preferHigherProficiency ?? false),
        requirement: call.requirement.map((item) => ({ ...item })),
        stickyAgentId: stickyOpen ? call.stickyAgentId : null,
      },
      rotation: { lastOrdinal: queue.lastOrdinal, nextOrdinal: queue.nextOrdinal },
    };
    const limit = this.recordLimit(queue);
    const candidates: AgentCandidateFacts[] = [];
    if (stickyOpen) {
      const agent = this.agents.get(call.stickyAgentId as string);
      if (agent?.ready && queue.members.has(agent.agentId) && meets(agent, call.need)) candidates.push(this.agentFacts(agent, queue, call));
    } else {
      const entries = queue.ready.items;
      // Where the ready set is already in ranking order, the first eligible agents are the best.
      // best-skill-match: ordered by the queue's own skills, so only for calls that need exactly those
      // (a VIP preference for proficiency ranks the same way there).
      const ordered =
        call.missedBy.size === 0 &&
        (((config.strategy === 'longest-idle' || config.strategy === 'ring-all' || config.strategy === 'round-robin') && !base.call.preferHigherProficiency) ||
          (config.strategy === 'best-skill-match' && call.onBaseRequirement));
      if (ordered) {
        const count = entries.length;
        let start = 0;
        if (config.strategy === 'round-robin') {
          start = queue.ready.lowerBound({ key: queue.lastOrdinal + 0.5, key2: 0, agent: entries[0]?.agent as AgentRecord, ordinal: 0 });
        }
        for (let i = 0; i < count && candidates.length < limit; i++) {
          const agent = (entries[(start + i) % count] as ReadyEntry).agent;
          if (meets(agent, call.need)) candidates.push(this.agentFacts(agent, queue, call));
        }
      } else {
        // Every eligible ready member is ranked; only those that make the best `limit` get their facts written down.
        const ranking = agentRankingFor(base);
        const best: AgentRow[] = [];
        const need = call.need;
        const anyMissed = call.missedBy.size > 0;
        const scratch: number[] = new Array<number>(ranking.keys.length - 1).fill(0);
        const metrics: CandidateMetrics = { agentId: '', skillScore: 0, idleSince: 0, busyMs: 0, availableMs: 0, ordinal: 0, missedThisCall: false };
        for (const entry of entries) {
          const agent = entry.agent;
          if (!meets(agent, need)) continue;
          if (best.length === limit) {
            metrics.agentId = agent.agentId;
            metrics.skillScore = skillScoreOf(agent, need);
            metrics.idleSince = agent.idleSince;
            metrics.busyMs = agent.busyMs;
            metrics.availableMs = agent.availableMs;
            metrics.ordinal = entry.ordinal;
            metrics.missedThisCall = anyMissed && call.missedBy.has(agent.agentId);
            ranking.fill(scratch, metrics);
            const worst = best[limit - 1] as AgentRow;
            if (compareRankingValues(scratch, agent.agentId, worst.values, worst.facts.agentId) >= 0) continue;
          }
          const row = ranking.row(this.agentFacts(agent, queue, call));
          let index = best.length;
          while (index > 0 && compareAgentRows(row, best[index - 1] as AgentRow) < 0) index--;
          best.splice(index, 0, row);
          if (best.length > limit) best.pop();
        }
        for (const row of best) candidates.push(row.facts);
      }
    }
    return candidates.length > 0 ? { ...base, candidates } : null;
  }

  /** Offers `call` to the best ready agents of its queue, if any; reservations that fail exclude those agents and retry. */
  private async matchCall(call: CallRecord, trigger: DecisionTrigger): Promise<void> {
    const queue = this.queues.get(call.queueId) as QueueRecord;
    for (let attempt = 0; attempt < MAX_RESERVATION_ATTEMPTS; attempt++) {
      if (call.status !== 'waiting' || this.calls.get(call.callId) !== call) return;
      const now = this.clock.now();
      const inputs = this.agentForCallInputs(call, queue, attempt === 0 ? trigger : 'reservation-retry', now);
      if (!inputs) return;
      const outcome = rankAgentsForCall(inputs);
      const result = await this.reserve(call, queue, outcome.chosenAgentIds, now);
      if (result.ok) {
        this.startOffer(call, queue, outcome.chosenAgentIds, inputs, outcome, now);
        return;
      }
      if (result.conflict === 'agent-held') {
        for (const agentId of result.heldAgentIds) this.markHeldElsewhere(this.agents.get(agentId) as AgentRecord, result.retryAt);
        continue;
      }
      if (result.conflict === 'offer-exists') throw new Error(`offer id ${this.instanceId}:${this.offerSeq + 1} is already held: two engines share an instance id`);
      this.park(call, queue, result.retryAt);
      return;
    }
    this.park(call, queue, this.clock.now() + this.parkRetryMs);
  }

  /** Offers the best waiting call the agent is eligible for, if any. */
  private async matchAgent(agent: AgentRecord, trigger: DecisionTrigger): Promise<void> {
    for (let attempt = 0; attempt < MAX_RESERVATION_ATTEMPTS; attempt++) {
      if (!agent.ready) return;
      const now = this.clock.now();
      const inputs = this.callForAgentInputs(agent, attempt === 0 ? trigger : 'reservation-retry', now);
      if (!inputs) return;
      const outcome = rankCallsForAgent(inputs);
      const call = this.calls.get(outcome.chosenCallId) as CallRecord;
      const queue = this.queues.get(call.queueId) as QueueRecord;
      const result = await this.reserve(call, queue, [agent.agentId], now);
      if (result.ok) {
        this.startOffer(call, queue, [agent.agentId], inputs, outcome, now);
        return;
      }
      if (result.conflict === 'agent-held') {
        this.markHeldElsewhere(agent, result.retryAt);
        return;
      }
      if (result.conflict === 'offer-exists') throw new Error(`offer id ${this.instanceId}:${this.offerSeq + 1} is already held: two engines share an instance id`);
      this.park(call, queue, result.retryAt);
    }
  }

  private callForAgentInputs(agent: AgentRecord, trigger: DecisionTrigger, now: number): CallForAgentInputs | null {
    const limit = this.recordedCandidates;
    const candidates: CallCandidateFacts[] = [];
    const facts = (call: CallRecord, stickyForAgent: boolean): CallCandidateFacts => ({
      callId: call.callId,
      queueId: call.queueId,
      queueVersion: (this.queues.get(call.queueId) as QueueRecord).config.version,
      priority: call.priority,
      enqueuedAt: call.enqueuedAt,
      seq: call.seq,
      stickyForAgent,
    });
    // Each source is already in ranking order; several sources are merged by sorting.
    let sources = 0;
    const heldForMe = this.stickyByAgent.get(agent.agentId);
    if (heldForMe) {
      sources++;
      for (const call of heldForMe) {
        if (call.status === 'waiting' && now < call.stickyUntil && meets(agent, call.need)) candidates.push(facts(call, true));
      }
    }
    for (const queueId of agent.queueIds) {
      const waiting = (this.queues.get(queueId) as QueueRecord).waiting.items;
      if (waiting.length > 0) sources++;
      let taken = 0;
      for (let i = 0; i < waiting.length && taken < limit; i++) {
        const call = waiting[i] as CallRecord;
        if (call.stickyAgentId !== null && now < call.stickyUntil) continue; // held for its sticky agent (this agent's were added above)
        if (!meets(agent, call.need)) continue;
        candidates.push(facts(call, false));
        taken++;
      }
    }
    if (candidates.length === 0) return null;
    if (sources > 1) candidates.sort(compareCallCandidates);
    if (candidates.length > limit) candidates.length = limit;
    return { kind: 'call-for-agent', at: now, trigger, agentId: agent.agentId, candidates };
  }

  private async reserve(call: CallRecord, queue: QueueRecord, agentIds: readonly string[], now: number): Promise<ReserveResult> {
    const offerId = `${this.instanceId}:${this.offerSeq + 1}`;
    try {
      return await this.reservations.reserve({
        tenantId: this.tenantId,
        offerId,
        callId: call.callId,
        agentIds,
        owner: this.instanceId,
        leaseMs: Math.ceil(queue.config.offerTimeoutSeconds * 1000) + this.offerLeaseMarginMs,
      });
    } catch (error) {
      if (error instanceof RoutingError && error.code !== 'reservations-unavailable') throw error;
      this.park(call, queue, now + this.parkRetryMs);
      throw new RoutingError('reservations-unavailable', `agent reservations failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private startOffer(
    call: CallRecord,
    queue: QueueRecord,
    agentIds: string[],
    inputs: AgentForCallInputs | CallForAgentInputs,
    outcome: AgentForCallOutcome | CallForAgentOutcome,
    now: number,
  ): void {
    const offerId = `${this.instanceId}:${++this.offerSeq}`;
    const decision: RoutingDecision = {
      decisionId: offerId,
      tenantId: this.tenantId,
      callId: call.callId,
      queueId: call.queueId,
      queueVersion: queue.config.version,
      agentIds: [...agentIds],
      at: now,
      inputs,
      outcome,
    };
    queue.waiting.remove(call);
    call.status = 'offered';
    call.offer = { offerId, agentIds: new Set(agentIds), decision };
    if (queue.config.strategy === 'round-robin' && agentIds.length === 1) queue.lastOrdinal = queue.members.get(agentIds[0] as string) ?? queue.lastOrdinal;
    this.emit({ type: 'call-offered', at: now, callId: call.callId, queueId: call.queueId, offerId, agentIds: [...agentIds], decision });
    for (const agentId of agentIds) {
      const agent = this.agents.get(agentId) as AgentRecord;
      agent.hold = { offerId, callId: call.callId };
      this.changeState(agent, 'reserved', null, 'engine', call.callId);
    }
    this.timers.push(now + queue.config.offerTimeoutSeconds * 1000, { kind: 'offer-timeout', callId: call.callId, offerId });
  }

  private park(call: CallRecord, queue: QueueRecord, retryAt: number): void {
    if (call.status !== 'waiting') return;
    queue.waiting.remove(call);
    call.status = 'parked';
    const now = this.clock.now();
    this.timers.push(Math.min(Math.max(retryAt, now + 1), now + this.parkRetryMs), { kind: 'park-retry', callId: call.callId, entryId: call.entryId });
  }

  // ---- internals: timers --------------------------------------------------------------------------

  private async runTimer(task: TimerTask): Promise<void> {
    switch (task.kind) {
      case 'offer-timeout': {
        const call = this.calls.get(task.callId);
        if (!call || call.offer?.offerId !== task.offerId) return;
        await this.endOfferFor(call, [...call.offer.agentIds], 'missed', null);
        return;
      }
      case 'call-check': {
        const call = this.calls.get(task.callId);
        if (!call || call.entryId !== task.entryId || call.status === 'connected') return;
        await this.checkCall(call);
        return;
      }
      case 'park-retry': {
        const call = this.calls.get(task.callId);
        if (!call || call.entryId !== task.entryId || call.status !== 'parked') return;
        const queue = this.queues.get(call.queueId) as QueueRecord;
        call.status = 'waiting';
        queue.waiting.insert(call);
        await this.matchCall(call, 'reservation-retry');
        return;
      }
      case 'acw-end': {
        const agent = this.agents.get(task.agentId);
        if (!agent || agent.stateSeq !== task.stateSeq || agent.state !== 'after-call-work' || !agent.hold) return;
        await this.finishHold(agent, 'available', null, 'engine', agent.hold.callId);
        return;
      }
      case 'held-recheck': {
        const agent = this.agents.get(task.agentId);
        if (!agent || !agent.heldElsewhere || agent.stateSeq !== task.stateSeq) return;
        agent.heldElsewhere = false;
        this.refreshReady(agent);
        await this.matchAgent(agent, 'reservation-retry');
        return;
      }
    }
  }

  /** Applies the timed rules of a call: end of the sticky window, overflow steps, maximum wait. */
  private async checkCall(call: CallRecord): Promise<void> {
    const queue = this.queues.get(call.queueId) as QueueRecord;
    const now = this.clock.now();
    let trigger: DecisionTrigger | null = null;
    if (call.stickyAgentId !== null && now >= call.stickyUntil) {
      this.clearSticky(call);
      trigger = 'sticky-window-ended';
    }
    const before = call.stepsApplied;
    this.refreshCallRules(call, queue, now);
    if (call.stepsApplied !== before) trigger = 'overflow-step';
    const maxWaitSeconds = queue.config.maxWaitSeconds;
    if (maxWaitSeconds !== undefined && !call.callback && now - call.enqueuedAt >= maxWaitSeconds * 1000) {
      if (call.status === 'offered') {
        call.maxWaitReached = true;
      } else {
        this.leaveQueue(call);
        await this.overflow(call, queue, now, now - call.enqueuedAt, 'max-wait');
        return;
      }
    }
    if (trigger && call.status === 'waiting') await this.matchCall(call, trigger);
  }
}
