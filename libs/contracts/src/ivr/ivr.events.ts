import { z } from 'zod';
import { defineTopic } from '../topic';
import { localeSchema } from '../tenant/tenant.events';
import { requiredSkillSchema } from './ivr.flow';

const instant = z.iso.datetime({ offset: true });

/** Which flow ran: its id and immutable version (0: an unpublished draft, in simulations only). */
const flowRun = {
  callId: z.uuid(),
  flowId: z.uuid(),
  flowVersion: z.number().int().nonnegative(),
};

/** The flow's variables when the event happened (what the caller entered, what data dips answered). */
const variables = z.record(z.string(), z.string());

export const ivrCallOutcomeSchema = z.enum([
  /** Handed to a queue (`ivr.call.routed.v1`), then ended with the agent or after the after-agent part. */
  'routed',
  /** The caller accepted a callback (`ivr.call.routed.v1` with mode `callback`), then was hung up. */
  'callback',
  /** Connected to an outside number or one agent. */
  'transferred',
  /** The caller left a voicemail message. */
  'voicemail',
  /** The flow hung up (a hangup node). */
  'hangup',
  /** The caller hung up before the flow reached an ending. */
  'abandoned',
  /** The flow could not go on (a failed command or transfer with no failure branch, a loop the limit stopped). */
  'failed',
]);
export type IvrCallOutcome = z.infer<typeof ivrCallOutcomeSchema>;

export const ivrCallRoutedV1 = defineTopic({
  name: 'ivr.call.routed.v1',
  status: 'draft',
  description: 'The IVR hands a call to a queue: now (mode live) or as a callback request (mode callback).',
  schema: z.object({
    ...flowRun,
    nodeId: z.string(),
    mode: z.enum(['live', 'callback']),
    queue: z.string(),
    priority: z.number().int().min(0).max(100),
    skills: z.array(requiredSkillSchema),
    attributes: z.record(z.string(), z.string()),
    variables,
    callerNumber: z.string(),
    dialledNumber: z.string(),
    locale: localeSchema,
    /** mode callback: the E.164 number to call back. */
    callbackNumber: z.string().optional(),
    /** What the agent's bridge does when the agent hangs up: end the call, or continue it in the IVR (e.g. a survey). */
    afterAgent: z.enum(['end', 'continue']),
    routedAt: instant,
  }),
  keyOf: (p) => p.callId,
});

export const ivrCallCompletedV1 = defineTopic({
  name: 'ivr.call.completed.v1',
  status: 'draft',
  description: "The IVR's part of a call is over (exactly once per call): how it ended and what the caller entered.",
  schema: z.object({
    ...flowRun,
    outcome: ivrCallOutcomeSchema,
    /** Why, in words, for failed and abandoned calls. */
    reason: z.string().optional(),
    /** The last node the call was in. */
    lastNodeId: z.string().optional(),
    variables,
    /** The score a survey node collected. */
    survey: z.object({ nodeId: z.string(), score: z.number().int().min(1).max(5) }).optional(),
    /** The mailbox of a voicemail the caller left. */
    mailbox: z.string().optional(),
    nodesVisited: z.number().int().nonnegative(),
    startedAt: instant,
    completedAt: instant,
    durationMs: z.number().int().nonnegative(),
  }),
  keyOf: (p) => p.callId,
});

export const ivrCallNodeVisitedV1 = defineTopic({
  name: 'ivr.call.node-visited.v1',
  status: 'draft',
  description: 'A call entered or left a flow node, for drop-off reports (a left with exit caller-hangup is where a caller gave up).',
  schema: z.object({
    ...flowRun,
    nodeId: z.string(),
    nodeType: z.string(),
    transition: z.enum(['entered', 'left']),
    /** The visit's number within the call (1, 2, ...), the same on entered and left. */
    visit: z.number().int().positive(),
    /** left: the branch taken (`next`, `option:1`, `invalid`, `no-input`, `true`, `false`, `failure`, `routed`, `caller-hangup`...). */
    exit: z.string().optional(),
    /** left: why, when the exit was a failure (a data dip's webhook error, a failed transfer). */
    detail: z.string().optional(),
    /** left: how long the call spent in the node. */
    durationMs: z.number().int().nonnegative().optional(),
    at: instant,
  }),
  keyOf: (p) => p.callId,
});

export const ivrTopics = [ivrCallRoutedV1, ivrCallCompletedV1, ivrCallNodeVisitedV1] as const;
