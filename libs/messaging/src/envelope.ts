import { injectTraceHeaders } from '@parley/telemetry';
import { randomUUID } from 'node:crypto';
import { type z } from 'zod';
import {
  envelopeSchema,
  findTopic,
  MESSAGE_HEADER_TENANT_ID,
  type Envelope,
  type PayloadOf,
  type TopicDefinition,
} from '@parley/contracts';
import { MessageValidationError, formatIssues, type FieldIssue } from './message.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CreateEnvelopeOptions {
  /** Message id (default a random UUID). Reuse one only to re-send the same fact. */
  id?: string;
  /** When the fact happened (default now). */
  occurredAt?: Date | string;
  /** Extra headers, e.g. `traceparent` of the current span. `x-tenant-id` is always set from `tenantId`. */
  headers?: Readonly<Record<string, string>>;
}

/** Turns zod issues into field paths relative to `prefix` (e.g. `payload`). */
export function issuesOf(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [...(prefix ? [prefix] : []), ...issue.path.map((p) => String(p))].join('.');
    return { path: path || '(root)', message: issue.message };
  });
}

/**
 * Builds the envelope of one message of `topic`, validating the payload against the topic's
 * schema first (throws `MessageValidationError` naming the topic and every failing field).
 * The payload kept is zod's output (unknown keys stripped), so what is published is exactly what
 * consumers will accept.
 */
export function createEnvelope<T extends TopicDefinition>(
  topic: T,
  tenantId: string,
  payload: PayloadOf<T>,
  options: CreateEnvelopeOptions = {},
): Envelope<PayloadOf<T>> {
  const problems: FieldIssue[] = [];
  if (!UUID.test(tenantId)) problems.push({ path: 'tenantId', message: 'must be a UUID' });
  if (options.id !== undefined && !UUID.test(options.id)) problems.push({ path: 'id', message: 'must be a UUID' });
  const occurredAt = toIsoInstant(options.occurredAt ?? new Date());
  if (occurredAt === undefined) problems.push({ path: 'occurredAt', message: 'must be a valid date' });
  const parsed = topic.schema.safeParse(payload);
  if (!parsed.success) problems.push(...issuesOf(parsed.error, 'payload'));
  if (problems.length > 0 || !parsed.success || occurredAt === undefined) throw new MessageValidationError(topic.name, problems);

  const data = parsed.data as PayloadOf<T>;
  const key = topic.keyOf(data);
  if (typeof key !== 'string' || key.length === 0) {
    throw new MessageValidationError(topic.name, [{ path: 'key', message: 'keyOf(payload) returned an empty key' }]);
  }
  const tenant = tenantId.toLowerCase();
  return {
    id: options.id?.toLowerCase() ?? randomUUID(),
    type: topic.name,
    version: topic.version,
    tenantId: tenant,
    occurredAt,
    key,
    payload: data,
    // The active trace travels with the message (through the outbox too), so consumers continue it.
    headers: { ...injectTraceHeaders({}), ...options.headers, [MESSAGE_HEADER_TENANT_ID]: tenant },
  };
}

function toIsoInstant(value: Date | string): string | undefined {
  const date = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Why a consumer refused a message. Each one sends it to `<topic>.dlq`. */
export type EnvelopeRejection =
  | 'invalid-json'
  | 'invalid-envelope'
  | 'unknown-topic'
  | 'topic-mismatch'
  | 'tenant-mismatch'
  | 'invalid-payload';

export type ParsedEnvelope =
  | { readonly ok: true; readonly envelope: Envelope; readonly topic: TopicDefinition }
  | { readonly ok: false; readonly reason: EnvelopeRejection; readonly detail: string };

/**
 * Validates what a consumer received on `arrivedOn` (a topic definition, or a topic name looked up
 * in the contracts registry): the envelope shape, that it belongs to that topic and version, that
 * its `x-tenant-id` header agrees with its tenantId, and the payload against the topic's schema.
 * `raw` may be the JSON text or the already parsed value. Never throws.
 */
export function parseEnvelope(raw: unknown, arrivedOn: TopicDefinition | string): ParsedEnvelope {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch (error) {
      return { ok: false, reason: 'invalid-json', detail: error instanceof Error ? error.message : 'not JSON' };
    }
  }
  const topic = typeof arrivedOn === 'string' ? findTopic(arrivedOn) : arrivedOn;
  if (!topic) return { ok: false, reason: 'unknown-topic', detail: `no topic "${String(arrivedOn)}" in the contracts registry` };

  const shape = envelopeSchema.safeParse(value);
  if (!shape.success) return { ok: false, reason: 'invalid-envelope', detail: formatIssues(issuesOf(shape.error)) };
  const envelope = shape.data;
  if (envelope.type !== topic.name || envelope.version !== topic.version) {
    return {
      ok: false,
      reason: 'topic-mismatch',
      detail: `a "${envelope.type}" v${envelope.version} message arrived on "${topic.name}" v${topic.version}`,
    };
  }
  const headerTenant = envelope.headers[MESSAGE_HEADER_TENANT_ID];
  if (headerTenant !== undefined && headerTenant.toLowerCase() !== envelope.tenantId.toLowerCase()) {
    return { ok: false, reason: 'tenant-mismatch', detail: `header ${MESSAGE_HEADER_TENANT_ID} is ${headerTenant}, tenantId is ${envelope.tenantId}` };
  }
  const payload = topic.schema.safeParse(envelope.payload);
  if (!payload.success) return { ok: false, reason: 'invalid-payload', detail: formatIssues(issuesOf(payload.error, 'payload')) };
  return { ok: true, topic, envelope: { ...envelope, tenantId: envelope.tenantId.toLowerCase(), payload: payload.data } };
}
