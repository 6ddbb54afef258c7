import { Kafka, logLevel } from 'kafkajs';
import { describeError, type MessagingLogger } from './messaging-logger';

/**
 * Where a brand-new Kafka consumer group starts: at the end of every partition of its topics,
 * written down as the group's committed position before its first member joins. From then on every
 * partition has a durable position, so a partition that moves from a dead instance to a live one is
 * read from where it was, never from "latest" (which would skip what arrived meanwhile), and a new
 * deployment does not replay the broker's history of calls long over. A group with any committed
 * position is left alone (its members read from there; a partition still without one is read from
 * its beginning, as `fromBeginning: true` subscriptions do).
 *
 * Kafka only (the in-process bus starts empty). A failure (another instance positioning it at the
 * same moment, its members already running) is logged and reported as `existing`.
 */
export async function positionNewConsumerGroup(options: {
  brokers: readonly string[];
  group: string;
  topics: readonly string[];
  logger: MessagingLogger;
}): Promise<'positioned' | 'existing'> {
  const kafka = new Kafka({ brokers: [...options.brokers], clientId: `${options.group}-positioner`, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId: options.group, topics: [...options.topics] }).catch(() => null);
    if (committed === null || committed.some((topic) => topic.partitions.some((p) => p.offset !== '-1'))) return 'existing';
    // One short member session commits every partition's end at once (admin.setOffsets would join once per topic).
    const consumer = kafka.consumer({ groupId: options.group, maxWaitTimeInMs: 100, sessionTimeout: 6_000, heartbeatInterval: 500 });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: false });
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.run({ autoCommit: false, eachBatch: async ({ pause }) => void pause() });
      await Promise.race([joined, new Promise((_, reject) => setTimeout(() => reject(new Error('the group join took over 30 s')), 30_000).unref())]);
      const offsets: { topic: string; partition: number; offset: string }[] = [];
      for (const topic of options.topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) offsets.push({ topic, partition: p.partition, offset: p.high });
      }
      await consumer.commitOffsets(offsets);
    } finally {
      await consumer.disconnect();
    }
    options.logger.info({ group: options.group, topics: options.topics.length }, 'a new consumer group starts at the end of its topics');
    return 'positioned';
  } catch (error) {
    options.logger.warn({ group: options.group, err: describeError(error) }, 'the consumer group could not be positioned; it reads from its committed positions');
    return 'existing';
  } finally {
    await admin.disconnect();
  }
}
