import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ErlangSimulationResult } from './erlang.simulation';

const root = join(__dirname, '../../../..');
const run = promisify(execFile);

/**
 * Runs `npm run -s sim:erlang` (its script line, in its own process: the simulation is CPU-bound
 * and Jest's sandbox slows such code down severalfold) and compares what the real routing engine
 * produced with the Erlang C formula. Loads and call counts are chosen so that the statistical
 * error of a simulation of that length (one standard deviation, measured over many seeds) is
 * at most about half the 5 % allowed; the seeds are fixed, not picked.
 */
async function simErlang(args: Record<string, number>): Promise<ErlangSimulationResult> {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['sim:erlang'];
  expect(script).toBe('node -r ./tools/register.cjs apps/acd/src/cli/sim-erlang.ts');
  const flags = Object.entries(args).flatMap(([name, value]) => [`--${name}`, String(value)]);
  const { stdout } = await run(process.execPath, ['-r', './tools/register.cjs', 'apps/acd/src/cli/sim-erlang.ts', ...flags], { cwd: root, timeout: 120_000 });
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] as string) as ErlangSimulationResult;
}

describe('sim:erlang drives the routing engine to the Erlang C figures', () => {
  // AHT 200 s, 20 s service-level threshold; occupancy 50 %, 70 %, 85 %.
  it.each([
    { occupancy: 0.5, agents: 2, 'arrival-rate': 0.005, calls: 100_000, seed: 1 },
    { occupancy: 0.7, agents: 3, 'arrival-rate': 0.0105, calls: 150_000, seed: 2 },
    { occupancy: 0.85, agents: 2, 'arrival-rate': 0.0085, calls: 450_000, seed: 3 },
  ])('at $occupancy occupancy ($agents agents, $calls calls)', async ({ occupancy, ...args }) => {
    const result = await simErlang({ ...args, aht: 200, 'sl-threshold': 20 });
    expect(result.occupancy).toBeCloseTo(occupancy, 6);
    expect(result.offers).toBe(result.calls + result.warmup_calls);
    const within5Percent = (measured: number, predicted: number): boolean => Math.abs(measured / predicted - 1) < 0.05;
    // The whole result is shown if a figure is off.
    expect({
      result,
      p_wait: within5Percent(result.p_wait, result.erlang_p_wait),
      asa_s: within5Percent(result.asa_s, result.erlang_asa_s),
      service_level: within5Percent(result.service_level, result.erlang_service_level),
    }).toEqual({ result, p_wait: true, asa_s: true, service_level: true });
  }, 120_000);

  it('refuses missing and malformed options, naming them', async () => {
    const failure = await run(process.execPath, ['-r', './tools/register.cjs', 'apps/acd/src/cli/sim-erlang.ts', '--agents', '2.5', '--aht', 'x'], { cwd: root }).catch(
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failure).toMatchObject({ code: 1, stderr: 'sim:erlang: --agents must be a whole number, got 2.5\n' });
    const missing = await run(process.execPath, ['-r', './tools/register.cjs', 'apps/acd/src/cli/sim-erlang.ts', '--agents', '2'], { cwd: root }).catch(
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(missing).toMatchObject({ code: 1, stderr: 'sim:erlang: missing --arrival-rate, --aht, --sl-threshold, --calls, --seed\n' });
    const unstable = await run(
      process.execPath,
      ['-r', './tools/register.cjs', 'apps/acd/src/cli/sim-erlang.ts', '--agents', '2', '--arrival-rate', '0.01', '--aht', '200', '--sl-threshold', '20', '--calls', '10', '--seed', '1'],
      { cwd: root },
    ).catch((error: unknown) => error as { code: number; stderr: string });
    expect(unstable).toMatchObject({ code: 1, stderr: expect.stringContaining('the queue is unstable') });
  }, 60_000);
});
