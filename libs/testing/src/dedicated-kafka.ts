import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

/**
 * A Kafka broker of the test's own, for tests that stop and restart the broker (the shared one
 * must stay up for the other suites). It is the same KRaft broker `infra/kafka/start.sh` runs.
 */
export class DedicatedKafka {
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'parley-kafka-'));

  constructor(
    readonly port: number,
    private readonly controllerPort = port + 1,
  ) {}

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  start(): void {
    const result = spawnSync('bash', [join(root, 'infra/kafka/start.sh')], {
      env: { ...process.env, KAFKA_PORT: String(this.port), KAFKA_CONTROLLER_PORT: String(this.controllerPort), KAFKA_DATA_DIR: this.dataDir, KAFKA_HEAP: '256m' },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`dedicated Kafka on ${this.port} did not start: ${result.stderr}`);
  }

  stop(): void {
    spawnSync('bash', [join(root, 'infra/kafka/stop.sh')], {
      env: { ...process.env, KAFKA_PORT: String(this.port), KAFKA_DATA_DIR: this.dataDir },
      encoding: 'utf8',
    });
  }

  destroy(): void {
    this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
