import { z } from 'zod';
import { acdAgentStateSchema, acdQueueIdSchema } from './acd.events';

/**
 * The acd's HTTP bodies the desktop shares with it: transfer of a connected call to a queue, and
 * what an agent may transfer to.
 */

/** Blind transfer to a queue: the agent leaves, the caller waits in the queue (music) for the next agent. */
export const queueTransferRequestSchema = z.strictObject({
  queueId: acdQueueIdSchema,
});
export type QueueTransferRequest = z.infer<typeof queueTransferRequestSchema>;

export const queueTransferViewSchema = z.object({
  callId: z.uuid(),
  fromQueueId: z.string(),
  queueId: z.string(),
  /** The agent who left the call (now in after-call work or available). */
  fromAgentId: z.uuid().nullable(),
  status: z.literal('waiting'),
});
export type QueueTransferView = z.infer<typeof queueTransferViewSchema>;

/** Where the agent's call can go: the tenant's queues with their load, and the agents' live states (names come from the tenant's colleague list). */
export const transferTargetsViewSchema = z.object({
  queues: z.array(z.object({ queueId: z.string(), name: z.string(), waiting: z.number().int().nonnegative(), availableAgents: z.number().int().nonnegative() })),
  agents: z.array(z.object({ agentId: z.uuid(), state: acdAgentStateSchema })),
});
export type TransferTargetsView = z.infer<typeof transferTargetsViewSchema>;

/**
 * Consultation with a queue (warm transfer): the acd picks the queue's best available agent (a
 * routing decision, explained like any other), the caller waits on hold while that agent's phone
 * rings and the two agents talk; the agent then completes (the caller goes to the consulted agent,
 * who has the call in that queue), cancels or makes it a conference through the cti's consult
 * endpoints, as with any consultation. 409 when no agent of the queue is free.
 */
export const queueConsultRequestSchema = queueTransferRequestSchema;
export type QueueConsultRequest = QueueTransferRequest;

export const queueConsultViewSchema = z.object({
  callId: z.uuid(),
  queueId: z.string(),
  /** The agent being consulted (their phone rings). */
  agentId: z.uuid(),
  decisionId: z.string(),
  status: z.literal('ringing'),
});
export type QueueConsultView = z.infer<typeof queueConsultViewSchema>;
