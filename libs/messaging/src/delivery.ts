import { extractTraceContext, SpanKind, withLogContext, withSpan } from '@parley/telemetry';
import { backoffDelay, sleep, type BackoffPolicy } from './backoff';
import { type ReceivedMessage, type SubscriptionSpec } from './event-bus.port';
import { MessageRejectedError } from './message.errors';
import { describeError, type MessagingLogger } from './messaging-logger';

export type DeliveryOutcome =
  | { readonly kind: 'handled'; readonly attempts: number }
  | { readonly kind: 'dead-letter'; readonly reason: 'handler-failed' | 'handler-rejected'; readonly error: string; readonly attempts: number }
  /** The subscription stopped between attempts: leave the message uncommitted so it is redelivered. */
  | { readonly kind: 'abandoned'; readonly attempts: number };

export interface DeliveryOptions {
  readonly message: Omit<ReceivedMessage, 'attempt'>;
  readonly group: string;
  readonly handle: SubscriptionSpec['handle'];
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  /** Aborted when the subscription stops: no further attempt starts (a running one finishes). */
  readonly signal: AbortSignal;
  /** Called while waiting between attempts, at most every `everyMs` (Kafka heartbeats). Its errors propagate. */
  readonly keepAlive?: { readonly everyMs: number; readonly beat: () => Promise<void> };
  readonly logger: MessagingLogger;
}

/**
 * Runs a handler on one message with bounded retries: up to `maxAttempts` attempts with exponential
 * backoff between them. A `MessageRejectedError` is not retried. Shared by every bus adapter so they
 * behave alike.
 */
export async function deliverWithRetries(options: DeliveryOptions): Promise<DeliveryOutcome> {
  const { message, logger } = options;
  const maxAttempts = Math.max(1, options.maxAttempts);
  const where = { group: options.group, topic: message.topic.name, partition: message.partition, offset: message.offset, messageId: message.envelope.id };
  for (let attempt = 1; ; attempt += 1) {
    if (attempt > 1 && options.signal.aborted) return { kind: 'abandoned', attempts: attempt - 1 };
    try {
      await handleInTrace(options, attempt);
      return { kind: 'handled', attempts: attempt };
    } catch (error) {
      const description = describeError(error);
      if (error instanceof MessageRejectedError) {
        return { kind: 'dead-letter', reason: 'handler-rejected', error: description, attempts: attempt };
      }
      if (attempt >= maxAttempts) {
        return { kind: 'dead-letter', reason: 'handler-failed', error: description, attempts: attempt };
      }
      const delay = backoffDelay(attempt, options.backoff);
      logger.warn({ ...where, attempt, maxAttempts, retryInMs: delay, err: description }, 'message handler failed; retrying');
      if (!(await waitBetweenAttempts(delay, options))) return { kind: 'abandoned', attempts: attempt };
    }
  }
}

async function waitBetweenAttempts(delayMs: number, options: DeliveryOptions): Promise<boolean> {
  const slice = options.keepAlive ? Math.max(1, options.keepAlive.everyMs) : delayMs;
  let left = delayMs;
  while (left > 0) {
    const step = Math.min(slice, left);
    if (!(await sleep(step, options.signal))) return false;
    left -= step;
    if (options.keepAlive) await options.keepAlive.beat();
  }
  return !options.signal.aborted;
}

/**
 * Runs the handler in a CONSUMER span that continues the producer's trace (the envelope's
 * `traceparent`), with the message's tenant in the log context, so its logs and spans join the
 * request that caused the event.
 */
function handleInTrace(options: DeliveryOptions, attempt: number): Promise<void> {
  const { message } = options;
  const envelope = message.envelope;
  return withLogContext({ tenantId: envelope.tenantId }, () =>
    withSpan(
      `${message.topic.name} process`,
      {
        kind: SpanKind.CONSUMER,
        parent: extractTraceContext(envelope.headers),
        attributes: {
          'messaging.system': 'parley',
          'messaging.destination.name': message.topic.name,
          'messaging.consumer.group.name': options.group,
          'messaging.message.id': envelope.id,
          'parley.delivery_attempt': attempt,
        },
      },
      () => options.handle({ ...message, attempt }),
    ),
  );
}
