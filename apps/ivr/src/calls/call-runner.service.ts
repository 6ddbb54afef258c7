import { readFileSync } from 'node:fs';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ivrCallCompletedV1, ivrCallNodeVisitedV1, ivrCallRoutedV1, voiceCommandIssuedV1, type Envelope, type PayloadOf, type voiceCallStartedV1 } from '@parley/contracts';
import { createEnvelope, Inbox, Outbox } from '@parley/messaging';
import { isUniqueViolation, type TenantTransaction, type UnitOfWork } from '@parley/persistence';
import { withLogContext } from '@parley/telemetry';
import { type IvrEnv } from '../config/env.schema';
import { type ExecutorInput, type IvrEvent, type StepResult } from '../flows/flow-executor.types';
import { FlowRepository } from '../flows/flow.repository';
import { BindingsService } from '../numbers/bindings.service';
import { type Clock, IVR_CLOCK, IVR_COMMAND_ISSUER, IVR_CONFIG, IVR_CONSUMER_GROUPS, IVR_LOGGER, IVR_METRICS, IVR_SCHEMA, IVR_UNIT_OF_WORK, type IvrConsumerGroups, type IvrLogger } from '../ivr.tokens';
import { type CallStateEntity } from './call-state.entity';
import { CallStateRepository, StaleCallStateError } from './call-state.repository';
import { FlowExecutorCache } from './flow-executor.cache';
import { type IvrMetrics } from './ivr-metrics';
import { callStartedInput } from './voice-inputs';
import { WebhookClient, type WebhookRequest } from './webhook.client';

type StartedPayload = PayloadOf<typeof voiceCallStartedV1>;

/** Tries of one input when other steps of the same call keep saving first. */
const MAX_STEP_ATTEMPTS = 5;

/** What became of one input. */
export type StepOutcome =
  | { kind: 'stepped'; result: StepResult }
  | { kind: 'ignored'; reason: string }
  /** No state for the call here: not an IVR call, or one whose IVR part is over. */
  | { kind: 'unknown-call' }
  | { kind: 'duplicate' }
  /** The timer was cancelled or already fired. */
  | { kind: 'timer-gone' };

export type StartOutcome = 'started' | 'no-flow' | 'stale' | 'not-inbound' | 'no-number' | 'duplicate';

/** Where an input came from, for idempotency: a consumed message (inbox) or a due timer (taken once). */
export type InputSource = { kind: 'message'; messageId: string } | { kind: 'timer'; timerId: string } | { kind: 'webhook' };

const topicsOfEvents = {
  'ivr.call.routed.v1': ivrCallRoutedV1,
  'ivr.call.completed.v1': ivrCallCompletedV1,
  'ivr.call.node-visited.v1': ivrCallNodeVisitedV1,
} as const;

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`IVR_WEBHOOK_CA_FILE: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function envelopeOf(tenantId: string, event: IvrEvent): Envelope {
  switch (event.topic) {
    case 'ivr.call.routed.v1':
      return createEnvelope(topicsOfEvents[event.topic], tenantId, event.payload);
    case 'ivr.call.completed.v1':
      return createEnvelope(topicsOfEvents[event.topic], tenantId, event.payload);
    case 'ivr.call.node-visited.v1':
      return createEnvelope(topicsOfEvents[event.topic], tenantId, event.payload);
  }
}

/**
 * Runs calls through their flows. Each input (a voice event, a webhook answer, a due timer) is one
 * transaction: load the call's state, step the executor, save the state over the version read
 * (another instance's concurrent step makes this one run again), and queue the voice commands and
 * IVR events in the outbox and the timers in call_timers. Webhooks are called after the commit;
 * their answers come back as inputs, and the timer the executor started covers an instance that
 * died meanwhile. Any ivr instance can take any call's next input.
 */
@Injectable()
export class CallRunnerService implements OnApplicationShutdown {
  private readonly inbox = new Inbox(IVR_SCHEMA);
  private readonly outbox = new Outbox(IVR_SCHEMA);
  private readonly executors = new FlowExecutorCache();
  private readonly webhooks: WebhookClient;
  private readonly stopping = new AbortController();
  private readonly backgroundWork = new Set<Promise<void>>();

  constructor(
    @Inject(IVR_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(IVR_CONFIG) private readonly config: IvrEnv,
    @Inject(IVR_CLOCK) private readonly clock: Clock,
    @Inject(IVR_LOGGER) private readonly logger: IvrLogger,
    @Inject(IVR_METRICS) private readonly metrics: IvrMetrics,
    @Inject(IVR_CONSUMER_GROUPS) private readonly groups: IvrConsumerGroups,
    private readonly calls: CallStateRepository,
    private readonly flows: FlowRepository,
    private readonly bindings: BindingsService,
  ) {
    this.webhooks = new WebhookClient({
      allowPrivateAddresses: config.IVR_WEBHOOK_ALLOW_PRIVATE === 'true',
      maxResponseBytes: config.IVR_WEBHOOK_MAX_RESPONSE_BYTES,
      ...(config.IVR_WEBHOOK_CA_FILE !== undefined ? { extraCa: readCaFile(config.IVR_WEBHOOK_CA_FILE) } : {}),
    });
  }

  /**
   * A new call (voice.call.started.v1): the flow bound to its number takes it. A number with no
   * flow, or a start seen too late, is left to voice's emergency path (voice takes a call nobody
   * commands within 3 s): nothing is sent, the reason is logged.
   */
  async start(envelope: Envelope<StartedPayload>): Promise<StartOutcome> {
    const p = envelope.payload;
    const tenantId = envelope.tenantId;
    return withLogContext({ tenantId, callId: p.callId }, async () => {
      const outcome = await this.startCall(envelope);
      this.metrics.callStarts.inc({ result: outcome });
      return outcome;
    });
  }

  private async startCall(envelope: Envelope<StartedPayload>): Promise<StartOutcome> {
    const p = envelope.payload;
    if (p.direction !== 'inbound') return 'not-inbound';
    if (p.numberId === undefined) {
      this.logger.warn({ to: p.to }, "an inbound call without a numberId: left to voice's emergency path");
      return 'no-number';
    }
    const ageMs = this.clock().getTime() - Date.parse(p.startedAt);
    if (ageMs > this.config.IVR_CALL_START_MAX_AGE_MS) {
      this.logger.warn({ numberId: p.numberId, ageMs }, "the call started too long ago for the IVR to take it: voice's emergency path has it");
      return 'stale';
    }
    const started = Date.now();
    let result: { outcome: StartOutcome; step?: StepResult; flow?: { flowId: string; version: number } } = { outcome: 'duplicate' };
    try {
      await this.uow.inTenant(envelope.tenantId, async (tx) => {
        await this.inbox.handleOnce(tx, this.groups.callRunner, envelope.id, async () => {
          const numberId = p.numberId as string;
          const resolved = await this.bindings.resolve(tx, numberId);
          if (resolved === null) {
            result = { outcome: 'no-flow' };
            return;
          }
          if (await this.calls.exists(tx, p.callId)) return;
          const executor = await this.executors.get(tx.tenantId, resolved.flowId, resolved.version, async () => resolved.document);
          const step = executor.step(executor.initialState(p.callId), callStartedInput(p));
          if (step.state.status !== 'done') {
            await this.calls.insert(tx, { callId: p.callId, flowId: resolved.flowId, flowVersion: resolved.version, numberId, state: step.state, startedAt: new Date(p.startedAt), at: this.clock() });
          }
          await this.persistOutputs(tx, p.callId, step);
          result = { outcome: 'started', step, flow: { flowId: resolved.flowId, version: resolved.version } };
        });
      });
    } catch (error) {
      // Another consumer of the same message (a group rebalancing) created the call first.
      if (isUniqueViolation(error, 'calls_pkey')) return 'duplicate';
      throw error;
    }
    if (result.outcome === 'no-flow') {
      this.logger.info({ numberId: p.numberId, to: p.to }, "no IVR flow is bound to the dialled number: left to voice's emergency path");
      return 'no-flow';
    }
    if (result.outcome === 'started' && result.step !== undefined) {
      this.metrics.steps.inc({ input: 'call-started', result: 'applied' });
      this.metrics.stepSeconds.observe({ input: 'call-started' }, (Date.now() - started) / 1000);
      this.logger.info({ numberId: p.numberId, flowId: result.flow?.flowId, flowVersion: result.flow?.version, commands: result.step.commands.length }, 'call entered its flow');
      this.afterCommit(envelope.tenantId, p.callId, result.step);
    }
    return result.outcome;
  }

  /**
   * Feeds one input to a call in progress. Returns what became of it; throws only when the
   * database fails (the bus then redelivers the message).
   */
  async apply(tenantId: string, callId: string, input: ExecutorInput, source: InputSource): Promise<StepOutcome> {
    return withLogContext({ tenantId, callId }, async () => {
      for (let attempt = 1; ; attempt += 1) {
        const started = Date.now();
        try {
          const outcome = await this.uow.inTenant(tenantId, (tx) => this.stepInTransaction(tx, callId, input, source));
          this.record(input, outcome, started);
          if (outcome.kind === 'stepped') this.afterCommit(tenantId, callId, outcome.result);
          return outcome;
        } catch (error) {
          if (!(error instanceof StaleCallStateError) || attempt >= MAX_STEP_ATTEMPTS) throw error;
          this.metrics.stateConflicts.inc();
          this.logger.debug({ input: input.type, attempt }, 'the call changed meanwhile: stepping again');
          await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 20 * attempt)));
        }
      }
    });
  }

  /** A due timer of the call fires (once: the transaction that takes the timer row steps the call). */
  fireTimer(tenantId: string, callId: string, timerId: string): Promise<StepOutcome> {
    return this.apply(tenantId, callId, { type: 'timer', at: this.clock().getTime(), timerId }, { kind: 'timer', timerId });
  }

  async onApplicationShutdown(): Promise<void> {
    // Webhooks in flight are abandoned: their calls' timers fire on whichever instance is left.
    this.stopping.abort();
    await Promise.allSettled([...this.backgroundWork]);
    this.webhooks.close();
  }

  private async stepInTransaction(tx: TenantTransaction, callId: string, input: ExecutorInput, source: InputSource): Promise<StepOutcome> {
    const row = await this.calls.find(tx, callId);
    if (row === null) return { kind: 'unknown-call' };
    if (source.kind === 'timer' && !(await this.calls.takeTimer(tx, source.timerId))) return { kind: 'timer-gone' };
    let outcome: StepOutcome = { kind: 'duplicate' };
    const step = async (): Promise<void> => {
      outcome = await this.step(tx, row, input);
    };
    if (source.kind === 'message') await this.inbox.handleOnce(tx, this.groups.callRunner, source.messageId, step);
    else await step();
    return outcome;
  }

  private async step(tx: TenantTransaction, row: CallStateEntity, input: ExecutorInput): Promise<StepOutcome> {
    const executor = await this.executors.get(tx.tenantId, row.flowId, row.flowVersion, async () => {
      const version = await this.flows.findVersion(tx, row.flowId, row.flowVersion);
      if (version === null) throw new Error(`call ${row.callId} runs flow ${row.flowId} v${row.flowVersion}, which does not exist`);
      return version.document;
    });
    const result = executor.step(row.state, input);
    if (result.ignored !== undefined) return { kind: 'ignored', reason: result.ignored };
    if (result.state.status === 'done') await this.calls.delete(tx, row.callId, row.version);
    else await this.calls.update(tx, row.callId, row.version, result.state, this.clock());
    await this.persistOutputs(tx, row.callId, result);
    return { kind: 'stepped', result };
  }

  /** Timers into call_timers; commands and events into the outbox, in the order the executor gave them. */
  private async persistOutputs(tx: TenantTransaction, callId: string, result: StepResult): Promise<void> {
    for (const effect of result.effects) {
      if (effect.kind === 'start-timer' && result.state.status !== 'done') await this.calls.addTimer(tx, { timerId: effect.timerId, callId, delayMs: effect.delayMs });
      else if (effect.kind === 'cancel-timer') await this.calls.cancelTimer(tx, effect.timerId);
    }
    const envelopes: Envelope[] = result.commands.map((issued) =>
      // The command id is the message id: a replayed step sends the very same message.
      createEnvelope(voiceCommandIssuedV1, tx.tenantId, { callId, commandId: issued.commandId, issuedBy: IVR_COMMAND_ISSUER, command: issued.command }, { id: issued.commandId }),
    );
    for (const event of result.events) envelopes.push(envelopeOf(tx.tenantId, event));
    if (envelopes.length > 0) await this.outbox.add(tx, envelopes);
  }

  private record(input: ExecutorInput, outcome: StepOutcome, started: number): void {
    if (outcome.kind === 'stepped') {
      this.metrics.steps.inc({ input: input.type, result: 'applied' });
      this.metrics.stepSeconds.observe({ input: input.type }, (Date.now() - started) / 1000);
    } else if (outcome.kind === 'ignored') {
      this.metrics.steps.inc({ input: input.type, result: 'ignored' });
      this.logger.debug({ input: input.type, reason: outcome.reason }, 'input ignored');
    }
  }

  /** After the step committed: the call's end is counted, its webhooks are called. */
  private afterCommit(tenantId: string, callId: string, result: StepResult): void {
    if (result.state.status === 'done') {
      const outcome = result.state.outcome ?? 'failed';
      this.metrics.callsCompleted.inc({ outcome });
      this.logger.info({ outcome, nodesVisited: result.state.visits }, 'the IVR part of the call is over');
    }
    for (const effect of result.effects) if (effect.kind === 'webhook-request') this.track(this.callWebhook(tenantId, callId, effect));
  }

  private async callWebhook(tenantId: string, callId: string, webhook: WebhookRequest): Promise<void> {
    const answer = await this.webhooks.call(webhook, this.stopping.signal);
    if (this.stopping.signal.aborted) return;
    this.metrics.webhooks.inc({ result: answer.ok ? `${Math.floor(answer.status / 100)}xx` : answer.error });
    if (!answer.ok) this.logger.warn({ nodeId: webhook.nodeId, error: answer.error, detail: answer.detail }, 'data-dip webhook failed');
    try {
      await this.apply(tenantId, callId, { type: 'webhook-result', at: this.clock().getTime(), requestId: webhook.requestId, result: answer }, { kind: 'webhook' });
    } catch (error) {
      this.logger.error({ nodeId: webhook.nodeId, err: error instanceof Error ? error.message : String(error) }, "could not apply the webhook's answer: the call's timer will take the data dip's failure branch");
    }
  }

  private track(work: Promise<void>): void {
    this.backgroundWork.add(work);
    void work.finally(() => this.backgroundWork.delete(work));
  }
}
