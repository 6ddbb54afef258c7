// npm run bench:outbox — events through the transactional outbox → relay → Kafka → consumer.
// Writes events at a target rate in small tenant transactions (as services do), relays them with
// the real OutboxRelay to a real Kafka broker and consumes them with the real Kafka adapter.
// Prints one JSON line: rates, relay lag (row committed → broker acknowledged) and end-to-end
// latency (event occurred → consumer ran) percentiles.
//   BENCH_RATE (events/s, default 2000), BENCH_SECONDS (default 15), BENCH_EVENTS_PER_TX (default 10)
//   PG_URL (a superuser; default the machine's 127.0.0.1:5432), KAFKA_BROKERS (default: start one through infra/)
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { defineTopic } from '@parley/contracts';
import { createEnvelope, createMessagingMigration, KafkaEventBus, Outbox, OutboxRelay } from '@parley/messaging';
import { createDataSource, provisionDatabase, runMigrations, UnitOfWork } from '@parley/persistence';

const rate = Number(process.env.BENCH_RATE ?? 2000);
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const perTx = Number(process.env.BENCH_EVENTS_PER_TX ?? 10);
const schema = 'bench_outbox';

const topic = defineTopic({
  name: `bench.outbox.measured.v${Date.now() % 1_000_000}`,
  status: 'draft',
  description: 'outbox benchmark event',
  schema: z.object({ seq: z.number().int(), key: z.string() }),
  keyOf: (p) => p.key,
});

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function brokers(): string[] {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS.split(',');
  const started = spawnSync('bash', [join(__dirname, '..', 'infra/kafka/start.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (started.status !== 0) throw new Error('Kafka did not start');
  return [started.stdout.trim().split('\n').pop()!];
}

async function main(): Promise<void> {
  const adminUrl = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const urls = await provisionDatabase({ adminUrl, database: 'parley_bench', ownerPassword: 'bench-owner', appPassword: 'bench-app', recreate: true });
  await runMigrations({ ownerUrl: urls.ownerUrl, schema, migrations: [createMessagingMigration(schema, 'BenchMessaging', 1700000000000, { inbox: false })] });
  const dataSource = createDataSource({ url: urls.appUrl, schema, applicationName: 'bench-outbox', poolMax: 8 });
  await dataSource.initialize();
  const uow = new UnitOfWork(dataSource);
  const outbox = new Outbox(schema);
  const kafka = brokers();
  const producerBus = new KafkaEventBus({ brokers: kafka, clientId: 'bench-relay', partitionsPerTopic: 6 });
  const consumerBus = new KafkaEventBus({ brokers: kafka, clientId: 'bench-consumer', partitionsPerTopic: 6, consumer: { maxWaitTimeMs: 20, partitionsConsumedConcurrently: 6 } });

  const relayLags: number[] = [];
  const relay = new OutboxRelay({ dataSource, schema, bus: producerBus, batchSize: 500, onPublished: (rows) => {
    for (const row of rows) relayLags.push(row.publishedAt.getTime() - row.createdAt.getTime());
  } });

  const total = Math.round(rate * seconds);
  const e2e: number[] = [];
  let consumed = 0;
  let lastConsumedAt = 0;
  const allConsumed = new Promise<void>((resolve) => {
    void consumerBus.subscribe({
      group: `bench.consumer-${randomUUID().slice(0, 8)}`,
      topics: [topic],
      handle: async (message) => {
        const now = Date.now();
        e2e.push(now - Date.parse(message.envelope.occurredAt));
        consumed += 1;
        lastConsumedAt = now;
        if (consumed >= total) resolve();
      },
    });
  });
  // Create the topic and let the consumer join before the clock starts.
  await producerBus.publish([createEnvelope(topic, randomUUID(), { seq: -1, key: 'warmup' })]);
  await new Promise((r) => setTimeout(r, 3000));
  consumed = 0;
  e2e.length = 0;
  await relay.start();

  const tenants = Array.from({ length: 20 }, () => randomUUID());
  const started = Date.now();
  let written = 0;
  const intervalMs = (perTx / rate) * 1000;
  const inflight = new Set<Promise<void>>();
  while (written < total) {
    const due = started + (written / perTx) * intervalMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const tenantId = tenants[(written / perTx) % tenants.length]!;
    const first = written;
    const count = Math.min(perTx, total - written);
    written += count;
    const write = uow
      .inTenant(tenantId, (tx) => outbox.add(tx, Array.from({ length: count }, (_, i) => createEnvelope(topic, tenantId, { seq: first + i, key: `k${(first + i) % 64}` }))))
      .finally(() => inflight.delete(write));
    inflight.add(write);
    if (inflight.size >= 8) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  const writtenAt = Date.now();
  await Promise.race([allConsumed, new Promise((r) => setTimeout(r, 60_000))]);

  await relay.stop();
  await consumerBus.close();
  await producerBus.close();
  await dataSource.destroy();

  relayLags.sort((a, b) => a - b);
  e2e.sort((a, b) => a - b);
  const result = {
    bench: 'outbox',
    target_rate_per_s: rate,
    events: total,
    written_rate_per_s: Math.round(total / ((writtenAt - started) / 1000)),
    consumed: consumed,
    throughput_per_s: Math.round(consumed / ((lastConsumedAt - started) / 1000)),
    relay_lag_ms_p50: percentile(relayLags.filter((_, i) => i < relayLags.length), 50),
    relay_lag_ms_p99: percentile(relayLags, 99),
    relay_lag_ms_max: relayLags[relayLags.length - 1] ?? NaN,
    end_to_end_ms_p50: percentile(e2e, 50),
    end_to_end_ms_p99: percentile(e2e, 99),
    events_per_tx: perTx,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(consumed >= total ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
