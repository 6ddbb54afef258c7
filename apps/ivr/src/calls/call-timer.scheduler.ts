import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Client, type ClientConfig } from 'pg';
import { type DataSource } from 'typeorm';
import { Inbox } from '@parley/messaging';
import { type UnitOfWork } from '@parley/persistence';
import { type IvrEnv } from '../config/env.schema';
import { IVR_CONFIG, IVR_DATA_SOURCE, IVR_LOGGER, IVR_METRICS, IVR_SCHEMA, IVR_UNIT_OF_WORK, type IvrLogger } from '../ivr.tokens';
import { CallRunnerService } from './call-runner.service';
import { CallStateRepository } from './call-state.repository';
import { type IvrMetrics } from './ivr-metrics';

const LOCK_KEY = 'parley:ivr:call-timers';
const BATCH = 100;
const CLEANUP_INTERVAL_MS = 60_000;

export type SchedulerRole = 'stopped' | 'standby' | 'leader';

function connectionOf(dataSource: DataSource): ClientConfig {
  const o = dataSource.options as { url?: string; host?: string; port?: number; username?: string; password?: string; database?: string };
  if (o.url !== undefined) return { connectionString: o.url };
  return { host: o.host, port: o.port, user: o.username, password: o.password, database: o.database };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Fires due call timers (call_timers.due_at, by the database's clock), prunes call states
 * abandoned for IVR_CALL_STATE_TTL_HOURS and inbox rows older than IVR_INBOX_RETENTION_HOURS. One instance is active at a time: it holds a session
 * advisory lock on a connection of its own; the others stand by and try to take over at every
 * poll, so timers keep firing when the active instance dies (its session ends, the lock with it).
 */
@Injectable()
export class CallTimerScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private client: Client | undefined;
  private connectionLost = false;
  private role: SchedulerRole = 'stopped';
  private stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private lastCleanup = 0;
  private readonly inbox = new Inbox(IVR_SCHEMA);

  constructor(
    @Inject(IVR_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(IVR_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(IVR_CONFIG) private readonly config: IvrEnv,
    @Inject(IVR_LOGGER) private readonly logger: IvrLogger,
    @Inject(IVR_METRICS) private readonly metrics: IvrMetrics,
    private readonly calls: CallStateRepository,
    private readonly runner: CallRunnerService,
  ) {}

  get currentRole(): SchedulerRole {
    return this.role;
  }

  onApplicationBootstrap(): void {
    if (this.loop) return;
    this.stopping = new AbortController();
    this.role = 'standby';
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      this.role = 'stopped';
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopping.signal.aborted) {
        try {
          if (this.role !== 'leader' || this.connectionLost) await this.tryToLead();
          if (this.role === 'leader') await this.tick();
        } catch (error) {
          this.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'call timer scheduler error; reconnecting');
          await this.release();
        }
        await sleep(this.config.IVR_TIMER_POLL_MS, this.stopping.signal);
      }
    } finally {
      await this.release();
    }
  }

  private async tryToLead(): Promise<void> {
    if (this.connectionLost) await this.release();
    if (!this.client) {
      const client = new Client({ ...connectionOf(this.dataSource), application_name: 'ivr-call-timers' });
      client.on('error', (error) => {
        this.connectionLost = true;
        this.logger.warn({ err: error.message }, 'call timer scheduler lost its lock connection');
      });
      this.connectionLost = false;
      this.client = client;
      await client.connect();
    }
    const { rows } = await this.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [LOCK_KEY]);
    if (rows[0]?.locked === true) {
      this.role = 'leader';
      this.logger.info({}, 'this instance fires the call timers');
    } else {
      this.role = 'standby';
    }
  }

  private async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (this.role === 'leader') this.role = 'standby';
    // Ending the session releases the advisory lock.
    await client?.end().catch(() => undefined);
  }

  /** Fires one batch of due timers (a failing one is retried at the next poll), then prunes when due. */
  private async tick(): Promise<void> {
    const due = await this.uow.asSystem('ivr-call-timers', (tx) => this.calls.dueTimers(tx, BATCH));
    for (const timer of due) {
      if (this.stopping.signal.aborted) return;
      try {
        const outcome = await this.runner.fireTimer(timer.tenantId, timer.callId, timer.timerId);
        if (outcome.kind !== 'timer-gone' && outcome.kind !== 'unknown-call') this.metrics.timersFired.inc();
      } catch (error) {
        this.logger.error({ tenantId: timer.tenantId, callId: timer.callId, timerId: timer.timerId, err: error instanceof Error ? error.message : String(error) }, 'call timer could not fire; retrying');
      }
    }
    if (Date.now() - this.lastCleanup >= CLEANUP_INTERVAL_MS) {
      this.lastCleanup = Date.now();
      const pruned = await this.uow.asSystem('ivr-call-cleanup', (tx) => this.calls.deleteAbandoned(tx, this.config.IVR_CALL_STATE_TTL_HOURS, 1000));
      if (pruned > 0) this.logger.warn({ pruned, ttlHours: this.config.IVR_CALL_STATE_TTL_HOURS }, 'deleted call states nobody touched for too long');
      const handled = await this.inbox.prune(this.uow, new Date(Date.now() - this.config.IVR_INBOX_RETENTION_HOURS * 3_600_000));
      if (handled > 0) this.logger.debug({ pruned: handled }, 'pruned the inbox');
    }
  }
}
