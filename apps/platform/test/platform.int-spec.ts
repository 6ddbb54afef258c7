import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freeSipPort, json, startPlatform, stopWithCtrlC } from './platform-test-kit';

describe('npm start: the all-in-one platform (embedded PostgreSQL, in-process bus, s3rver)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-platform-'));
  let env: Record<string, string>;
  let base: string;
  let sipPort: number;

  beforeAll(async () => {
    // `npm start` builds the web app first; this test starts main.ts directly, so it builds it here.
    const build = spawnSync('npm', ['run', '-s', 'build:web'], { cwd: join(__dirname, '..', '..', '..'), encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build:web failed:\n${build.stdout}${build.stderr}`);
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
    // The web app at / (and its own routes), while the API and infrastructure paths keep their answers.
    for (const path of ['/', '/login', '/agent']) {
      const page = await fetch(`${base}${path}`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root"></div>');
    }
    const missingApi = await fetch(`${base}/api/v1/no-such-route`, { headers: { accept: 'text/html' } });
    expect(missingApi.status).toBe(404);
    expect(missingApi.headers.get('content-type')).toMatch(/json/);

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
