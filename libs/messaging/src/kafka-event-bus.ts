import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type EachMessagePayload,
  type IHeaders,
  type LogEntry,
  type Message,
  type Producer,
} from 'kafkajs';
import { deadLetterTopicOf, envelopeSchema, type Envelope, type TopicDefinition } from '@parley/contracts';
import { withTimeout, type BackoffPolicy } from './backoff';
import { deadLetterHeaders, type DeadLetter, type DeadLetterReason } from './dead-letter';
import { deliverWithRetries } from './delivery';
import { issuesOf } from './envelope';
import { patchKafkaRequestQueue } from './kafkajs-request-queue.patch';
import { type EventBus, type Subscription, type SubscriptionSpec } from './event-bus.port';
import { MessageValidationError } from './message.errors';
import { describeError, noopMessagingLogger, type MessagingLogger } from './messaging-logger';
import { decodeWireMessage, encodeEnvelope } from './wire-format';

export interface KafkaConsumerTuning {
  /** The broker drops a member it has not heard from for this long (default 30 s; the broker's minimum is usually 6 s). */
  sessionTimeoutMs?: number;
  /** Default 3 s; keep it well under the session timeout. */
  heartbeatIntervalMs?: number;
  /** How long a rebalance waits for members to rejoin (default 60 s). */
  rebalanceTimeoutMs?: number;
  /** Longest fetch long-poll (default 1 s): bounds how long `close()` waits for an idle consumer. */
  maxWaitTimeMs?: number;
  /** Partitions one member handles at the same time (default 3); messages of one partition are always one at a time. */
  partitionsConsumedConcurrently?: number;
  /** How long `subscribe` waits for the member to join its group (default 60 s). */
  joinTimeoutMs?: number;
  /**
   * Handled messages are committed in batches: once this many are waiting (default 100), or
   * `commitIntervalMs` after the last commit (default 200 ms), and always before the member leaves.
   * A crash loses at most the uncommitted positions, whose messages are delivered again
   * (consumers are idempotent). 1 commits after every message.
   */
  commitThreshold?: number;
  commitIntervalMs?: number;
}

export interface KafkaEventBusOptions {
  brokers: readonly string[];
  clientId: string;
  logger?: MessagingLogger;
  /** Partitions of the topics this bus creates (default 6). */
  partitionsPerTopic?: number;
  /** Replication factor of the topics this bus creates (default: the broker's `default.replication.factor`). */
  replicationFactor?: number;
  /** Wait between handler attempts (default 200 ms doubling up to 5 s). */
  retryBackoff?: BackoffPolicy;
  consumer?: KafkaConsumerTuning;
  /** Default 3 s. */
  connectionTimeoutMs?: number;
  /** Default 10 s. */
  requestTimeoutMs?: number;
  /** Default 3 s. */
  pingTimeoutMs?: number;
  /** Producer retries of one send before `publish` rejects (default 5: about 10 s when the broker is down). */
  publishRetries?: number;
}

type BusState = 'open' | 'closing' | 'closed';

/** One request to the broker stays well below its 1 MB default `message.max.bytes`. */
const MAX_BATCH_BYTES = 512 * 1024;

/** kafkajs messages that are expected and harmless here, logged at info instead of warn/error. */
const BENIGN_KAFKAJS_MESSAGES = [
  'Limiting retries for the idempotent producer', // bounded on purpose: publish must fail, not hang, when the broker is down
  'The group is rebalancing, re-joining',
  'Response without match', // a late answer to a request that already timed out
];

function kafkaLogCreator(logger: MessagingLogger) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
      const entry = { component: 'kafkajs', namespace, ...extra };
      if (BENIGN_KAFKAJS_MESSAGES.some((m) => String(message).startsWith(m))) logger.info(entry, message);
      else if (level === logLevel.ERROR) logger.error(entry, message);
      else if (level === logLevel.WARN) logger.warn(entry, message);
      else logger.info(entry, message);
    };
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = last.toString();
  }
  return out;
}

class KafkaSubscription implements Subscription {
  readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;
  /** Next offset to commit per `topic:partition`, for messages handled since the last commit. */
  private readonly handled = new Map<string, { topic: string; partition: number; offset: string }>();
  private handledSinceCommit = 0;
  private lastCommitAt = Date.now();
  private committing: Promise<void> = Promise.resolve();
  private readonly flushTimer: NodeJS.Timeout;

  constructor(
    readonly spec: SubscriptionSpec,
    readonly consumer: Consumer,
    private readonly onClosed: (s: KafkaSubscription) => void,
    private readonly commitPolicy: { threshold: number; intervalMs: number },
    private readonly logger: MessagingLogger,
  ) {
    this.flushTimer = setInterval(() => void this.commitHandled(false), commitPolicy.intervalMs);
    this.flushTimer.unref();
  }

  /** Records that the message at `offset` was handled (or dead-lettered); commits when a batch is due. */
  async markHandled(topic: string, partition: number, offset: string): Promise<void> {
    this.handled.set(`${topic}:${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
    this.handledSinceCommit += 1;
    await this.commitHandled(false);
  }

  /** After a rebalance the positions may belong to another member now: forget them (their messages may come again). */
  forgetHandled(): void {
    this.handled.clear();
    this.handledSinceCommit = 0;
  }

  commitHandled(force: boolean): Promise<void> {
    const due = force || this.handledSinceCommit >= this.commitPolicy.threshold || Date.now() - this.lastCommitAt >= this.commitPolicy.intervalMs;
    if (!due || this.handled.size === 0) return this.committing;
    const offsets = [...this.handled.values()];
    this.handled.clear();
    this.handledSinceCommit = 0;
    this.lastCommitAt = Date.now();
    this.committing = this.committing.then(async () => {
      try {
        await this.consumer.commitOffsets(offsets);
      } catch (error) {
        // Typically a rebalance: the messages were handled; their next owner may get them again (consumers are idempotent).
        this.logger.warn({ group: this.spec.group, offsets, err: describeError(error) }, 'could not commit handled messages');
      }
    });
    return this.committing;
  }

  get isClosing(): boolean {
    return this.stopping.signal.aborted;
  }

  track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping.abort();
      // Let the running handlers finish and commit while the consumer still runs (kafkajs ignores
      // commits once it is stopping); messages handed over after this point are left uncommitted.
      try {
        this.consumer.pause(this.spec.topics.map((t) => ({ topic: t.name })));
      } catch {
        // not running (yet): nothing to pause
      }
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      clearInterval(this.flushTimer);
      await this.commitHandled(true);
      await this.consumer.disconnect();
      this.onClosed(this);
    })();
    return this.closing;
  }
}

/**
 * The event bus on Kafka (kafkajs): an idempotent producer (acks=all, one request in flight, so a
 * key's messages keep their order through retries); topics created on demand; consumers that
 * commit a message's offset only after its handler resolved, retry with bounded backoff, and send
 * what cannot be handled to `<topic>.dlq` with the reason in `x-dlq-*` headers. A bad message never
 * stops a partition or the process.
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly logger: MessagingLogger;
  private readonly partitions: number;
  private readonly backoff: BackoffPolicy;
  private readonly tuning: Required<KafkaConsumerTuning>;
  private producerPromise: Promise<Producer> | undefined;
  private adminPromise: Promise<Admin> | undefined;
  private readonly topicsReady = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  private state: BusState = 'open';

  constructor(private readonly options: KafkaEventBusOptions) {
    if (options.brokers.length === 0) throw new Error('KafkaEventBus needs at least one broker');
    patchKafkaRequestQueue();
    this.logger = options.logger ?? noopMessagingLogger;
    this.partitions = options.partitionsPerTopic ?? 6;
    this.backoff = options.retryBackoff ?? { initialMs: 200, maxMs: 5_000 };
    this.tuning = {
      sessionTimeoutMs: options.consumer?.sessionTimeoutMs ?? 30_000,
      heartbeatIntervalMs: options.consumer?.heartbeatIntervalMs ?? 3_000,
      rebalanceTimeoutMs: options.consumer?.rebalanceTimeoutMs ?? 60_000,
      maxWaitTimeMs: options.consumer?.maxWaitTimeMs ?? 1_000,
      partitionsConsumedConcurrently: options.consumer?.partitionsConsumedConcurrently ?? 3,
      joinTimeoutMs: options.consumer?.joinTimeoutMs ?? 60_000,
      commitThreshold: Math.max(1, options.consumer?.commitThreshold ?? 100),
      commitIntervalMs: Math.max(10, options.consumer?.commitIntervalMs ?? 200),
    };
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(this.logger),
    });
  }

  async publish(envelopes: readonly Envelope[]): Promise<void> {
    this.assertOpen();
    if (envelopes.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const envelope of envelopes) {
      const shape = envelopeSchema.safeParse(envelope);
      if (!shape.success) throw new MessageValidationError(envelope?.type ?? '(unknown)', issuesOf(shape.error));
      const wire = encodeEnvelope(envelope);
      const list = byTopic.get(envelope.type) ?? [];
      list.push({ key: wire.key, value: wire.value, headers: { ...wire.headers } });
      byTopic.set(envelope.type, list);
    }
    await this.ensureTopics([...byTopic.keys()]);
    const producer = await this.producer();
    try {
      // One produce request for everything (per broker, by kafkajs), unless it is too big for one.
      for (const batch of batchesBySize(byTopic)) await producer.sendBatch({ topicMessages: batch, acks: -1 });
    } catch (error) {
      this.resetProducer();
      throw new Error(`publishing ${envelopes.length} message(s) to Kafka failed: ${describeError(error)}`, { cause: error });
    }
  }

  async subscribe(spec: SubscriptionSpec): Promise<Subscription> {
    this.assertOpen();
    if (spec.topics.length === 0) throw new Error(`subscription of group "${spec.group}" names no topic`);
    const topics = new Map(spec.topics.map((t) => [t.name, t]));
    await this.ensureTopics([...topics.keys(), ...[...topics.keys()].map(deadLetterTopicOf)]);
    const consumer = this.kafka.consumer({
      groupId: spec.group,
      sessionTimeout: this.tuning.sessionTimeoutMs,
      heartbeatInterval: this.tuning.heartbeatIntervalMs,
      rebalanceTimeout: this.tuning.rebalanceTimeoutMs,
      maxWaitTimeInMs: this.tuning.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000, restartOnFailure: async () => true },
    });
    const subscription = new KafkaSubscription(spec, consumer, (s) => this.subscriptions.delete(s), { threshold: this.tuning.commitThreshold, intervalMs: this.tuning.commitIntervalMs }, this.logger);
    let onJoin: () => void = () => undefined;
    const joined = new Promise<void>((resolve) => (onJoin = resolve));
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.logger.info({ group: spec.group, memberId: event.payload.memberId, assignment: event.payload.memberAssignment }, 'joined consumer group');
      subscription.forgetHandled();
      onJoin();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.logger.error({ group: spec.group, err: describeError(event.payload.error), restart: event.payload.restart }, 'Kafka consumer crashed');
    });
    this.subscriptions.add(subscription);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics.keys()], fromBeginning: spec.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: this.tuning.partitionsConsumedConcurrently,
        eachMessage: async (payload) => {
          // Closing: leave it uncommitted for the group's next member.
          if (subscription.isClosing) return;
          await subscription.track(this.onMessage(subscription, topics, payload));
        },
      });
      await withTimeout(joined, this.tuning.joinTimeoutMs, `consumer of group "${spec.group}" did not join its group`);
    } catch (error) {
      await subscription.close().catch(() => undefined);
      throw error;
    }
    return subscription;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    const timeoutMs = this.options.pingTimeoutMs ?? 3_000;
    try {
      await withTimeout(
        this.admin().then((admin) => admin.describeCluster()),
        timeoutMs,
        'Kafka did not answer describeCluster',
      );
    } catch (error) {
      this.resetAdmin();
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    const producer = this.producerPromise;
    const admin = this.adminPromise;
    this.producerPromise = undefined;
    this.adminPromise = undefined;
    await Promise.allSettled([producer?.then((p) => p.disconnect()), admin?.then((a) => a.disconnect())]);
    this.state = 'closed';
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new Error('the Kafka event bus is closed');
  }

  private producer(): Promise<Producer> {
    this.producerPromise ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: this.options.publishRetries ?? 5, initialRetryTime: 100, maxRetryTime: 2_000 },
      });
      await producer.connect();
      return producer;
    })();
    const current = this.producerPromise;
    current.catch(() => {
      if (this.producerPromise === current) this.producerPromise = undefined;
    });
    return current;
  }

  /** After a failed send, start over with a new producer (new producer id and sequence numbers). */
  private resetProducer(): void {
    const old = this.producerPromise;
    this.producerPromise = undefined;
    void old?.then((p) => p.disconnect()).catch(() => undefined);
  }

  private admin(): Promise<Admin> {
    this.adminPromise ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    const current = this.adminPromise;
    current.catch(() => {
      if (this.adminPromise === current) this.adminPromise = undefined;
    });
    return current;
  }

  private resetAdmin(): void {
    const old = this.adminPromise;
    this.adminPromise = undefined;
    void old?.then((a) => a.disconnect()).catch(() => undefined);
  }

  /** Creates each topic and its `.dlq` if missing (deployment's topic-provisioning job). */
  async provisionTopics(topics: readonly TopicDefinition[]): Promise<string[]> {
    this.assertOpen();
    const names = topics.flatMap((t) => [t.name, deadLetterTopicOf(t.name)]);
    await this.ensureTopics(names);
    return names;
  }

  /** Creates the topics that do not exist yet (once per topic and bus). */
  private async ensureTopics(names: readonly string[]): Promise<void> {
    const missing = [...new Set(names)].filter((n) => !this.topicsReady.has(n));
    if (missing.length > 0) {
      const creation = this.createTopics(missing);
      for (const name of missing) this.topicsReady.set(name, creation);
      creation.catch(() => {
        for (const name of missing) if (this.topicsReady.get(name) === creation) this.topicsReady.delete(name);
      });
    }
    await Promise.all(names.map((n) => this.topicsReady.get(n)));
  }

  /**
   * Creates the missing topics and waits for their leaders. Two processes creating the same topics
   * at once race: the loser sees TOPIC_ALREADY_EXISTS, or (while the winner's partitions are still
   * being placed) UNKNOWN_TOPIC_OR_PARTITION / LEADER_NOT_AVAILABLE from the metadata wait. Those
   * are retried a bounded number of times; anything else is thrown.
   */
  private async createTopics(names: readonly string[]): Promise<void> {
    const transient = new Set(['TOPIC_ALREADY_EXISTS', 'UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_CONTROLLER']);
    for (let attempt = 1; ; attempt += 1) {
      const admin = await this.admin();
      const existing = new Set(await admin.listTopics());
      const toCreate = names.filter((n) => !existing.has(n));
      try {
        if (toCreate.length > 0) {
          await admin.createTopics({
            waitForLeaders: true,
            timeout: 10_000,
            topics: toCreate.map((topic) => ({ topic, numPartitions: this.partitions, replicationFactor: this.options.replicationFactor ?? -1 })),
          });
          this.logger.info({ topics: toCreate, partitions: this.partitions }, 'created Kafka topics');
        }
        // Created here or elsewhere: the partitions must have leaders before we use them.
        await admin.fetchTopicMetadata({ topics: [...names] });
        return;
      } catch (error) {
        const e = error as { type?: string; errors?: { type?: string }[] };
        const types = e.errors?.map((x) => x.type) ?? [e.type];
        if (!types.every((t) => t !== undefined && transient.has(t)) || attempt >= 6) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }


  private async onMessage(subscription: KafkaSubscription, topics: ReadonlyMap<string, TopicDefinition>, payload: EachMessagePayload): Promise<void> {
    const { topic: topicName, partition, message, heartbeat } = payload;
    const { spec } = subscription;
    const topic = topics.get(topicName)!;
    const headers = headersToStrings(message.headers);
    const value = message.value === null ? null : message.value.toString('utf8');
    const key = message.key === null ? null : message.key.toString('utf8');
    const deadLetter = (reason: DeadLetterReason, error: string, attempts: number): Promise<void> =>
      this.deadLetter({
        originalTopic: topicName,
        partition,
        offset: message.offset,
        consumerGroup: spec.group,
        reason,
        error,
        attempts,
        failedAt: new Date().toISOString(),
        key,
        value,
        headers,
      }, message);

    const parsed = decodeWireMessage(value, headers, topic);
    if (!parsed.ok) {
      await deadLetter(parsed.reason, parsed.detail, 0);
    } else {
      const outcome = await deliverWithRetries({
        message: { envelope: parsed.envelope, topic, partition, offset: message.offset },
        group: spec.group,
        handle: spec.handle,
        maxAttempts: spec.maxAttempts ?? 5,
        backoff: this.backoff,
        signal: subscription.stopping.signal,
        keepAlive: { everyMs: this.tuning.heartbeatIntervalMs, beat: heartbeat },
        logger: this.logger,
      });
      // Closing between attempts: leave it uncommitted, the group's next member gets it.
      if (outcome.kind === 'abandoned') return;
      if (outcome.kind === 'dead-letter') await deadLetter(outcome.reason, outcome.error, outcome.attempts);
    }
    await subscription.markHandled(topicName, partition, message.offset);
  }

  /** Writes the original bytes to `<topic>.dlq`. If even that fails, throws: the message stays uncommitted and comes back. */
  private async deadLetter(letter: DeadLetter, original: EachMessagePayload['message']): Promise<void> {
    const dlq = deadLetterTopicOf(letter.originalTopic);
    this.logger.error(
      { group: letter.consumerGroup, topic: letter.originalTopic, partition: letter.partition, offset: letter.offset, reason: letter.reason, err: letter.error, attempts: letter.attempts },
      `message sent to ${dlq}`,
    );
    try {
      const producer = await this.producer();
      await producer.send({ topic: dlq, acks: -1, messages: [{ key: original.key, value: original.value, headers: deadLetterHeaders(letter) }] });
    } catch (error) {
      this.resetProducer();
      this.logger.error({ topic: dlq, err: describeError(error) }, 'could not write to the dead-letter topic; the message will be retried');
      throw error;
    }
  }
}

/**
 * The messages of every topic as produce batches of at most MAX_BATCH_BYTES each (a bigger single
 * message goes alone), in order; each message's size is counted once.
 */
function batchesBySize(byTopic: ReadonlyMap<string, Message[]>): { topic: string; messages: Message[] }[][] {
  const batches: { topic: string; messages: Message[] }[][] = [];
  let current: { topic: string; messages: Message[] }[] = [];
  let size = 0;
  for (const [topic, messages] of byTopic) {
    for (const message of messages) {
      const bytes = Buffer.byteLength(String(message.value ?? '')) + 256;
      if (size > 0 && size + bytes > MAX_BATCH_BYTES) {
        batches.push(current);
        current = [];
        size = 0;
      }
      const last = current[current.length - 1];
      if (last?.topic === topic) last.messages.push(message);
      else current.push({ topic, messages: [message] });
      size += bytes;
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
