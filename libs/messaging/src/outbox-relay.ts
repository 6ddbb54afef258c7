import { Client, type ClientConfig } from 'pg';
import { type DataSource } from 'typeorm';
import { type Envelope } from '@parley/contracts';
import { UnitOfWork } from '@parley/persistence';
import { backoffDelay, sleep, withTimeout } from './backoff';
import { type EventBus } from './event-bus.port';
import { describeError, noopMessagingLogger, type MessagingLogger } from './messaging-logger';
import { outboxChannel } from './outbox';
import { sqlIdentifier } from './sql-identifier';

export interface OutboxRelayRetry {
  /** Publish attempts of one batch per cycle before the relay backs off for the next cycle (default 5). */
  maxAttempts?: number;
  /** Wait after the first failed attempt (default 200 ms), doubling up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  /** Longest wait between attempts, and the pause between failed cycles (default 10 s). */
  maxBackoffMs?: number;
}

/** An outbox row the relay has just published. */
export interface PublishedOutboxRow {
  readonly seq: string;
  readonly id: string;
  readonly topic: string;
  readonly createdAt: Date;
  readonly publishedAt: Date;
}

export type OutboxRelayRole = 'stopped' | 'standby' | 'leader';

export interface OutboxRelayMetrics {
  readonly role: OutboxRelayRole;
  /** Rows published since start. */
  readonly published: number;
  /** Batches published since start. */
  readonly batches: number;
  /** Publish attempts that failed since start. */
  readonly failedAttempts: number;
  readonly lastError: string | undefined;
  /** Time from the row's transaction to its publication, for the last row published. */
  readonly lastLagMs: number | undefined;
  readonly maxLagMs: number | undefined;
}

export interface OutboxRelayOptions {
  /** A data source of the app role (`parley_app`): the relay reads across tenants as `parley_system`. */
  dataSource: DataSource;
  schema: string;
  bus: Pick<EventBus, 'publish'>;
  /** Rows per claim and publish (default 500). */
  batchSize?: number;
  /** Fallback poll when no notification arrives, and how often a standby relay tries to take over (default 1 s). */
  pollIntervalMs?: number;
  retry?: OutboxRelayRetry;
  /** A publish not done after this long counts as failed (default 15 s); it may still land, so rows can be published twice. */
  publishTimeoutMs?: number;
  /** Published rows are deleted once older than this (default 1 h). */
  retentionMs?: number;
  /** How often published rows are pruned (default 60 s). */
  cleanupIntervalMs?: number;
  logger?: MessagingLogger;
  /** Called after each published batch committed (lag measurements, metrics). Must not throw. */
  onPublished?: (rows: readonly PublishedOutboxRow[]) => void;
  /** Connection of the LISTEN / advisory-lock session (default: the data source's own settings). */
  listenConnection?: ClientConfig;
}

type CycleResult = 'drained' | 'failed' | 'stopped';

interface ClaimedRow {
  seq: string;
  envelope: Envelope;
}

interface PublishedRowRecord {
  seq: string;
  id: string;
  topic: string;
  created_at: Date;
  published_at: Date;
}

/** Wakes a sleeping loop; a wake that arrives while the loop is busy is remembered. */
class WakeSignal {
  private pending = false;
  private resolveWaiter: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.resolveWaiter?.();
  }

  /** Resolves on a wake, after `ms`, or when `abort` fires. */
  async wait(ms: number, abort: AbortSignal): Promise<void> {
    if (!this.pending) {
      await Promise.race([sleep(ms, abort), new Promise<void>((resolve) => (this.resolveWaiter = resolve))]);
      this.resolveWaiter = undefined;
    }
    this.pending = false;
  }
}

function listenConfigOf(dataSource: DataSource): ClientConfig {
  const o = dataSource.options as {
    url?: string;
    host?: string;
    port?: number;
    username?: string;
    password?: string | (() => string) | (() => Promise<string>);
    database?: string;
    ssl?: ClientConfig['ssl'];
  };
  const config: ClientConfig = { connectionString: o.url, host: o.host, port: o.port, user: o.username, password: o.password, database: o.database, ssl: o.ssl };
  for (const key of Object.keys(config) as (keyof ClientConfig)[]) if (config[key] === undefined) delete config[key];
  return config;
}

/**
 * Publishes a schema's outbox: claims unpublished rows in `seq` order as `parley_system`
 * (`FOR UPDATE SKIP LOCKED`), publishes them in that order, marks them published. Woken by the
 * insert trigger's notification (LISTEN on a dedicated connection), with a fallback poll. One relay
 * per schema is active (session advisory lock); the others stand by and take over when it goes.
 * A failing bus is retried with exponential backoff; no row is ever dropped.
 */
export class OutboxRelay {
  private readonly uow: UnitOfWork;
  private readonly table: string;
  private readonly channel: string;
  private readonly lockKey: string;
  private readonly logger: MessagingLogger;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxAttempts: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly publishTimeoutMs: number;
  private readonly retentionMs: number;
  private readonly cleanupIntervalMs: number;
  private readonly wake = new WakeSignal();
  private stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private firstAttempt: Promise<void> = Promise.resolve();
  private onFirstAttempt: () => void = () => undefined;
  private client: Client | undefined;
  private connectionLost = false;
  private lastCleanup = 0;
  private counters = { published: 0, batches: 0, failedAttempts: 0 };
  private lastError: string | undefined;
  private lastLagMs: number | undefined;
  private maxLagMs: number | undefined;
  private role: OutboxRelayRole = 'stopped';

  constructor(private readonly options: OutboxRelayOptions) {
    const schema = sqlIdentifier(options.schema);
    this.uow = new UnitOfWork(options.dataSource);
    this.table = `${schema}.outbox`;
    this.channel = outboxChannel(schema);
    this.lockKey = `parley:outbox-relay:${schema}`;
    this.logger = options.logger ?? noopMessagingLogger;
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.maxAttempts = Math.max(1, options.retry?.maxAttempts ?? 5);
    this.initialBackoffMs = options.retry?.initialBackoffMs ?? 200;
    this.maxBackoffMs = options.retry?.maxBackoffMs ?? 10_000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 15_000;
    this.retentionMs = options.retentionMs ?? 3_600_000;
    this.cleanupIntervalMs = options.cleanupIntervalMs ?? 60_000;
  }

  get metrics(): OutboxRelayMetrics {
    return { role: this.role, ...this.counters, lastError: this.lastError, lastLagMs: this.lastLagMs, maxLagMs: this.maxLagMs };
  }

  /**
   * Starts relaying (or standing by) in the background. Resolves once the relay has made its first
   * attempt to become the active relay (`metrics.role` tells the outcome); it never rejects: a
   * database it cannot reach is logged and retried.
   */
  start(): Promise<void> {
    if (this.loop) return this.firstAttempt;
    this.stopping = new AbortController();
    this.role = 'standby';
    let attempted: () => void = () => undefined;
    this.firstAttempt = new Promise<void>((resolve) => (attempted = resolve));
    this.onFirstAttempt = attempted;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      this.role = 'stopped';
      attempted();
    });
    return this.firstAttempt;
  }

  /** Stops after the in-flight batch is published and recorded, then releases the lock and the connection. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake.wake();
    await this.loop;
  }

  /** Wakes the relay now (as the insert notification does). */
  poke(): void {
    this.wake.wake();
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopped) {
        try {
          if (this.role !== 'leader' || this.connectionLost) {
            const leading = await this.tryToLead().finally(() => this.onFirstAttempt());
            if (!leading) {
              await sleep(this.pollIntervalMs, this.stopping.signal);
              continue;
            }
          }
          const result = await this.cycle();
          await this.cleanupIfDue();
          if (result === 'failed') await sleep(this.maxBackoffMs, this.stopping.signal);
          else if (result === 'drained') await this.wake.wait(this.pollIntervalMs, this.stopping.signal);
        } catch (error) {
          this.lastError = describeError(error);
          this.logger.error({ schema: this.options.schema, err: this.lastError }, 'outbox relay error; reconnecting');
          await this.releaseConnection();
          await sleep(this.pollIntervalMs, this.stopping.signal);
        }
      }
    } finally {
      await this.releaseConnection();
    }
  }

  /** Connects the listener session if needed and tries to take the schema's relay lock. */
  private async tryToLead(): Promise<boolean> {
    if (this.connectionLost) await this.releaseConnection();
    if (!this.client) {
      const client = new Client({ ...(this.options.listenConnection ?? listenConfigOf(this.options.dataSource)), application_name: `outbox-relay:${this.options.schema}` });
      client.on('error', (error) => {
        this.connectionLost = true;
        this.logger.warn({ schema: this.options.schema, err: describeError(error) }, 'outbox relay lost its listener connection');
        this.wake.wake();
      });
      client.on('notification', () => this.wake.wake());
      this.connectionLost = false;
      this.client = client;
      await client.connect();
    }
    const { rows } = await this.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [this.lockKey]);
    if (!rows[0]?.locked) {
      this.role = 'standby';
      return false;
    }
    await this.client.query(`LISTEN ${this.channel}`);
    this.role = 'leader';
    this.logger.info({ schema: this.options.schema }, 'outbox relay is the active relay of its schema');
    return true;
  }

  private async releaseConnection(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (this.role === 'leader') this.role = 'standby';
    if (!client) return;
    // Ending the session releases the advisory lock and the LISTEN.
    await client.end().catch(() => undefined);
  }

  /** Publishes batches until the outbox is empty, the relay stops, or one batch failed `maxAttempts` times. */
  private async cycle(): Promise<CycleResult> {
    let failures = 0;
    while (!this.stopped && !this.connectionLost) {
      try {
        const published = await this.publishBatch();
        failures = 0;
        if (published < this.batchSize) return 'drained';
      } catch (error) {
        failures += 1;
        this.counters.failedAttempts += 1;
        this.lastError = describeError(error);
        const last = failures >= this.maxAttempts;
        this.logger.warn(
          { schema: this.options.schema, attempt: failures, maxAttempts: this.maxAttempts, err: this.lastError },
          last ? 'outbox publish failed; backing off until the next cycle' : 'outbox publish failed; retrying',
        );
        if (last) return 'failed';
        await sleep(backoffDelay(failures, { initialMs: this.initialBackoffMs, maxMs: this.maxBackoffMs }), this.stopping.signal);
      }
    }
    return this.stopped ? 'stopped' : 'drained';
  }

  /** One claim-publish-mark round in one system transaction. Returns how many rows it published; throws when publishing failed. */
  private async publishBatch(): Promise<number> {
    const outcome = await this.uow.asSystem('outbox-relay', async (tx) => {
      const rows: ClaimedRow[] = await tx.manager.query(
        `SELECT seq, envelope FROM ${this.table} WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) return { published: [] as PublishedOutboxRow[] };
      const seqs = rows.map((r) => r.seq);
      try {
        await withTimeout(this.options.bus.publish(rows.map((r) => r.envelope)), this.publishTimeoutMs, 'the event bus did not confirm the publish');
      } catch (error) {
        // Keep the rows, record why; the caller retries them later.
        await tx.manager.query(`UPDATE ${this.table} SET attempts = attempts + 1, last_error = $2 WHERE seq = ANY($1::bigint[])`, [
          seqs,
          describeError(error).slice(0, 2_000),
        ]);
        return { error };
      }
      const [updated] = (await tx.manager.query(
        `UPDATE ${this.table} SET published_at = clock_timestamp(), attempts = attempts + 1, last_error = NULL
         WHERE seq = ANY($1::bigint[]) RETURNING seq, id, topic, created_at, published_at`,
        [seqs],
      )) as [PublishedRowRecord[], number];
      const published = updated
        .map((r) => ({ seq: String(r.seq), id: r.id, topic: r.topic, createdAt: r.created_at, publishedAt: r.published_at }))
        .sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
      return { published };
    });
    if ('error' in outcome) throw outcome.error;
    const { published } = outcome;
    if (published.length > 0) this.record(published);
    return published.length;
  }

  private record(rows: readonly PublishedOutboxRow[]): void {
    this.counters.published += rows.length;
    this.counters.batches += 1;
    for (const row of rows) {
      const lag = row.publishedAt.getTime() - row.createdAt.getTime();
      this.lastLagMs = lag;
      this.maxLagMs = Math.max(this.maxLagMs ?? 0, lag);
    }
    try {
      this.options.onPublished?.(rows);
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'outbox onPublished hook threw');
    }
  }

  private async cleanupIfDue(): Promise<void> {
    if (Date.now() - this.lastCleanup < this.cleanupIntervalMs) return;
    this.lastCleanup = Date.now();
    try {
      await this.uow.asSystem('outbox-cleanup', (tx) =>
        tx.manager.query(
          `DELETE FROM ${this.table} WHERE seq IN (
             SELECT seq FROM ${this.table} WHERE published_at < now() - make_interval(secs => $1) ORDER BY published_at LIMIT 10000)`,
          [this.retentionMs / 1000],
        ),
      );
    } catch (error) {
      this.logger.warn({ schema: this.options.schema, err: describeError(error) }, 'outbox cleanup failed');
    }
  }
}
