import { z } from 'zod';

/** Headers every message carries on the wire (Kafka headers, or the in-process equivalent). */
export const MESSAGE_HEADER_TRACEPARENT = 'traceparent';
export const MESSAGE_HEADER_TENANT_ID = 'x-tenant-id';

export const envelopeSchema = z.object({
  /** Unique message id (UUID). Consumers deduplicate on it (inbox). */
  id: z.uuid(),
  /** The topic name, e.g. `tenant.user.created.v1`. */
  type: z.string().min(1),
  /** The major version of the contract (the `v<major>` of the topic). */
  version: z.number().int().positive(),
  tenantId: z.uuid(),
  /** ISO-8601 instant at which the fact happened. */
  occurredAt: z.iso.datetime({ offset: true }),
  /** Partition key: messages with one key are delivered in order. */
  key: z.string().min(1),
  payload: z.unknown(),
  headers: z.record(z.string(), z.string()),
});

export type Envelope<TPayload = unknown> = Omit<z.infer<typeof envelopeSchema>, 'payload'> & { payload: TPayload };
