import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { testEnvironment, uniqueName } from '@parley/testing';
import { deadLetterFromMessage, KafkaEventBus, type DeadLetter } from '../src/index';
import { describeEventBusContract } from '../src/event-bus.contract';
import { patchKafkaRequestQueue } from '../src/kafkajs-request-queue.patch';

const root = join(__dirname, '..', '..', '..');
const brokers = testEnvironment.kafkaBrokers();
const consumerTuning = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 250, joinTimeoutMs: 20_000 };
const deliveryTimeoutMs = 20_000;

// Once, so the CI log shows which broker the Kafka contract ran against.
console.log(`[messaging] Kafka EventBus contract suite runs against the real broker at ${brokers.join(',')}`);

// The raw client below connects before any KafkaEventBus exists (whose constructor applies the fix).
patchKafkaRequestQueue();
const raw = new Kafka({ clientId: 'messaging-contract-raw', brokers, logLevel: logLevel.NOTHING });
let rawProducer: Producer;

beforeAll(async () => {
  rawProducer = raw.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await rawProducer.connect();
});

afterAll(async () => {
  await rawProducer?.disconnect();
});

async function readDeadLetters(topic: string, count: number): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  const consumer = raw.consumer({ groupId: uniqueName('dlq-reader'), maxWaitTimeInMs: 250 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [`${topic}.dlq`], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = value.toString();
        letters.push(deadLetterFromMessage({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers }));
      },
    });
    const deadline = Date.now() + deliveryTimeoutMs;
    while (letters.length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} dead letters on ${topic}.dlq (got ${letters.length})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return letters.sort((a, b) => Number(a.offset) - Number(b.offset));
  } finally {
    await consumer.disconnect();
  }
}

/** Runs tools/register.cjs + the crashing member in a child process and waits for it to die of SIGKILL. */
function runCrashingChild(env: Record<string, string>): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', join(root, 'tools/register.cjs'), join(__dirname, 'fixtures/crashing-member.ts')], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), deliveryTimeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const lines = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { handled?: string; joined?: boolean });
      if (signal !== 'SIGKILL' || !lines.some((l) => l.joined)) {
        reject(new Error(`the crashing member ended with code ${code} signal ${signal} before crashing as planned\n${stdout}\n${stderr}`));
        return;
      }
      resolve(lines.flatMap((l) => (l.handled ? [l.handled] : [])));
    });
  });
}

describeEventBusContract('KafkaEventBus (real broker)', {
  createBus: async () =>
    new KafkaEventBus({
      brokers,
      clientId: 'messaging-contract',
      partitionsPerTopic: 3,
      retryBackoff: { initialMs: 50, maxMs: 200 },
      consumer: consumerTuning,
    }),
  publishRaw: async (_bus, topic, message) => {
    await rawProducer.send({ topic, acks: -1, messages: [{ key: message.key, value: message.value, headers: message.headers }] });
  },
  deadLetters: (_bus, topic, count) => readDeadLetters(topic, count),
  runCrashingMember: async (_bus, { group, topic, crashOnMessageId }) => {
    const handledBeforeCrash = await runCrashingChild({
      CRASH_BROKERS: brokers.join(','),
      CRASH_TOPIC: topic.name,
      CRASH_GROUP: group,
      CRASH_ON_MESSAGE_ID: crashOnMessageId,
    });
    return { handledBeforeCrash };
  },
  uniqueName,
  deliveryTimeoutMs,
  settleMs: 300,
});

describe('KafkaEventBus specifics (real broker)', () => {
  it('ping() fails within its timeout when no broker answers', async () => {
    const bus = new KafkaEventBus({ brokers: ['127.0.0.1:1'], clientId: 'messaging-ping', pingTimeoutMs: 1_000, connectionTimeoutMs: 300 });
    const started = Date.now();
    await expect(bus.ping()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3_000);
    await bus.close();
  });
});
