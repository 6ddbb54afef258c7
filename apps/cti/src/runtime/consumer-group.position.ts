import { Kafka, logLevel } from 'kafkajs';
import { type CtiLogger } from '../cti.tokens';

/**
 * Where a brand-new consumer group starts: at the end of every partition of its topics, written down
 * as its committed position before its first member joins, so a new deployment does not replay the
 * broker's history of calls long over, and a partition moving between instances is read from where
 * it was. A group with any committed position is left alone. Kafka only (the in-process bus starts
 * empty). The acd has the same need (its routing group): this belongs in libs/messaging as a
 * subscription option.
 */
export async function positionNewConsumerGroup(options: { brokers: readonly string[]; group: string; topics: readonly string[]; logger: CtiLogger }): Promise<'positioned' | 'existing'> {
  const kafka = new Kafka({ brokers: [...options.brokers], clientId: `${options.group}-positioner`, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId: options.group, topics: [...options.topics] }).catch(() => null);
    if (committed === null || committed.some((topic) => topic.partitions.some((p) => p.offset !== '-1'))) return 'existing';
    const consumer = kafka.consumer({ groupId: options.group, maxWaitTimeInMs: 100, sessionTimeout: 6_000, heartbeatInterval: 500 });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: false });
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.run({ autoCommit: false, eachBatch: async ({ pause }) => void pause() });
      await Promise.race([joined, new Promise((_, reject) => setTimeout(() => reject(new Error('the group join took over 30 s')), 30_000).unref())]);
      const offsets: { topic: string; partition: number; offset: string }[] = [];
      for (const topic of options.topics) for (const p of await admin.fetchTopicOffsets(topic)) offsets.push({ topic, partition: p.partition, offset: p.high });
      await consumer.commitOffsets(offsets);
    } finally {
      await consumer.disconnect();
    }
    options.logger.info({ group: options.group, topics: options.topics.length }, 'a new consumer group starts at the end of its topics');
    return 'positioned';
  } catch (error) {
    options.logger.warn({ group: options.group, err: error instanceof Error ? error.message : String(error) }, 'the consumer group could not be positioned; it reads from its committed positions');
    return 'existing';
  } finally {
    await admin.disconnect();
  }
}
