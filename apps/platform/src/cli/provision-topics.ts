// Creates every topic of the registry and its dead-letter topic (the Helm topic-provisioning Job).
//   KAFKA_BROKERS=kafka:9092 KAFKA_PARTITIONS=12 KAFKA_REPLICATION_FACTOR=3 node -r ./tools/register.cjs apps/platform/src/cli/provision-topics.ts
import { z } from 'zod';
import { topicRegistry } from '@parley/contracts';
import { KafkaEventBus } from '@parley/messaging';

const env = z
  .object({
    KAFKA_BROKERS: z.string().min(1, { error: 'KAFKA_BROKERS is required' }),
    KAFKA_PARTITIONS: z.coerce.number().int().min(1).default(12),
    KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(3),
  })
  .parse(process.env);

async function main(): Promise<void> {
  const bus = new KafkaEventBus({
    brokers: env.KAFKA_BROKERS.split(','),
    clientId: 'parley-topics',
    partitionsPerTopic: env.KAFKA_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
  });
  try {
    const names = await bus.provisionTopics(topicRegistry);
    process.stdout.write(`${JSON.stringify({ topics: names.length, names })}\n`);
  } finally {
    await bus.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`topic provisioning failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
