// `npm start`'s platform for the walk and the desktop benchmark: the web app built when its build is
// missing or older than its sources, then the platform on free ports with a temporary data dir.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freeSipPort, startPlatform, stopWithCtrlC, type Running } from '../../apps/platform/test/platform-test-kit';

const ROOT = join(__dirname, '..', '..');
const WEB = join(ROOT, 'apps', 'web');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), stat.mtimeMs);
}

/** Builds apps/web (vite) unless apps/web/dist is newer than every source; says which it did. */
export function buildWebIfStale(): 'built' | 'up to date' {
  const built = join(WEB, 'dist', 'index.html');
  const sources = Math.max(newestMtime(join(WEB, 'src')), newestMtime(join(WEB, 'index.html')), newestMtime(join(WEB, 'vite.config.mts')));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return 'up to date';
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'apps/web'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the web app did not build (vite exited ${result.status}):\n${(result.stderr || result.stdout).slice(-3000)}`);
  return 'built';
}

export interface Platform {
  /** http://127.0.0.1:<port>: the web app, the API and ws://…/sip. */
  base: string;
  sipPort: number;
  /** The platform's output so far (for failure messages). */
  output(): string;
  /** Ctrl-C, then removes the data dir; never throws. */
  stop(): Promise<void>;
}

export async function startE2ePlatform(demoPassword: string): Promise<Platform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  const [http, pg, s3, sip] = [await freePort(), await freePort(), await freePort(), await freeSipPort()];
  const rtp = 43000 + 2 * Math.floor(Math.random() * 500);
  let running: Running;
  try {
    running = await startPlatform({
      PARLEY_DATA_DIR: dataDir,
      HTTP_PORT: String(http),
      PARLEY_PG_PORT: String(pg),
      PARLEY_S3_PORT: String(s3),
      SIP_PORT: String(sip),
      SIP_BIND_ADDRESS: '127.0.0.1',
      RTP_PORT_MIN: String(rtp),
      RTP_PORT_MAX: String(rtp + 199),
      PARLEY_DEMO_PASSWORD: demoPassword,
    });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    base: `http://127.0.0.1:${http}`,
    sipPort: sip,
    output: () => running.output(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopWithCtrlC(running).catch(() => running.child.kill('SIGKILL'));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { freeSipPort };
