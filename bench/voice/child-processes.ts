// Every child process a voice bench starts (the voice node, sipp, the RTP probe) is registered here,
// so that none outlives the bench: on normal exit, on an error, and on Ctrl-C / SIGTERM (each child
// gets SIGTERM, then SIGKILL after a grace period), and the run's temp dir is removed.
import { type ChildProcess } from 'node:child_process';
import { FlagError } from './flags';
import { rmSync } from 'node:fs';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let installed = false;

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Waits for the child to exit; resolves at once if it already has. */
export function exited(child: ChildProcess): Promise<void> {
  return alive(child) ? new Promise((resolve) => child.once('exit', () => resolve())) : Promise.resolve();
}

/** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
export async function terminate(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (!alive(child)) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (alive(child)) child.kill('SIGKILL');
  }, graceMs);
  await exited(child);
  clearTimeout(timer);
}

function killAllNow(): void {
  for (const child of children) if (alive(child)) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the bench's child processes\n`);
      void Promise.all([...children].map((child) => terminate(child, 2000))).finally(() => process.exit(130));
    });
  }
}

/** Tracks a child until it exits; it is killed if the bench stops first. */
export function track<T extends ChildProcess>(child: T): T {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Removes `dir` when the bench exits, however it exits. */
export function removeOnExit(dir: string): void {
  install();
  dirs.add(dir);
}

/** Stops every tracked child (SIGTERM, then SIGKILL). */
export async function terminateAll(graceMs = 3000): Promise<void> {
  await Promise.all([...children].map((child) => terminate(child, graceMs)));
}

/**
 * Runs a voice bench's `main`: exit 0 after its JSON line; on a bad flag (exit 2) or a failure
 * (exit 1) every child process is stopped first.
 */
export function runBench(main: () => Promise<void>): void {
  main()
    .then(() => process.exit(0))
    .catch(async (error: unknown) => {
      process.stderr.write(error instanceof FlagError ? `${error.message}\n` : `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      await terminateAll();
      process.exit(error instanceof FlagError ? 2 : 1);
    });
}
