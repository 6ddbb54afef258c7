import { randomUUID } from 'node:crypto';
import { deadLetterTopicOf, envelopeSchema, type Envelope, type TopicDefinition } from '@parley/contracts';
import { type BackoffPolicy } from './backoff';
import { type DeadLetter, type DeadLetterReason } from './dead-letter';
import { deliverWithRetries } from './delivery';
import { issuesOf } from './envelope';
import { type EventBus, type Subscription, type SubscriptionSpec } from './event-bus.port';
import { MessageValidationError } from './message.errors';
import { describeError, noopMessagingLogger, type MessagingLogger } from './messaging-logger';
import { decodeWireMessage, encodeEnvelope } from './wire-format';

export interface InProcessEventBusOptions {
  /** Partitions of every topic (default 4). Messages with one key always land in one partition. */
  partitionsPerTopic?: number;
  /** Wait between handler attempts (default 100 ms doubling up to 5 s). */
  retryBackoff?: BackoffPolicy;
  logger?: MessagingLogger;
  /**
   * Messages kept per partition (default 2,000), like Kafka's retention: older ones are dropped
   * whether or not every group has read them, so a long-running all-in-one process does not grow
   * without bound. A group that falls further behind resumes at the oldest message kept.
   */
  retainPerPartition?: number;
}

interface StoredRecord {
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

type MemberState = 'active' | 'closing' | 'closed' | 'killed';

class Deferred {
  readonly promise: Promise<void>;
  resolve!: () => void;
  constructor() {
    this.promise = new Promise<void>((resolve) => (this.resolve = resolve));
  }
}

/** Wakes a sleeping loop; a wake that arrives while the loop is busy is remembered. */
class Signal {
  private pending = false;
  private waiter: Deferred | undefined;

  wake(): void {
    this.pending = true;
    this.waiter?.resolve();
  }

  async wait(): Promise<void> {
    if (!this.pending) {
      this.waiter = new Deferred();
      await this.waiter.promise;
      this.waiter = undefined;
    }
    this.pending = false;
  }
}

/** One member of a consumer group: what `subscribe` returns. */
export class InProcessSubscription implements Subscription {
  readonly id = randomUUID();
  /** @internal */ state: MemberState = 'active';
  /** @internal */ readonly topics: ReadonlyMap<string, TopicDefinition>;
  /** @internal */ readonly stopping = new AbortController();
  /** @internal */ readonly killed = new Deferred();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly spec: SubscriptionSpec,
    private readonly onLeave: (member: InProcessSubscription) => void,
  ) {
    this.topics = new Map(spec.topics.map((t) => [t.name, t]));
  }

  /** Stops taking new messages, waits for the in-flight handlers and commits their positions. */
  async close(): Promise<void> {
    if (this.state !== 'active') return;
    this.state = 'closing';
    this.stopping.abort();
    this.onLeave(this);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.state = 'closed';
  }

  /**
   * Test hook for a consumer crash: the member vanishes at once, mid-handler. Whatever it was
   * handling is not committed and goes to the group's next owner of the partition (the handler's
   * promise keeps running in the background, as a real crashed process would not).
   */
  kill(): void {
    if (this.state === 'killed' || this.state === 'closed') return;
    this.state = 'killed';
    this.stopping.abort();
    this.killed.resolve();
    this.onLeave(this);
  }

  /** @internal */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }
}

/** One partition: the records kept, and the offset of the first of them. */
class PartitionLog {
  private base = 0;
  private records: StoredRecord[] = [];

  /** Offset of the oldest record kept. */
  get start(): number {
    return this.base;
  }

  /** Offset the next record will get. */
  get end(): number {
    return this.base + this.records.length;
  }

  at(offset: number): StoredRecord | undefined {
    return offset >= this.base ? this.records[offset - this.base] : undefined;
  }

  /** Appends, then drops the oldest records beyond `retain` (in batches, so appends stay O(1) amortized). */
  append(record: StoredRecord, retain: number): void {
    this.records.push(record);
    if (this.records.length > retain + Math.max(1, retain >> 1)) {
      const drop = this.records.length - retain;
      this.records = this.records.slice(drop);
      this.base += drop;
    }
  }
}

class TopicLog {
  readonly partitions: PartitionLog[];
  constructor(
    readonly name: string,
    partitionCount: number,
  ) {
    this.partitions = Array.from({ length: partitionCount }, () => new PartitionLog());
  }
}

class GroupState {
  readonly members: InProcessSubscription[] = [];
  /** topic → next offset to deliver, per partition (the committed position). */
  readonly positions = new Map<string, number[]>();
  readonly workers = new Map<string, Signal>();

  constructor(readonly name: string) {}

  ownerOf(topic: string, partition: number): InProcessSubscription | undefined {
    const candidates = this.members.filter((m) => m.state === 'active' && m.topics.has(topic));
    return candidates.length === 0 ? undefined : candidates[partition % candidates.length];
  }
}

/** FNV-1a: a stable hash, so one key always maps to one partition. */
function partitionOf(key: string | null, partitions: number): number {
  if (key === null) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/**
 * The event bus inside one process (the all-in-one mode and unit tests), with Kafka's semantics:
 * partitioned append-only logs, consumer groups whose members share the partitions (rebalanced on
 * join and leave), one message at a time per partition, commit only after the handler resolved
 * (at-least-once), retries with bounded backoff, then `<topic>.dlq`. Messages are stored as their
 * wire encoding, so handlers never share objects with the producer.
 */
export class InProcessEventBus implements EventBus {
  private readonly partitionsPerTopic: number;
  private readonly retainPerPartition: number;
  private readonly backoff: BackoffPolicy;
  private readonly logger: MessagingLogger;
  private readonly topics = new Map<string, TopicLog>();
  private readonly groups = new Map<string, GroupState>();
  private readonly letters = new Map<string, DeadLetter[]>();
  private readonly loops = new Set<Promise<void>>();
  private closed = false;

  constructor(options: InProcessEventBusOptions = {}) {
    this.partitionsPerTopic = options.partitionsPerTopic ?? 4;
    if (!Number.isInteger(this.partitionsPerTopic) || this.partitionsPerTopic < 1) throw new RangeError('partitionsPerTopic must be a positive integer');
    this.retainPerPartition = options.retainPerPartition ?? 2_000;
    if (!Number.isInteger(this.retainPerPartition) || this.retainPerPartition < 1) throw new RangeError('retainPerPartition must be a positive integer');
    this.backoff = options.retryBackoff ?? { initialMs: 100, maxMs: 5_000 };
    this.logger = options.logger ?? noopMessagingLogger;
  }

  async publish(envelopes: readonly Envelope[]): Promise<void> {
    this.assertOpen();
    for (const envelope of envelopes) {
      const shape = envelopeSchema.safeParse(envelope);
      if (!shape.success) throw new MessageValidationError(envelope?.type ?? '(unknown)', issuesOf(shape.error));
    }
    for (const envelope of envelopes) {
      const wire = encodeEnvelope(envelope);
      this.append(envelope.type, { key: wire.key, value: wire.value, headers: wire.headers });
    }
  }

  /** Appends a message exactly as given, bypassing every check (tests: what a foreign or broken producer could send). */
  publishRaw(topic: string, message: { key: string | null; value: string | null; headers?: Record<string, string> }): void {
    this.assertOpen();
    this.append(topic, { key: message.key, value: message.value, headers: { ...message.headers } });
  }

  async subscribe(spec: SubscriptionSpec): Promise<InProcessSubscription> {
    this.assertOpen();
    if (spec.topics.length === 0) throw new Error(`subscription of group "${spec.group}" names no topic`);
    const group = this.groupOf(spec.group);
    const member = new InProcessSubscription(spec, (m) => this.leave(group, m));
    for (const topic of spec.topics) {
      const log = this.topicOf(topic.name);
      if (!group.positions.has(topic.name)) {
        group.positions.set(topic.name, log.partitions.map((p) => (spec.fromBeginning === false ? p.end : p.start)));
      }
    }
    group.members.push(member);
    for (const topic of spec.topics) {
      const log = this.topicOf(topic.name);
      for (let p = 0; p < log.partitions.length; p += 1) this.ensureWorker(group, log, p);
    }
    this.wakeGroup(group);
    return member;
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const members = [...this.groups.values()].flatMap((g) => g.members);
    await Promise.all(members.map((m) => m.close()));
    this.closed = true;
    for (const group of this.groups.values()) this.wakeGroup(group);
    await Promise.allSettled([...this.loops]);
  }

  /** The messages dead-lettered from `topic` so far (what `<topic>.dlq` holds). */
  deadLetters(topic: string): readonly DeadLetter[] {
    return [...(this.letters.get(deadLetterTopicOf(topic)) ?? [])];
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the in-process event bus is closed');
  }

  private topicOf(name: string): TopicLog {
    let log = this.topics.get(name);
    if (!log) {
      log = new TopicLog(name, this.partitionsPerTopic);
      this.topics.set(name, log);
    }
    return log;
  }

  private groupOf(name: string): GroupState {
    let group = this.groups.get(name);
    if (!group) {
      group = new GroupState(name);
      this.groups.set(name, group);
    }
    return group;
  }

  private append(topic: string, record: StoredRecord): void {
    const log = this.topicOf(topic);
    const partition = partitionOf(record.key, log.partitions.length);
    log.partitions[partition]!.append(record, this.retainPerPartition);
    for (const group of this.groups.values()) group.workers.get(`${topic}\u0000${partition}`)?.wake();
  }

  private leave(group: GroupState, member: InProcessSubscription): void {
    const index = group.members.indexOf(member);
    if (index >= 0) group.members.splice(index, 1);
    this.wakeGroup(group);
  }

  private wakeGroup(group: GroupState): void {
    for (const signal of group.workers.values()) signal.wake();
  }

  private ensureWorker(group: GroupState, log: TopicLog, partition: number): void {
    const id = `${log.name}\u0000${partition}`;
    if (group.workers.has(id)) return;
    const signal = new Signal();
    group.workers.set(id, signal);
    const loop = this.runPartition(group, log, partition, signal);
    this.loops.add(loop);
    void loop.finally(() => this.loops.delete(loop));
  }

  /** Delivers one partition to a group, one message at a time, to whichever member owns it now. */
  private async runPartition(group: GroupState, log: TopicLog, partition: number, signal: Signal): Promise<void> {
    const positions = group.positions.get(log.name)!;
    while (!this.closed) {
      const owner = group.ownerOf(log.name, partition);
      // A group that fell behind the retention resumes at the oldest record kept.
      const offset = Math.max(positions[partition]!, log.partitions[partition]!.start);
      const record = log.partitions[partition]!.at(offset);
      if (!owner || !record) {
        await signal.wait();
        continue;
      }
      try {
        if (await this.deliver(group, owner, log.name, partition, offset, record)) positions[partition] = offset + 1;
      } catch (error) {
        // Only a defect here could throw: keep the partition alive and retry the message.
        this.logger.error({ group: group.name, topic: log.name, partition, offset, err: describeError(error) }, 'in-process delivery failed');
        await new Promise((r) => setTimeout(r, this.backoff.initialMs));
      }
    }
  }

  /** Returns whether the message is done with (handled or dead-lettered) and its position may be committed. */
  private async deliver(group: GroupState, owner: InProcessSubscription, topicName: string, partition: number, offset: number, record: StoredRecord): Promise<boolean> {
    const topic = owner.topics.get(topicName)!;
    const deadLetter = (reason: DeadLetterReason, error: string, attempts: number): void => {
      const letter: DeadLetter = {
        originalTopic: topicName,
        partition,
        offset: String(offset),
        consumerGroup: group.name,
        reason,
        error,
        attempts,
        failedAt: new Date().toISOString(),
        key: record.key,
        value: record.value,
        headers: record.headers,
      };
      const dlq = deadLetterTopicOf(topicName);
      this.letters.set(dlq, [...(this.letters.get(dlq) ?? []), letter]);
      this.logger.error({ group: group.name, topic: topicName, partition, offset, reason, err: error, attempts }, 'message sent to the dead-letter topic');
    };

    const parsed = decodeWireMessage(record.value, record.headers, topic);
    if (!parsed.ok) {
      deadLetter(parsed.reason, parsed.detail, 0);
      return true;
    }
    const flight = owner.track(
      deliverWithRetries({
        message: { envelope: parsed.envelope, topic, partition, offset: String(offset) },
        group: group.name,
        handle: owner.spec.handle,
        maxAttempts: owner.spec.maxAttempts ?? 5,
        backoff: this.backoff,
        signal: owner.stopping.signal,
        logger: this.logger,
      }),
    );
    const outcome = await Promise.race([flight, owner.killed.promise.then(() => 'killed' as const)]);
    if (outcome === 'killed' || outcome.kind === 'abandoned') return false;
    if (outcome.kind === 'dead-letter') deadLetter(outcome.reason, outcome.error, outcome.attempts);
    return true;
  }
}
