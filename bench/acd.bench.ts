// npm run -s bench:acd — the ACD's two latency figures, as one JSON line:
//   decision: routing decision latency of the engine with 10,000 agents, 1,000 queues and 50 skills
//             (bench/acd/decision-latency.ts, the code of bench:acd-decision; goal p99 < 1 ms);
//   enqueue_to_offer: the real acd service (apps/acd/src/main.ts in a process of its own, with
//             PostgreSQL, Redis and Kafka) with 2,000 agents taking calls routed at 100 new calls/s:
//             from ivr.call.routed.v1 published to the bridge-agent command seen on
//             voice.command.issued.v1 (goal p99 < 50 ms). A voice double in this process answers
//             every bridge at once and ends the call after an exponential talk time, so agents free up.
// Settings: BENCH_ITERATIONS (decisions, 20000), BENCH_SEED (42), BENCH_RATE (calls/s, 100),
// BENCH_SECONDS (30), BENCH_AGENTS (2000), BENCH_TALK_MS (mean talk time, 8000).
// Servers: PG_URL (a superuser; default the machine's 127.0.0.1:5432; the database parley_bench_acd
// is recreated), REDIS_URL (default redis://127.0.0.1:6379), KAFKA_BROKERS (default: start one
// through infra/kafka/start.sh, as the tests do).
import 'reflect-metadata';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TokenService } from '@parley/auth';
import { type Envelope, ivrCallRoutedV1, type PayloadOf, seatAssignedV1, seatReleasedV1, userDeactivatedV1, voiceCallBridgedV1, voiceCallEndedV1, voiceCommandIssuedV1 } from '@parley/contracts';
import { createEnvelope, KafkaEventBus } from '@parley/messaging';
import { createDataSource, provisionDatabase, runMigrations, UnitOfWork } from '@parley/persistence';
import { Kafka, logLevel } from 'kafkajs';
import { ACD_SCHEMA, acdMigrations, ROUTING_TOPICS, SeededRandom } from '@parley/acd';
import { measureDecisionLatency } from './acd/decision-latency';

const root = join(__dirname, '..');
const iterations = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const seed = Number(process.env.BENCH_SEED ?? 42);
const rate = Number(process.env.BENCH_RATE ?? 100);
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const agentCount = Number(process.env.BENCH_AGENTS ?? 2_000);
const talkMs = Number(process.env.BENCH_TALK_MS ?? 8_000);
const JWT_SECRET = 'bench-acd-jwt-secret-that-is-long-enough-0123456789';
const DATA_KEY = 'bench-acd-data-key-that-is-long-enough-0123456789';
const QUEUES = 10;
const PARTITIONS = 12;
const SKILLS = 5;
const WARMUP_CALLS = Math.min(300, Math.round(rate * 3));

function brokers(): string[] {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS.split(',');
  const started = spawnSync('bash', [join(root, 'infra/kafka/start.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (started.status !== 0) throw new Error('Kafka did not start (infra/kafka/start.sh); set KAFKA_BROKERS to use a running broker');
  return [started.stdout.trim().split('\n').pop() as string];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Progress on stderr (the JSON line alone goes to stdout). */
const progress = (what: string): void => void process.stderr.write(`[bench:acd] ${new Date().toISOString()} ${what}\n`);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** CPU seconds (user + system) a process used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function http(port: number, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    signal: AbortSignal.timeout(30_000),
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

async function main(): Promise<void> {
  // 1. The engine alone (before anything else runs, so nothing competes for the CPU).
  const decision = await measureDecisionLatency({ iterations, seed });
  progress('decision latency measured');

  // 2. The service: its database, Kafka, a process of its own.
  const adminUrl = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const urls = await provisionDatabase({ adminUrl, database: 'parley_bench_acd', ownerPassword: 'bench-owner', appPassword: 'bench-app', recreate: true });
  await runMigrations({ ownerUrl: urls.ownerUrl, schema: ACD_SCHEMA, migrations: acdMigrations });
  const kafka = brokers();
  const port = await freePort();
  const groupPrefix = `bench_acd_${randomUUID().slice(0, 8)}`;
  const seatsGroup = `${groupPrefix}.seats`;
  // The agents' seats are written straight into the seat projection (below), not published: 2,000
  // seat events would stay on a shared broker for its retention, and every new seat projection
  // would replay them. So the service's seat group starts at the end of the seat topics.
  const admin = new Kafka({ brokers: kafka, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  // The topics as production has them (the Helm topic Job: kafka.partitions, 12): created with 12
  // partitions, or grown to 12 on a broker that a test run created them on with fewer.
  const provisioning = new KafkaEventBus({ brokers: kafka, clientId: 'bench-acd-topics', partitionsPerTopic: PARTITIONS });
  const benchTopics = [...ROUTING_TOPICS, voiceCommandIssuedV1];
  await provisioning.provisionTopics(benchTopics);
  await provisioning.close();
  const metadata = await admin.fetchTopicMetadata({ topics: benchTopics.map((t) => t.name) });
  const grow = metadata.topics.filter((t) => t.partitions.length < PARTITIONS).map((t) => ({ topic: t.name, count: PARTITIONS }));
  if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow });
  for (const topic of [seatAssignedV1.name, seatReleasedV1.name, userDeactivatedV1.name]) {
    const ends = await admin.fetchTopicOffsets(topic).catch(() => []);
    if (ends.length > 0) await admin.setOffsets({ groupId: seatsGroup, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
  }
  await admin.disconnect();
  const tenantId = randomUUID();
  const random = new SeededRandom(seed);
  const skillIds = Array.from({ length: SKILLS }, (_, i) => `skill-${i}`);
  const queueIds = Array.from({ length: QUEUES }, (_, i) => `queue-${i}`);
  const agents = Array.from({ length: agentCount }, () => randomUUID());
  const seeding = createDataSource({ url: urls.appUrl, schema: ACD_SCHEMA, applicationName: 'bench-acd-seed', poolMax: 2 });
  await seeding.initialize();
  await new UnitOfWork(seeding).inTenant(tenantId, async (tx) => {
    for (let i = 0; i < agents.length; i += 500) {
      const params: unknown[] = [];
      const rows = agents.slice(i, i + 500).map((agentId) => {
        const mine = new Set([random.pick(queueIds), random.pick(queueIds)]);
        const skills = skillIds.filter((_, s) => mine.has(`queue-${s}`) || mine.has(`queue-${s + SKILLS}`)).map((skillId) => ({ skillId, proficiency: 2 + random.int(4) }));
        const b = params.length;
        params.push(tenantId, agentId, JSON.stringify(skills), JSON.stringify([...mine]));
        return `($${b + 1}, $${b + 2}, 1, true, $${b + 3}::jsonb, $${b + 4}::jsonb)`;
      });
      await tx.manager.query(`INSERT INTO acd.agents (tenant_id, agent_id, version, has_seat, skills, queue_ids) VALUES ${rows.join(', ')}`, params);
    }
  });
  await seeding.destroy();
  let childOutput = '';
  const child: ChildProcess = spawn(process.execPath, ['-r', './tools/register.cjs', 'apps/acd/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      HTTP_PORT: String(port),
      PG_URL: urls.appUrl,
      PG_POOL_MAX: '20',
      REDIS_URL: redisUrl,
      KAFKA_BROKERS: kafka.join(','),
      JWT_SECRET,
      ACD_DATA_KEY: DATA_KEY,
      ACD_INSTANCE_ID: 'bench-acd',
      ACD_CONSUMER_GROUP_PREFIX: groupPrefix,
      ACD_SEATS_CONSUMER_GROUP: seatsGroup,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (childOutput = (childOutput + chunk.toString()).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (childOutput = (childOutput + chunk.toString()).slice(-20_000)));
  const childExited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // The service goes with the bench, however the bench ends.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      child.kill('SIGKILL');
      process.exit(130);
    });
  }
  // The voice double (and setup) on one bus; the IVR's routed calls on a producer of their own, so
  // that the double's replies never queue in front of a routed call being timed.
  const bus = new KafkaEventBus({ brokers: kafka, clientId: 'bench-acd-voice', consumer: { maxWaitTimeMs: 20, partitionsConsumedConcurrently: 6, commitThreshold: 100 } });
  const ivrBus = new KafkaEventBus({ brokers: kafka, clientId: 'bench-acd-ivr' });
  try {
    for (let tries = 0; ; tries++) {
      const ready = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.status).catch(() => 0);
      if (ready === 200) break;
      if (tries > 360 || child.exitCode !== null) throw new Error(`the acd service did not become ready:\n${childOutput}`);
      await sleep(250);
    }

    progress('the acd service is ready');
    // 3. The tenant's skills and queues (through the API), its 2,000 agents all available.
    const tokens = new TokenService({ issuer: 'parley', audience: 'parley', signingSecret: JWT_SECRET });
    const { token } = await tokens.issueAccessToken({ sub: randomUUID(), tenantId, tenantSlug: 'bench', role: 'owner', sessionId: randomUUID(), hasSeat: false });
    for (const skillId of skillIds) await expectStatus(http(port, 'POST', '/api/v1/acd/skills', token, { skillId, name: skillId }), 201);
    for (const [i, queueId] of queueIds.entries()) {
      await expectStatus(
        http(port, 'POST', '/api/v1/acd/queues', token, {
          queueId,
          name: queueId,
          strategy: i % 3 === 0 ? 'least-occupied' : i % 3 === 1 ? 'best-skill-match' : 'longest-idle',
          requiredSkills: [{ skillId: skillIds[i % SKILLS], minProficiency: 2 }],
          serviceLevel: { percent: 80, thresholdSeconds: 20 },
          offerTimeoutSeconds: 20,
        }),
        201,
      );
    }
    let prepared = 0;
    await inParallel(agents, 12, async (agentId) => {
      await expectStatus(http(port, 'PUT', `/api/v1/acd/agents/${agentId}/state`, token, { state: 'available' }), 200);
      if (++prepared % 500 === 0) progress(`${prepared} agents available`);
    });

    // 4. The voice double: every bridge answered at once, every call ended after its talk time.
    const routedAt = new Map<string, number>();
    const offeredAfter = new Map<string, number>();
    const timers = new Set<NodeJS.Timeout>();
    const answers = new Set<Promise<void>>();
    const answerFailures: string[] = [];
    const talk = new SeededRandom(seed + 1);
    const voice = await bus.subscribe({
      group: `bench-acd-voice-${randomUUID().slice(0, 8)}`,
      topics: [voiceCommandIssuedV1],
      fromBeginning: false,
      handle: async ({ envelope }) => {
        const { callId, command } = (envelope as Envelope<PayloadOf<typeof voiceCommandIssuedV1>>).payload;
        if (envelope.tenantId !== tenantId || command.type !== 'bridge-agent') return;
        const sent = routedAt.get(callId);
        if (sent !== undefined && !offeredAfter.has(callId)) offeredAfter.set(callId, Date.now() - sent);
        // Not awaited: the next command is not held up by this answer's produce round trip (voice
        // answers calls in parallel too); a failed publish fails the run at the end.
        const answering = bus.publish([createEnvelope(voiceCallBridgedV1, tenantId, { callId, target: { kind: 'agent', agentId: command.agentId }, bridgedAt: new Date().toISOString() })]);
        answers.add(answering);
        void answering.then(() => answers.delete(answering), (error: unknown) => answerFailures.push(String(error)));
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            void bus.publish([createEnvelope(voiceCallEndedV1, tenantId, { callId, reason: 'caller-hangup', endedAt: new Date().toISOString(), totalMs: 1, talkMs: 1, holdMs: 0 })]);
          },
          Math.min(talkMs * 5, talk.exponential(talkMs)),
        );
        timers.add(timer);
      },
    });

    progress('calls start');
    // 5. Calls at the rate, on a schedule (the publishes do not wait for each other).
    const total = WARMUP_CALLS + Math.round(rate * seconds);
    const measured: string[] = [];
    const cpuBefore = cpuSeconds(child.pid as number);
    const started = performance.now();
    const publishes: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const callId = randomUUID();
      if (i >= WARMUP_CALLS) measured.push(callId);
      const routed: PayloadOf<typeof ivrCallRoutedV1> = {
        callId,
        flowId: tenantId,
        flowVersion: 1,
        nodeId: 'enqueue',
        mode: 'live',
        queue: queueIds[i % QUEUES] as string,
        priority: random.int(3),
        skills: [],
        attributes: { n: String(i) },
        variables: {},
        callerNumber: `+1415555${String(i % 10_000).padStart(4, '0')}`,
        dialledNumber: '+18005550100',
        locale: 'en',
        afterAgent: 'end',
        routedAt: new Date().toISOString(),
      };
      const envelope = createEnvelope(ivrCallRoutedV1, tenantId, routed);
      routedAt.set(callId, Date.now());
      publishes.push(ivrBus.publish([envelope]));
    }
    await Promise.all(publishes);
    const sendSeconds = (performance.now() - started) / 1000;
    const deadline = Date.now() + 30_000;
    while (measured.some((callId) => !offeredAfter.has(callId)) && Date.now() < deadline) await sleep(100);
    const cpu = cpuSeconds(child.pid as number) - cpuBefore;
    const wallSeconds = (performance.now() - started) / 1000;
    await voice.close();
    await Promise.allSettled([...answers]);
    if (answerFailures.length > 0) throw new Error(`the voice double could not answer ${answerFailures.length} bridge(s): ${answerFailures[0]}`);
    for (const timer of timers) clearTimeout(timer);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());

    const latencies = measured.flatMap((callId) => {
      const ms = offeredAfter.get(callId);
      return ms === undefined ? [] : [ms];
    });
    latencies.sort((a, b) => a - b);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'acd',
        decision: {
          agents: decision.agents,
          queues: decision.queues,
          skills: decision.skills,
          iterations: decision.iterations,
          enqueue_us: decision.enqueue_us,
          agent_available_us: decision.agent_available_us,
          goal_p99_us: 1000,
        },
        enqueue_to_offer: {
          agents: agentCount,
          queues: QUEUES,
          target_rate_per_s: rate,
          achieved_rate_per_s: Math.round((total / sendSeconds) * 10) / 10,
          calls: measured.length,
          offered: latencies.length,
          not_offered: measured.length - latencies.length,
          p50_ms: percentile(latencies, 50),
          p90_ms: percentile(latencies, 90),
          p99_ms: percentile(latencies, 99),
          max_ms: latencies[latencies.length - 1] ?? NaN,
          goal_p99_ms: 50,
          acd_cpu_pct_of_one_core: Math.round((cpu / wallSeconds) * 1000) / 10,
          talk_ms_mean: talkMs,
          // Where the time goes, from the service's own histograms (bucket bounds, whole run with setup):
          // applying a routed call (decide, save, queue the messages), and the outbox relay to Kafka.
          breakdown_ms: {
            routed_input_p50: histogramQuantile(metrics, 'acd_input_duration_seconds', 'kind="routed"', 0.5),
            routed_input_p99: histogramQuantile(metrics, 'acd_input_duration_seconds', 'kind="routed"', 0.99),
            command_relay_p50: histogramQuantile(metrics, 'acd_outbox_lag_seconds', 'topic="voice.command.issued.v1"', 0.5),
            command_relay_p99: histogramQuantile(metrics, 'acd_outbox_lag_seconds', 'topic="voice.command.issued.v1"', 0.99),
          },
        },
        seed,
      })}\n`,
    );
  } finally {
    child.kill('SIGTERM');
    const exited = await Promise.race([childExited, sleep(15_000).then(() => 'timeout' as const)]);
    if (exited === 'timeout') child.kill('SIGKILL');
    await bus.close();
    await ivrBus.close();
  }
}

/** The upper bound (ms) of the histogram bucket holding quantile `q`, from Prometheus text. */
function histogramQuantile(text: string, name: string, label: string, q: number): number | null {
  const buckets: { le: number; count: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(label)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const count = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (le !== undefined) buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count });
  }
  buckets.sort((a, b) => a.le - b.le);
  const total = buckets[buckets.length - 1]?.count ?? 0;
  if (total === 0) return null;
  const bucket = buckets.find((b) => b.count >= q * total);
  return bucket && Number.isFinite(bucket.le) ? Math.round(bucket.le * 1000) : null;
}

async function expectStatus(response: Promise<{ status: number; body: unknown }>, status: number): Promise<void> {
  const res = await response;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:acd: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
