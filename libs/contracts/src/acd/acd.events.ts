import { z } from 'zod';
import { defineTopic } from '../topic';

/**
 * What the ACD (queues, agents, routing) tells the rest of Parley: agent states, the life of a
 * call in its queues, and live statistics for dashboards. Calls are named by the callId the IVR
 * routed; `voiceCallId` is the voice call the ACD commands for it (the same id, except for a queue
 * callback, where it is the outbound call the ACD placed to the customer).
 */

const instant = z.iso.datetime({ offset: true });
/** A queue id as tenants name queues (the IVR routes to it by that name). */
export const acdQueueIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'must be 1-64 lower-case letters, digits, "-" or "_"' });
const queueId = acdQueueIdSchema;

export const acdAgentStateSchema = z.enum(['offline', 'available', 'reserved', 'on-call', 'after-call-work', 'break']);
export type AcdAgentState = z.infer<typeof acdAgentStateSchema>;

export const acdAgentStateChangedV1 = defineTopic({
  name: 'acd.agent.state-changed.v1',
  status: 'draft',
  description: "An agent's routing state changed (by the agent, a supervisor, or the routing engine).",
  schema: z.object({
    agentId: z.uuid(),
    from: acdAgentStateSchema,
    to: acdAgentStateSchema,
    /** The break reason code (such as lunch or missed-offers); null outside a break. */
    reason: z.string().min(1).max(64).nullable(),
    /** The call the change is about (an offer, a call, its wrap-up), if any. */
    callId: z.uuid().nullable(),
    /** The routing engine instance that made the change. */
    by: z.string().min(1),
    at: instant,
    /** To after-call-work: when the wrap-up time ends and the agent is made available again. */
    acwEndsAt: instant.optional(),
  }),
  keyOf: (p) => p.agentId,
});

export const acdCallQueuedV1 = defineTopic({
  name: 'acd.call.queued.v1',
  status: 'draft',
  description: 'A call (or a callback request) entered a queue, from the IVR or by overflow from another queue.',
  schema: z.object({
    callId: z.uuid(),
    queueId,
    mode: z.enum(['live', 'callback']),
    /** Effective priority: the queue's, the call's and a VIP boost. */
    priority: z.number().int(),
    overflowedFrom: queueId.nullable(),
    queuedAt: instant,
  }),
  keyOf: (p) => p.callId,
});

export const acdCallOfferedV1 = defineTopic({
  name: 'acd.call.offered.v1',
  status: 'draft',
  description: 'The routing engine offered a call to one agent (or several: ring-all); the agents are reserved and ringing.',
  schema: z.object({
    callId: z.uuid(),
    voiceCallId: z.uuid(),
    queueId,
    offerId: z.string().min(1),
    /** GET /api/v1/acd/decisions/{callId} explains it. */
    decisionId: z.string().min(1),
    agentIds: z.array(z.uuid()).min(1),
    ringTimeoutMs: z.number().int().positive(),
    /** The IVR's attributes, for the agent's screen pop. */
    attributes: z.record(z.string(), z.string()),
    offeredAt: instant,
  }),
  keyOf: (p) => p.callId,
});

export const acdCallAssignedV1 = defineTopic({
  name: 'acd.call.assigned.v1',
  status: 'draft',
  description: 'The agent answered: the call is connected to the agent.',
  schema: z.object({
    callId: z.uuid(),
    voiceCallId: z.uuid(),
    queueId,
    agentId: z.uuid(),
    offerId: z.string().min(1),
    waitedMs: z.number().int().nonnegative(),
    assignedAt: instant,
  }),
  keyOf: (p) => p.callId,
});

export const acdCallAbandonedV1 = defineTopic({
  name: 'acd.call.abandoned.v1',
  status: 'draft',
  description: 'A call left its queue before an agent answered: the caller hung up, or a callback could not reach the customer.',
  schema: z.object({
    callId: z.uuid(),
    queueId,
    reason: z.enum(['caller-hangup', 'callback-unreachable']),
    waitedMs: z.number().int().nonnegative(),
    abandonedAt: instant,
  }),
  keyOf: (p) => p.callId,
});

export const acdCallOverflowedV1 = defineTopic({
  name: 'acd.call.overflowed.v1',
  status: 'draft',
  description:
    'A call left its queue without an agent: to another queue (the ACD goes on routing it), or to voicemail or a callback offer (the IVR takes the call back and acts), or it was refused (an unknown queue or skill: the ACD says so to the caller and hangs up).',
  schema: z.object({
    callId: z.uuid(),
    queueId,
    action: z.enum(['queue', 'voicemail', 'callback', 'rejected']),
    /** action queue: where the call went. */
    targetQueueId: queueId.optional(),
    reason: z.enum(['max-wait', 'queue-full', 'unknown-queue', 'unknown-skill']),
    waitedMs: z.number().int().nonnegative(),
    overflowedAt: instant,
  }),
  keyOf: (p) => p.callId,
});

export const acdCallTransferredV1 = defineTopic({
  name: 'acd.call.transferred.v1',
  status: 'draft',
  description:
    "The agent on a call transferred it to a queue (blind): the agent left (voice releases them), the caller waits in the target queue with music and is offered to the next agent there. An acd.call.queued.v1 for the target queue follows.",
  schema: z.object({
    callId: z.uuid(),
    voiceCallId: z.uuid(),
    fromQueueId: queueId,
    queueId,
    /** The agent who left the call. */
    fromAgentId: z.uuid(),
    /** Who asked: the agent, or a supervisor (user id). */
    requestedBy: z.uuid(),
    transferredAt: instant,
  }),
  keyOf: (p) => p.callId,
});

const agentsByState = z.object({
  offline: z.number().int().nonnegative(),
  available: z.number().int().nonnegative(),
  reserved: z.number().int().nonnegative(),
  'on-call': z.number().int().nonnegative(),
  'after-call-work': z.number().int().nonnegative(),
  break: z.number().int().nonnegative(),
});

export const acdQueueStatisticsSchema = z.object({
  queueId,
  waiting: z.number().int().nonnegative(),
  longestWaitMs: z.number().nonnegative(),
  agentsByState,
  today: z.object({
    /** The calendar day (YYYY-MM-DD) in the tenant's time zone. */
    day: z.string(),
    answered: z.number().int().nonnegative(),
    answeredWithinThreshold: z.number().int().nonnegative(),
    abandoned: z.number().int().nonnegative(),
    abandonedWithinThreshold: z.number().int().nonnegative(),
    overflowed: z.number().int().nonnegative(),
    /** Answered within the threshold / (answered + left unanswered after it); null before any such call. */
    serviceLevel: z.number().min(0).max(1).nullable(),
    averageSpeedOfAnswerMs: z.number().nonnegative().nullable(),
  }),
  asOf: instant,
});
export type AcdQueueStatistics = z.infer<typeof acdQueueStatisticsSchema>;

export const acdAgentStatisticsSchema = z.object({
  agentId: z.uuid(),
  state: acdAgentStateSchema,
  reason: z.string().nullable(),
  inStateMs: z.number().nonnegative(),
  today: z.object({
    day: z.string(),
    callsHandled: z.number().int().nonnegative(),
    talkMs: z.number().nonnegative(),
    wrapUpMs: z.number().nonnegative(),
    handleMs: z.number().nonnegative(),
    averageHandleMs: z.number().nonnegative().nullable(),
  }),
  asOf: instant,
});
export type AcdAgentStatistics = z.infer<typeof acdAgentStatisticsSchema>;

export const acdQueueStatsV1 = defineTopic({
  name: 'acd.queue.stats.v1',
  status: 'draft',
  description: "A queue's live statistics (waiting, longest wait, agents by state, today's service level), published when they change, at most about once a second per queue.",
  schema: acdQueueStatisticsSchema,
  keyOf: (p) => p.queueId,
});

export const acdAgentStatsV1 = defineTopic({
  name: 'acd.agent.stats.v1',
  status: 'draft',
  description: "An agent's live statistics (state, time in state, today's calls and handle time), published when they change, at most about once a second per agent.",
  schema: acdAgentStatisticsSchema,
  keyOf: (p) => p.agentId,
});

export const acdTopics = [
  acdAgentStateChangedV1,
  acdCallQueuedV1,
  acdCallOfferedV1,
  acdCallAssignedV1,
  acdCallAbandonedV1,
  acdCallOverflowedV1,
  acdQueueStatsV1,
  acdAgentStatsV1,
  acdCallTransferredV1,
] as const;
