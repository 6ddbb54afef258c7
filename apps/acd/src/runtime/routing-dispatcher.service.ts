import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Client, type ClientConfig } from 'pg';
import { type DataSource } from 'typeorm';
import { Inbox, Outbox } from '@parley/messaging';
import { type UnitOfWork } from '@parley/persistence';
import { ACD_CONFIG, ACD_DATA_SOURCE, ACD_INSTANCE, ACD_LOGGER, ACD_METRICS, ACD_REALTIME, ACD_SCHEMA, ACD_UNIT_OF_WORK, type AcdLogger } from '../acd.tokens';
import { AgentsRepository } from '../agents/agents.repository';
import { CallerDataCipher } from '../calls/caller-data.cipher';
import { CallsRepository } from '../calls/calls.repository';
import { type AcdEnv } from '../config/env.schema';
import { DecisionsRepository } from '../decisions/decisions.repository';
import { type AcdRealtime } from '../live/acd-realtime';
import { QueuesRepository } from '../queues/queues.repository';
import { type RoutingDecision } from '../routing/routing-decision.ranking';
import { SettingsRepository } from '../settings/settings.repository';
import { SkillsRepository } from '../skills/skills.repository';
import { DailyStatsRepository } from '../stats/daily-stats.repository';
import { LiveStatistics } from '../stats/live-statistics.calculator';
import { type AcdMetrics } from './acd-metrics';
import { done, type InputResult, refused, type RoutingInput } from './routing-input';
import { ROUTING_INPUTS_CHANNEL, RoutingInputsRepository } from './routing-inputs.repository';
import { type RuntimeContext } from './runtime-context';
import { type LoadedTenant, TenantRuntime } from './tenant-runtime';

/** This acd instance's name (leases, engine ids). */
export interface AcdInstance {
  readonly id: string;
}

export function acdInstance(configured: string | undefined): AcdInstance {
  return { id: configured ?? `acd-${randomUUID().slice(0, 8)}` };
}

/** A tenant's engine is let go after this long with nothing routing (its agents stay in their live state). */
const IDLE_RELEASE_MS = 10 * 60_000;
const CLEANUP_INTERVAL_MS = 60_000;
const REPLY_POLL_MS = 20;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    }
    signal?.addEventListener('abort', finish, { once: true });
  });
}

function connectionOf(dataSource: DataSource): ClientConfig {
  const o = dataSource.options as { url?: string; host?: string; port?: number; username?: string; password?: string; database?: string };
  if (o.url !== undefined) return { connectionString: o.url };
  return { host: o.host, port: o.port, user: o.username, password: o.password, database: o.database };
}

/**
 * Runs the routing engines of the tenants this instance holds, and gets every input to the right
 * engine. How several instances share the work:
 *
 * - A tenant's engine runs in one instance at a time: the one holding the tenant's lease (Redis,
 *   renewed every third of ACD_TENANT_LEASE_MS). An instance takes a free lease when an input for
 *   the tenant reaches it, then rebuilds the engine from the durable state (PostgreSQL queue
 *   entries and configuration, Redis live state and reservations).
 * - An input for a tenant whose engine runs elsewhere is written to acd.routing_inputs (and
 *   NOTIFY): the owner applies it in order; a request that needs an answer (agent state,
 *   statistics) waits for the reply in that row.
 * - An instance that dies stops renewing; its leases lapse; the sweeper of every instance looks
 *   for tenants with calls in progress or inputs waiting and no lease, takes them and rebuilds
 *   their engines: nothing is stranded. Reservations the dead engine held are taken over (or
 *   lapse), so two engines never give one agent two calls even while both run.
 * - An instance that cannot renew a lease drops that tenant's engine at once.
 */
@Injectable()
export class RoutingDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly runtimes = new Map<string, TenantRuntime>();
  private readonly starting = new Map<string, Promise<TenantRuntime | null>>();
  private readonly ctx: RuntimeContext;
  private readonly inbox = new Inbox(ACD_SCHEMA);
  private incarnation = 0;
  private stopping = new AbortController();
  private loops: Promise<void>[] = [];
  private listener: Client | undefined;
  private listenerLost = false;
  private lastCleanup = 0;
  private lastRenewal = Date.now();

  constructor(
    @Inject(ACD_CONFIG) private readonly config: AcdEnv,
    @Inject(ACD_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(ACD_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(ACD_REALTIME) private readonly realtime: AcdRealtime,
    @Inject(ACD_LOGGER) private readonly logger: AcdLogger,
    @Inject(ACD_METRICS) private readonly metrics: AcdMetrics,
    @Inject(ACD_INSTANCE) readonly instance: AcdInstance,
    cipher: CallerDataCipher,
    private readonly calls: CallsRepository,
    skills: SkillsRepository,
    queues: QueuesRepository,
    agents: AgentsRepository,
    settings: SettingsRepository,
    decisions: DecisionsRepository,
    private readonly inputs: RoutingInputsRepository,
    daily: DailyStatsRepository,
  ) {
    this.ctx = { config, uow, realtime, cipher, logger, metrics, outbox: new Outbox(ACD_SCHEMA), calls, skills, queues, agents, settings, decisions, inputs, daily };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.stopping = new AbortController();
    await this.listen().catch((error: unknown) => this.logger.warn({ err: String(error) }, 'the routing input listener could not connect yet; retrying'));
    this.loops = [this.renewLoop(), this.sweepLoop()];
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled(this.loops);
    for (const [tenantId, runtime] of [...this.runtimes]) {
      await runtime.idle();
      runtime.stop();
      this.runtimes.delete(tenantId);
      await this.realtime.leases.release(tenantId, this.instance.id).catch(() => undefined);
    }
    this.metrics.tenantsOwned.set(0);
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  /**
   * Stops at once without handing anything over (leases are kept until they lapse), as a crashed
   * instance would: for tests that show another instance taking the calls over.
   */
  async halt(): Promise<void> {
    this.stopping.abort();
    for (const runtime of this.runtimes.values()) runtime.stop();
    this.runtimes.clear();
    await Promise.allSettled(this.loops);
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  /** The runtime of a tenant whose engine runs here, if any. */
  local(tenantId: string): TenantRuntime | undefined {
    const runtime = this.runtimes.get(tenantId);
    return runtime && !runtime.broken ? runtime : undefined;
  }

  /**
   * Gets an input applied by the tenant's engine: here (taking the tenant if nobody has it), or by
   * the instance that runs it. `reply`: wait for its answer from another instance.
   */
  async submit(tenantId: string, input: RoutingInput, options: { reply: boolean }): Promise<InputResult> {
    const runtime = await this.runtimeFor(tenantId);
    if (runtime) return runtime.submit(input);
    return this.forward(tenantId, input, options.reply);
  }

  /** Whether a voice event of this call matters to the acd (a call in progress is commanded on it). */
  async isActiveVoiceCall(tenantId: string, voiceCallId: string): Promise<boolean> {
    const runtime = this.local(tenantId);
    if (runtime) return runtime.knowsVoiceCall(voiceCallId);
    return this.uow.inTenant(tenantId, (tx) => this.calls.isActiveVoiceCall(tx, voiceCallId));
  }

  /** Whether the tenant set the acd up (has a queue): routed calls of other tenants are not the acd's business. */
  async usesAcd(tenantId: string): Promise<boolean> {
    if (this.local(tenantId)) return true;
    return this.uow.inTenant(tenantId, (tx) => this.ctx.queues.hasAny(tx));
  }

  /** A configuration change was saved with its input row: apply it now if the tenant's engine runs here. */
  async poke(tenantId: string): Promise<void> {
    const runtime = this.local(tenantId);
    if (runtime) await runtime.drain();
  }

  private async runtimeFor(tenantId: string): Promise<TenantRuntime | null> {
    const local = this.local(tenantId);
    if (local) return local;
    const pending = this.starting.get(tenantId);
    if (pending) return pending;
    if (this.stopping.signal.aborted) return null;
    const start = this.takeOver(tenantId).finally(() => this.starting.delete(tenantId));
    this.starting.set(tenantId, start);
    return start;
  }

  /** Takes the tenant's lease if it is free and rebuilds its engine here; null when another instance has it. */
  private async takeOver(tenantId: string): Promise<TenantRuntime | null> {
    if (!(await this.realtime.leases.tryAcquire(tenantId, this.instance.id, this.config.ACD_TENANT_LEASE_MS))) return null;
    const runtime = new TenantRuntime(tenantId, `${this.instance.id}.${++this.incarnation}`, this.ctx, (broken, error) => this.onBroken(broken, error));
    try {
      const loaded = await this.load(tenantId);
      await runtime.restore(loaded);
      this.runtimes.set(tenantId, runtime);
      this.metrics.tenantsOwned.set(this.runtimes.size);
      runtime.start();
      this.metrics.recoveries.inc({ result: 'ok' });
      this.logger.info({ tenantId, engine: runtime.instanceId, calls: loaded.calls.length, agents: loaded.agents.length }, "the tenant's routing engine runs here");
      void runtime.drain().catch((error: unknown) => this.logger.error({ tenantId, err: String(error) }, 'applying the waiting inputs failed'));
      return runtime;
    } catch (error) {
      runtime.stop();
      this.metrics.recoveries.inc({ result: 'failed' });
      await this.realtime.leases.release(tenantId, this.instance.id).catch(() => undefined);
      throw error;
    }
  }

  private async load(tenantId: string): Promise<LoadedTenant> {
    const ctx = this.ctx;
    const saved = await ctx.uow.inTenant(tenantId, async (tx) => {
      const timeZone = (await ctx.settings.timeZone(tx)) ?? ctx.config.ACD_DEFAULT_TIME_ZONE;
      const skills = await ctx.skills.list(tx);
      const queues = (await ctx.queues.list(tx)).map((q) => q.config);
      const agents = await ctx.agents.list(tx);
      const calls = await ctx.calls.active(tx, ctx.cipher);
      const decisions = new Map<string, RoutingDecision>();
      for (const call of calls) {
        if (call.status !== 'offered' || !call.offer) continue;
        const stored = await ctx.decisions.find(tx, call.offer.decisionId);
        if (stored) {
          decisions.set(stored.decisionId, {
            decisionId: stored.decisionId,
            tenantId,
            callId: stored.callId,
            queueId: stored.queueId,
            queueVersion: stored.queueVersion,
            agentIds: stored.agentIds,
            at: stored.decidedAt,
            inputs: stored.inputs,
            outcome: stored.outcome,
          });
        }
      }
      const day = new LiveStatistics({ timeZone }).dayOf(Date.now());
      const recentlyFinished = await ctx.calls.recentlyFinished(tx, Date.now() - ctx.config.ACD_ROUTED_MAX_AGE_SECONDS * 1000 - 60_000);
      return { timeZone, skills, queues, agents, calls, recentlyFinished, decisions, queueDays: await ctx.daily.queueDays(tx, day), agentDays: await ctx.daily.agentDays(tx, day) };
    });
    const liveStates = await this.realtime.liveState.readMany(
      tenantId,
      saved.agents.map((a) => a.agentId),
    );
    return { ...saved, liveStates };
  }

  private onBroken(runtime: TenantRuntime, error: unknown): void {
    if (this.runtimes.get(runtime.tenantId) === runtime) this.runtimes.delete(runtime.tenantId);
    this.metrics.tenantsOwned.set(this.runtimes.size);
    this.logger.error({ tenantId: runtime.tenantId, err: error instanceof Error ? error.message : String(error) }, "the tenant's routing engine is rebuilt from the saved state");
    // Let go of the lease: the sweeper (here or elsewhere) rebuilds the engine from what was saved.
    void this.realtime.leases.release(runtime.tenantId, this.instance.id).catch(() => undefined);
  }

  /** Hands the input to the instance that runs the tenant's engine (acd.routing_inputs). */
  private async forward(tenantId: string, input: RoutingInput, reply: boolean): Promise<InputResult> {
    this.metrics.forwarded.inc({ kind: input.kind });
    const seq = await this.uow.inTenant(tenantId, (tx) => this.inputs.add(tx, input, reply));
    if (!reply) return done;
    const deadline = Date.now() + this.config.ACD_REPLY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      await sleep(REPLY_POLL_MS);
      const result = await this.uow.inTenant(tenantId, (tx) => this.inputs.takeResult(tx, seq));
      if (result) return result;
    }
    const withdrawn = await this.uow.inTenant(tenantId, (tx) => this.inputs.withdraw(tx, seq));
    if (withdrawn) return refused(503, `the routing engine of this tenant did not answer within ${this.config.ACD_REPLY_TIMEOUT_MS} ms (it may be moving to another instance): try again`);
    for (let i = 0; i < 50; i++) {
      const result = await this.uow.inTenant(tenantId, (tx) => this.inputs.takeResult(tx, seq));
      if (result) return result;
      await sleep(REPLY_POLL_MS);
    }
    return refused(503, 'the routing engine of this tenant applied the request but its answer was lost: read the state again');
  }

  // ---- background loops -------------------------------------------------------------------------------

  private async renewLoop(): Promise<void> {
    const every = Math.max(200, Math.floor(this.config.ACD_TENANT_LEASE_MS / 3));
    while (!this.stopping.signal.aborted) {
      await sleep(every, this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      const owned = [...this.runtimes.keys()];
      try {
        const lost = owned.length > 0 ? await this.realtime.leases.renew(owned, this.instance.id, this.config.ACD_TENANT_LEASE_MS) : [];
        this.lastRenewal = Date.now();
        for (const tenantId of lost) this.drop(tenantId, 'its lease was lost');
      } catch (error) {
        this.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'could not renew the tenant leases');
        // Past half the lease without a renewal: another instance may take them soon; stop first.
        if (Date.now() - this.lastRenewal > this.config.ACD_TENANT_LEASE_MS / 2) for (const tenantId of owned) this.drop(tenantId, 'its lease could not be renewed');
      }
    }
  }

  private drop(tenantId: string, why: string): void {
    const runtime = this.runtimes.get(tenantId);
    if (!runtime) return;
    runtime.stop();
    this.runtimes.delete(tenantId);
    this.metrics.tenantsOwned.set(this.runtimes.size);
    this.logger.warn({ tenantId, engine: runtime.instanceId }, `the tenant's routing engine stopped here: ${why}`);
  }

  private async sweepLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        await this.sweep();
      } catch (error) {
        this.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'the acd sweep failed');
      }
      await sleep(this.config.ACD_SWEEP_INTERVAL_MS, this.stopping.signal);
    }
  }

  /** Takes tenants with work and no live engine; applies waiting inputs; lets idle tenants go; prunes. */
  private async sweep(): Promise<void> {
    if (this.listenerLost || !this.listener) await this.listen();
    const { withCalls, withInputs } = await this.uow.asSystem('acd-sweep', async (tx) => ({
      withCalls: await this.calls.tenantsWithCalls(tx),
      withInputs: await this.inputs.tenantsWithPending(tx),
    }));
    const pending = new Map(withInputs.map((p) => [p.tenantId, p]));
    for (const tenantId of new Set([...withCalls, ...pending.keys()])) {
      if (this.stopping.signal.aborted) return;
      const local = this.local(tenantId);
      if (local) {
        if (pending.has(tenantId)) await local.drain();
        continue;
      }
      if ((await this.realtime.leases.holderOf(tenantId)) !== null) continue;
      if (!withCalls.includes(tenantId) && pending.get(tenantId)?.configOnly === true) {
        // Nothing to route: the engine that takes the tenant next loads its configuration anyway.
        await this.uow.asSystem('acd-drop-config-inputs', (tx) => this.inputs.dropConfigInputs(tx, tenantId));
        continue;
      }
      try {
        await this.runtimeFor(tenantId);
      } catch (error) {
        this.logger.error({ tenantId, err: error instanceof Error ? error.message : String(error) }, "could not take over the tenant's routing engine");
      }
    }
    const now = Date.now();
    for (const [tenantId, runtime] of [...this.runtimes]) {
      if (now - runtime.lastActivityAt > IDLE_RELEASE_MS && runtime.isIdle() && !pending.has(tenantId)) {
        this.drop(tenantId, 'nothing routed for a while');
        await this.realtime.leases.release(tenantId, this.instance.id);
      }
    }
    if (now - this.lastCleanup >= CLEANUP_INTERVAL_MS) {
      this.lastCleanup = now;
      const prunedCalls = await this.uow.asSystem('acd-prune-calls', (tx) => this.calls.pruneFinished(tx, this.config.ACD_CALL_RETENTION_HOURS, 1_000));
      const prunedReplies = await this.uow.asSystem('acd-prune-replies', (tx) => this.inputs.pruneAnswered(tx, 300));
      const prunedInbox = await this.inbox.prune(this.uow, new Date(now - 7 * 86_400_000));
      if (prunedCalls + prunedReplies + prunedInbox > 0) this.logger.debug({ prunedCalls, prunedReplies, prunedInbox }, 'pruned old rows');
    }
  }

  /** LISTEN on a connection of its own: new routing inputs of a tenant whose engine runs here are applied at once. */
  private async listen(): Promise<void> {
    await this.listener?.end().catch(() => undefined);
    const client = new Client({ ...connectionOf(this.dataSource), application_name: 'acd-routing-inputs' });
    this.listenerLost = false;
    client.on('error', (error) => {
      this.listenerLost = true;
      this.logger.warn({ err: error.message }, 'the routing input listener lost its connection');
    });
    client.on('notification', (message) => {
      const tenantId = message.payload;
      if (!tenantId) return;
      const runtime = this.local(tenantId);
      if (runtime) void runtime.drain().catch((error: unknown) => this.logger.error({ tenantId, err: String(error) }, 'applying routing inputs failed'));
    });
    this.listener = client;
    await client.connect();
    await client.query(`LISTEN ${ROUTING_INPUTS_CHANNEL}`);
  }
}
