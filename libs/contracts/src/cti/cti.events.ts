import { z } from 'zod';
import { defineTopic } from '../topic';

/** A disposition code as tenants name them (`sale`, `no-answer`, `callback-requested`). */
export const dispositionCodeSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'must be 1-64 lower-case letters, digits, "-" or "_", starting with a letter or digit' });

export const ctiCallWrappedUpV1 = defineTopic({
  name: 'cti.call.wrapped-up.v1',
  description: "The agent finished a call's after-call work: the disposition chosen and the ticket created or updated with it, if any.",
  schema: z.object({
    tenantId: z.uuid(),
    /** The call as the IVR routed it (the acd's callId). */
    callId: z.uuid(),
    agentId: z.uuid(),
    disposition: dispositionCodeSchema,
    ticketId: z.uuid().optional(),
    wrappedUpAt: z.iso.datetime({ offset: true }),
  }),
  keyOf: (p) => p.callId,
});

export const ctiTopics = [ctiCallWrappedUpV1] as const;
