import { type Envelope, type TopicDefinition } from '@parley/contracts';

/** A message as a consumer receives it: the validated envelope plus where it came from. */
export interface ReceivedMessage<TPayload = unknown> {
  readonly envelope: Envelope<TPayload>;
  readonly topic: TopicDefinition;
  readonly partition: number;
  readonly offset: string;
  /** 1 on first delivery to this handler in this process; grows with in-process retries. */
  readonly attempt: number;
}

export interface SubscriptionSpec {
  /** Consumer group, `<service>.<purpose>`: every group receives every message once; members of a group share the partitions. */
  readonly group: string;
  readonly topics: readonly TopicDefinition[];
  readonly handle: (message: ReceivedMessage) => Promise<void>;
  /** Start from the oldest retained message when the group has no committed position (default true). */
  readonly fromBeginning?: boolean;
  /** Handler failures of one message before it goes to `<topic>.dlq` (default 5). */
  readonly maxAttempts?: number;
}

export interface Subscription {
  /** Stops taking new messages, lets in-flight handlers finish and commits their positions. */
  close(): Promise<void>;
}

/**
 * The event bus port. At-least-once delivery; order is kept per key; an invalid payload or one
 * whose handler keeps failing goes to `<topic>.dlq` instead of blocking its partition.
 */
export interface EventBus {
  /** Publishes the envelopes (already validated, see `createEnvelope`) and resolves once the bus has them durably. */
  publish(envelopes: readonly Envelope[]): Promise<void>;
  subscribe(spec: SubscriptionSpec): Promise<Subscription>;
  /** Throws when the bus cannot be reached (readiness). */
  ping(): Promise<void>;
  /** Closes every subscription (draining in-flight handlers) and the producer. */
  close(): Promise<void>;
}
