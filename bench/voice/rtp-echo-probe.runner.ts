// Builds and runs rtp-echo-probe.c (the agents' media for bench:voice-load) and reads its figures.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { exited, terminate, track } from './child-processes';

export interface ProbeFigures {
  streams: number;
  ssrcChanges: number;
  received: number;
  expected: number;
  lost: number;
  echoed: number;
  echoErrors: number;
  notRtp: number;
  noTimestamp: number;
  samples: number;
  samplesDropped: number;
  rcvbufBytes: number;
  lateMsP50: number;
  lateMsP90: number;
  lateMsP99: number;
  lateMsP999: number;
  lateMsMax: number;
}

export class RtpEchoProbe {
  private out = '';

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
  }

  static async start(dir: string, port: number): Promise<RtpEchoProbe> {
    const binary = join(dir, 'rtp-echo-probe');
    execFileSync('gcc', ['-O2', '-o', binary, join(__dirname, 'rtp-echo-probe.c')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const child = track(spawn(binary, [String(port)], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const probe = new RtpEchoProbe(child, port);
    const deadline = Date.now() + 5000;
    while (!probe.out.includes('ready')) {
      if (child.exitCode !== null) throw new Error(`rtp-echo-probe exited with ${child.exitCode} before it was ready`);
      if (Date.now() > deadline) throw new Error('rtp-echo-probe did not start within 5 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    return probe;
  }

  /** Stops it (SIGTERM) and returns what it measured. */
  async stop(): Promise<ProbeFigures> {
    await terminate(this.child, 10_000);
    await exited(this.child);
    const line = this.out.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`rtp-echo-probe printed no figures: ${this.out.slice(0, 300)}`);
    return JSON.parse(line) as ProbeFigures;
  }
}
