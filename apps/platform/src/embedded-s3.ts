import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

interface S3rverInstance {
  run(): Promise<unknown>;
  close(): Promise<unknown>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

/** Buckets the services use in the all-in-one mode. */
export const EMBEDDED_BUCKETS = ['parley-recordings'] as const;

/** A local S3 endpoint (s3rver) storing objects under `<dataDir>/s3`. */
export class EmbeddedS3Server {
  private instance: S3rverInstance | null = null;

  constructor(
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    // s3rver has no type declarations; its constructor is all we use.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const S3rver = require('s3rver') as S3rverClass;
    const directory = join(this.dataDir, 's3');
    mkdirSync(directory, { recursive: true });
    this.instance = new S3rver({ port: this.port, address: '127.0.0.1', directory, silent: true, configureBuckets: EMBEDDED_BUCKETS.map((name) => ({ name, configs: [] })) });
    await this.instance.run();
  }

  async stop(): Promise<void> {
    await this.instance?.close();
    this.instance = null;
  }
}
