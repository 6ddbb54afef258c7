import { type EnvelopeRejection } from './envelope';

/** Why a message went to `<topic>.dlq`: refused on arrival, refused by its handler, or its handler kept failing. */
export type DeadLetterReason = EnvelopeRejection | 'handler-rejected' | 'handler-failed';

/** A dead-lettered message: the original bytes and headers plus where it came from and why it failed. */
export interface DeadLetter {
  readonly originalTopic: string;
  readonly partition: number;
  readonly offset: string;
  readonly consumerGroup: string;
  readonly reason: DeadLetterReason;
  readonly error: string;
  /** Handler attempts made (0 when it was refused before reaching the handler). */
  readonly attempts: number;
  readonly failedAt: string;
  readonly key: string | null;
  /** The original value, unchanged (it may not even be JSON). */
  readonly value: string | null;
  /** The original headers (without the `x-dlq-*` ones). */
  readonly headers: Readonly<Record<string, string>>;
}

/** The headers a dead-lettered Kafka message carries on top of its original ones. */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-dlq-reason',
  error: 'x-dlq-error',
  originalTopic: 'x-dlq-original-topic',
  partition: 'x-dlq-original-partition',
  offset: 'x-dlq-original-offset',
  consumerGroup: 'x-dlq-consumer-group',
  attempts: 'x-dlq-attempts',
  failedAt: 'x-dlq-failed-at',
} as const;

const REASONS: readonly DeadLetterReason[] = [
  'invalid-json',
  'invalid-envelope',
  'unknown-topic',
  'topic-mismatch',
  'tenant-mismatch',
  'invalid-payload',
  'handler-rejected',
  'handler-failed',
];

/** Headers of the dead-letter message for `letter`: its original headers plus the `x-dlq-*` ones. */
export function deadLetterHeaders(letter: DeadLetter): Record<string, string> {
  return {
    ...letter.headers,
    [DEAD_LETTER_HEADERS.reason]: letter.reason,
    // Kafka headers are small by convention: keep the first 2 KB of the error.
    [DEAD_LETTER_HEADERS.error]: letter.error.slice(0, 2048),
    [DEAD_LETTER_HEADERS.originalTopic]: letter.originalTopic,
    [DEAD_LETTER_HEADERS.partition]: String(letter.partition),
    [DEAD_LETTER_HEADERS.offset]: letter.offset,
    [DEAD_LETTER_HEADERS.consumerGroup]: letter.consumerGroup,
    [DEAD_LETTER_HEADERS.attempts]: String(letter.attempts),
    [DEAD_LETTER_HEADERS.failedAt]: letter.failedAt,
  };
}

/** Reads a dead-letter message back (for DLQ inspection and replay tools). */
export function deadLetterFromMessage(message: { key: string | null; value: string | null; headers: Readonly<Record<string, string>> }): DeadLetter {
  const dlqNames = new Set<string>(Object.values(DEAD_LETTER_HEADERS));
  const original: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) if (!dlqNames.has(name)) original[name] = value;
  const h = message.headers;
  const reason = h[DEAD_LETTER_HEADERS.reason] as DeadLetterReason | undefined;
  return {
    originalTopic: h[DEAD_LETTER_HEADERS.originalTopic] ?? '',
    partition: Number(h[DEAD_LETTER_HEADERS.partition] ?? -1),
    offset: h[DEAD_LETTER_HEADERS.offset] ?? '',
    consumerGroup: h[DEAD_LETTER_HEADERS.consumerGroup] ?? '',
    reason: reason !== undefined && REASONS.includes(reason) ? reason : 'handler-failed',
    error: h[DEAD_LETTER_HEADERS.error] ?? '',
    attempts: Number(h[DEAD_LETTER_HEADERS.attempts] ?? 0),
    failedAt: h[DEAD_LETTER_HEADERS.failedAt] ?? '',
    key: message.key,
    value: message.value,
    headers: original,
  };
}
