// The bench's side of the voice node child process (voice-node.child.ts): forks it on the repo's
// Node (process.execPath, as the npm scripts run) with the SWC hook, talks to it over IPC, and reads
// its CPU time from /proc.
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { exited, terminate, track } from './child-processes';
import { type ChildSample, type FromChild, type ToChild, type VoiceChildConfig } from './voice-bench.protocol';

const REPO = join(__dirname, '..', '..');

export interface VoiceNodeHandleOptions {
  config: VoiceChildConfig;
  /** Writes V8 CPU profiles (every thread) to this dir when set (--cpu-prof). */
  cpuProfileDir?: string;
  /** V8 old-space limit: the in-process bus keeps every message of the run. */
  maxOldSpaceMb?: number;
}

export class VoiceNodeHandle {
  readonly child: ChildProcess;
  private lastError: string | null = null;

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (message: FromChild) => {
      if (message.type === 'error') {
        this.lastError = message.message;
        process.stderr.write(`voice node: ${message.message}\n`);
      }
    });
  }

  static async start(options: VoiceNodeHandleOptions): Promise<{ handle: VoiceNodeHandle; sip: { address: string; port: number } }> {
    const execArgv = ['-r', join(REPO, 'tools', 'register.cjs'), `--max-old-space-size=${options.maxOldSpaceMb ?? 4096}`, '--expose-gc'];
    if (options.cpuProfileDir) execArgv.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir);
    const child = track(fork(join(__dirname, 'voice-node.child.ts'), [JSON.stringify(options.config)], { cwd: REPO, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const handle = new VoiceNodeHandle(child);
    const ready = await handle.next('ready', 60_000);
    return { handle, sip: ready.sip };
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('the voice node process did not start');
    return this.child.pid;
  }

  get error(): string | null {
    return this.lastError;
  }

  private next<T extends FromChild['type']>(type: T, timeoutMs: number): Promise<Extract<FromChild, { type: T }>> {
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      const onMessage = (message: FromChild): void => {
        if (message.type === type) {
          cleanup();
          resolve(message as Extract<FromChild, { type: T }>);
        } else if (message.type === 'error' && type === 'ready') {
          cleanup();
          reject(new Error(`the voice node did not start: ${message.message}`));
        }
      };
      const onExit = (code: number | null, signal: string | null): void => {
        cleanup();
        reject(new Error(`the voice node exited (${code ?? signal}) while the bench waited for "${type}"${this.lastError ? `: ${this.lastError}` : ''}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the voice node sent no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  private send(message: ToChild): void {
    if (!this.child.connected) throw new Error('the voice node process is not connected');
    this.child.send(message);
  }

  /** The node's figures now; `gc` first collects garbage so that heapUsed is what the node keeps. */
  async sample(options: { gc?: boolean } = {}, timeoutMs = 10_000): Promise<ChildSample> {
    const reply = this.next('sample', timeoutMs);
    this.send({ type: 'sample', gc: options.gc ?? false });
    return (await reply).sample;
  }

  resetLoopDelay(): void {
    this.send({ type: 'reset-loop-delay' });
  }

  /** Stops the node cleanly (calls ended, sockets closed) and waits for the process to exit. */
  async stop(timeoutMs = 60_000): Promise<ChildSample | null> {
    if (!this.child.connected) {
      await terminate(this.child);
      return null;
    }
    try {
      const stopped = this.next('stopped', timeoutMs);
      this.send({ type: 'stop' });
      const { sample } = await stopped;
      const timer = setTimeout(() => void terminate(this.child), 15_000);
      await exited(this.child);
      clearTimeout(timer);
      return sample;
    } catch (error) {
      await terminate(this.child);
      throw error;
    }
  }
}
