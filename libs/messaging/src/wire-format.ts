import { MESSAGE_HEADER_TENANT_ID, type Envelope, type TopicDefinition } from '@parley/contracts';
import { parseEnvelope, type ParsedEnvelope } from './envelope';

/** A message as it travels: key, JSON value (the envelope without its headers) and string headers. */
export interface WireMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Envelope → wire: the headers travel as message headers (`traceparent`, `x-tenant-id`, ...), not in the JSON value. */
export function encodeEnvelope(envelope: Envelope): WireMessage {
  const { headers, ...body } = envelope;
  return {
    key: envelope.key,
    value: JSON.stringify(body),
    headers: { ...headers, [MESSAGE_HEADER_TENANT_ID]: envelope.tenantId },
  };
}

/** Wire → validated envelope (see `parseEnvelope`); the message headers become the envelope's headers. */
export function decodeWireMessage(value: string | null, headers: Readonly<Record<string, string>>, topic: TopicDefinition): ParsedEnvelope {
  if (value === null || value.length === 0) return { ok: false, reason: 'invalid-json', detail: 'the message has no value' };
  let body: unknown;
  try {
    body = JSON.parse(value) as unknown;
  } catch (error) {
    return { ok: false, reason: 'invalid-json', detail: error instanceof Error ? error.message : 'not JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: 'invalid-envelope', detail: 'the message value is not a JSON object' };
  }
  return parseEnvelope({ ...body, headers: { ...headers } }, topic);
}
