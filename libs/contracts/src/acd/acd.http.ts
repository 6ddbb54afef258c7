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
