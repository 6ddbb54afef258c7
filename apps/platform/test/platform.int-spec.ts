import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A port free for both TCP and UDP (SIP listens on both). */
async function freeSipPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const free = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `npm start`'s entry point exactly as the npm script does, and waits for its banner. */
async function startPlatform(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ['-r', join(root, 'tools/register.cjs'), join(root, 'apps/platform/src/main.ts')], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null) throw new Error(`platform exited early (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`platform did not start within 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => output, exited };
}

async function stopWithCtrlC(running: Running): Promise<number | null> {
  running.child.kill('SIGINT');
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000));
  const code = await Promise.race([running.exited, timeout]);
  if (code === 'timeout') {
    running.child.kill('SIGKILL');
    throw new Error(`platform did not stop within 30 s after Ctrl-C:\n${running.output()}`);
  }
  return code;
}

async function json(url: string, init?: { method?: string; body?: unknown; token?: string }): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: init?.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(init?.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

describe('npm start: the all-in-one platform (embedded PostgreSQL, in-process bus, s3rver)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-platform-'));
  let env: Record<string, string>;
  let base: string;
  let sipPort: number;

  beforeAll(async () => {
    const [http, pg, s3, sip] = [await freePort(), await freePort(), await freePort(), await freeSipPort()];
    env = { PARLEY_DATA_DIR: dataDir, HTTP_PORT: String(http), PARLEY_PG_PORT: String(pg), PARLEY_S3_PORT: String(s3), SIP_PORT: String(sip), RTP_PORT_MIN: '42000', RTP_PORT_MAX: '42999' };
    sipPort = sip;
    base = `http://127.0.0.1:${http}`;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts, creates the demo tenant once, serves the API, stops cleanly on Ctrl-C and keeps its data for the next start', async () => {
    const first = await startPlatform(env);
    const banner = first.output();
    expect(banner).toContain(`/api/docs`);
    const printed = /demo password (\S+)/.exec(banner)?.[1];
    expect(printed).toBeDefined();

    expect((await json(`${base}/health`)).status).toBe(200);
    expect((await json(`${base}/ready`)).status).toBe(200);

    const demoLogin = await json(`${base}/api/v1/auth/login`, { method: 'POST', body: { tenant: 'demo', email: 'owner@demo.parley.local', password: printed } });
    expect(demoLogin.status).toBe(200);
    const demoToken = (demoLogin.body as { accessToken: string }).accessToken;
    const numbers = await json(`${base}/api/v1/phone-numbers`, { token: demoToken });
    expect(numbers.body).toEqual([expect.objectContaining({ e164: '+18005550100' })]);

    const signup = await json(`${base}/api/v1/signup`, {
      method: 'POST',
      body: { companyName: 'Acme', slug: 'acme', adminName: 'Ada', adminEmail: 'ada@acme.test', password: 'correct horse battery' },
    });
    expect(signup.status).toBe(201);
    const login = await json(`${base}/api/v1/auth/login`, { method: 'POST', body: { tenant: 'acme', email: 'ada@acme.test', password: 'correct horse battery' } });
    expect(login.status).toBe(200);
    const users = await json(`${base}/api/v1/users`, { token: (login.body as { accessToken: string }).accessToken });
    expect(users.body).toEqual([expect.objectContaining({ email: 'ada@acme.test', role: 'owner' })]);

    expect(await stopWithCtrlC(first)).toBe(0);

    const second = await startPlatform(env);
    expect(second.output()).not.toMatch(/demo password/);
    // The demo number takes calls after a restart (voice rebuilt its number directory): sipp as the carrier.
    const sipp = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const args = [`127.0.0.1:${sipPort}`, '-sn', 'uac', '-s', '+18005550100', '-m', '1', '-d', '500', '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(37000 + Math.floor(Math.random() * 1000)), '-mp', String(38000 + 2 * Math.floor(Math.random() * 500)), '-timeout', '20s', '-nostdin', '-trace_err', '-error_file', join(dataDir, 'sipp-errors.log')];
      const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('exit', (code) => resolve({ code, out: code === 0 ? '' : `${out.slice(-1500)}\n${existsSync(join(dataDir, 'sipp-errors.log')) ? readFileSync(join(dataDir, 'sipp-errors.log'), 'utf8') : ''}\n${second.output().slice(-3000)}` }));
    });
    expect(sipp.out).toBe('');
    expect(sipp.code).toBe(0);
    const again = await json(`${base}/api/v1/auth/login`, { method: 'POST', body: { tenant: 'acme', email: 'ada@acme.test', password: 'correct horse battery' } });
    expect(again.status).toBe(200);
    const demoAgain = await json(`${base}/api/v1/auth/login`, { method: 'POST', body: { tenant: 'demo', email: 'owner@demo.parley.local', password: printed } });
    expect(demoAgain.status).toBe(200);
    expect(await stopWithCtrlC(second)).toBe(0);
  }, 240_000);
});
