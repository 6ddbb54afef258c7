import { type FlowDocument, type FlowError, type FlowNode, type FlowNodeOf, type FlowNodeType, type IvrCallOutcome, type Locale, type LocalizedPrompts, type Prompt, type VoiceCommand } from '@parley/contracts';
import { derivedId } from './call-ids';
import { evaluateCondition } from './flow-conditions';
import { renderTemplate } from './flow-graph';
import { validateFlow } from './flow-validator';
import {
  type ExecutorEffect,
  type ExecutorInput,
  type ExecutorState,
  type IssuedCommand,
  type IvrEvent,
  type JsonValue,
  type PlaybackPurpose,
  type QuestionPurpose,
  type StepResult,
  type WebhookResult,
} from './flow-executor.types';

/** Said when a queue gives a call back and the flow has no node for the queue's overflow action. */
const OVERFLOW_APOLOGY: Record<Locale, string> = {
  en: 'Sorry, nobody can take your call right now. Please call again later. Goodbye.',
  'zh-CN': '抱歉，目前没有坐席可以接听您的电话，请稍后再拨。再见。',
};

export interface FlowExecutorOptions {
  readonly flowId: string;
  /** The published version (0: a draft, in simulations). */
  readonly flowVersion: number;
  /** A call that enters this many nodes is ended as failed: the flow keeps going round. */
  readonly maxVisits?: number;
  /** How much longer than a data dip's timeout the executor waits for the service's answer. */
  readonly webhookGraceMs?: number;
}

export const DEFAULT_MAX_VISITS = 200;
const DEFAULT_WEBHOOK_GRACE_MS = 2000;
const MAX_VARIABLE_LENGTH = 1000;
const MAX_TEXT_PROMPT_LENGTH = 2000;
const E164 = /^\+[1-9][0-9]{6,14}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The flow has graph errors: it cannot run. */
export class InvalidFlowError extends Error {
  constructor(readonly errors: readonly FlowError[]) {
    super(`the flow cannot run: ${errors.map((e) => e.message).join('; ')}`);
    this.name = 'InvalidFlowError';
  }
}

/** A state that does not belong to this executor's flow, or that no step of it can produce. */
export class ExecutorStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutorStateError';
  }
}

/** The outputs of one step, gathered on a private copy of the state. */
class Turn {
  readonly commands: IssuedCommand[] = [];
  readonly events: IvrEvent[] = [];
  readonly effects: ExecutorEffect[] = [];

  constructor(
    readonly state: ExecutorState,
    readonly now: number,
  ) {}

  newId(): string {
    this.state.issued += 1;
    return derivedId(this.state.callId, this.state.issued);
  }

  get call(): NonNullable<ExecutorState['call']> {
    if (this.state.call === undefined) throw new ExecutorStateError(`call ${this.state.callId} has no call-started facts`);
    return this.state.call;
  }

  get at(): string {
    return new Date(this.now).toISOString();
  }
}

/**
 * Runs one flow version for any number of calls: one state machine per call, as a pure function
 * `step(state, input) → { state, commands, events, effects }`. It reads no clock (inputs carry
 * their instant), performs no I/O (webhook calls and timers are effects the service carries out and
 * reports back as inputs) and derives its ids from the call id, so the same inputs always give the
 * same outputs: the simulator drives this very code.
 */
export class FlowExecutor {
  private readonly nodes = new Map<string, FlowNode>();
  private readonly maxVisits: number;
  private readonly webhookGraceMs: number;

  constructor(
    readonly flow: FlowDocument,
    private readonly options: FlowExecutorOptions,
  ) {
    const { errors } = validateFlow(flow);
    if (errors.length > 0) throw new InvalidFlowError(errors);
    for (const node of flow.nodes) this.nodes.set(node.id, node);
    this.maxVisits = options.maxVisits ?? DEFAULT_MAX_VISITS;
    this.webhookGraceMs = options.webhookGraceMs ?? DEFAULT_WEBHOOK_GRACE_MS;
    if (!Number.isInteger(this.maxVisits) || this.maxVisits < 1) throw new RangeError(`maxVisits must be a positive integer, got ${this.maxVisits}`);
    if (!UUID.test(options.flowId)) throw new RangeError(`flowId must be a UUID, got "${options.flowId}"`);
    if (!Number.isInteger(options.flowVersion) || options.flowVersion < 0) throw new RangeError(`flowVersion must be a whole number (0 for a draft), got ${options.flowVersion}`);
  }

  /** The state of a call before its call-started input. */
  initialState(callId: string): ExecutorState {
    if (!UUID.test(callId)) throw new RangeError(`callId must be a UUID, got "${callId}"`);
    return { stateVersion: 1, callId, flowId: this.options.flowId, flowVersion: this.options.flowVersion, status: 'new', variables: {}, visits: 0, issued: 0 };
  }

  step(state: ExecutorState, input: ExecutorInput): StepResult {
    if (state.stateVersion !== 1) throw new ExecutorStateError(`state version ${String(state.stateVersion)} is not one this executor reads`);
    if (state.flowId !== this.options.flowId || state.flowVersion !== this.options.flowVersion) {
      throw new ExecutorStateError(`call ${state.callId} runs flow ${state.flowId} v${state.flowVersion}, not ${this.options.flowId} v${this.options.flowVersion}`);
    }
    if (!Number.isFinite(input.at)) throw new RangeError(`input ${input.type}: "at" must be an instant in epoch milliseconds, got ${String(input.at)}`);
    if (state.status === 'done') return ignore(state, `the IVR part of the call is over (${state.outcome ?? 'done'})`);
    const turn = new Turn(structuredClone(state), input.at);
    const ignored = this.handle(turn, input);
    if (ignored !== undefined) return ignore(state, ignored);
    return { state: turn.state, commands: turn.commands, events: turn.events, effects: turn.effects };
  }

  // ---- inputs ----

  private handle(turn: Turn, input: ExecutorInput): string | undefined {
    const state = turn.state;
    if (input.type === 'call-started') {
      if (state.status !== 'new') return 'the call has already started';
      const locale = input.locale !== undefined && this.flow.locales.includes(input.locale) ? input.locale : this.flow.defaultLocale;
      state.call = { from: input.from, to: input.to, locale, startedAt: input.at };
      state.status = 'running';
      this.issue(turn, { type: 'answer' }, undefined);
      this.advance(turn, this.flow.startNodeId);
      return undefined;
    }
    if (state.status === 'new') return `${input.type} before the call started`;
    if (input.type === 'call-ended') {
      const outcome = state.settled?.outcome ?? 'abandoned';
      const where = state.current?.nodeId ?? state.lastNodeId;
      this.leave(turn, input.reason === 'caller-hangup' ? 'caller-hangup' : `call-ended:${input.reason}`);
      this.finish(turn, outcome, outcome === 'abandoned' ? `the call ended (${input.reason}) in node "${where ?? '?'}"` : undefined);
      return undefined;
    }
    const pending = state.pending;
    switch (input.type) {
      case 'playback-finished':
        if (pending?.kind !== 'playback' || pending.commandId !== input.commandId) return `no playback ${input.commandId} is awaited`;
        state.pending = undefined;
        this.afterPlayback(turn, pending.purpose);
        return undefined;
      case 'digits-collected':
        if (pending?.kind !== 'question' || pending.commandId !== input.commandId) return `no question ${input.commandId} is awaited`;
        if (input.outcome === 'hangup') return 'the question stopped because the caller hung up: call-ended finishes the call';
        state.pending = undefined;
        this.afterAnswer(turn, pending.purpose, input.digits);
        return undefined;
      case 'webhook-result':
        if (pending?.kind !== 'webhook' || pending.requestId !== input.requestId) return `no webhook request ${input.requestId} is awaited`;
        state.pending = undefined;
        turn.effects.push({ kind: 'cancel-timer', timerId: pending.timerId });
        this.afterWebhook(turn, input.result);
        return undefined;
      case 'timer':
        if (pending?.kind !== 'webhook' || pending.timerId !== input.timerId) return `no timer ${input.timerId} is running`;
        state.pending = undefined;
        this.dipFailed(turn, 'the webhook did not answer in time');
        return undefined;
      case 'bridged':
        if (pending?.kind !== 'bridge') return 'no transfer is awaited';
        state.pending = undefined;
        this.afterBridged(turn);
        return undefined;
      case 'unbridged':
        if (pending?.kind !== 'connected') return 'the call is not connected to an agent or a transfer target';
        if (pending.continueAt === undefined) return 'the flow does not go on after the agent: the call ends with them';
        state.pending = undefined;
        this.leave(turn, 'party-hung-up');
        this.advance(turn, pending.continueAt);
        return undefined;
      case 'overflowed':
        if (pending?.kind !== 'connected' || pending.onOverflow === undefined) return 'the call is not waiting in a queue';
        state.pending = undefined;
        this.overflowed(turn, input.action, pending.onOverflow[input.action]);
        return undefined;
      case 'command-failed':
        if (pending?.kind === 'playback' && pending.commandId === input.commandId) {
          // A prompt that cannot be played must not strand the caller: the flow goes on.
          state.pending = undefined;
          this.afterPlayback(turn, pending.purpose);
          return undefined;
        }
        if (pending?.kind === 'question' && pending.commandId === input.commandId) {
          state.pending = undefined;
          this.fail(turn, `the ${pending.purpose} question could not be asked: ${input.detail}`);
          return undefined;
        }
        if (pending?.kind === 'bridge' && pending.commandId === input.commandId) {
          state.pending = undefined;
          this.transferFailed(turn, input.detail);
          return undefined;
        }
        return `command ${input.commandId} is not one the call waits for (${input.reason}: ${input.detail})`;
    }
  }

  // ---- moving through the graph ----

  /** Enters `target` and keeps going through nodes that need no input, until the call waits or ends. */
  private advance(turn: Turn, target: string): void {
    let next: string | undefined = target;
    while (next !== undefined && turn.state.status === 'running') {
      if (turn.state.visits >= this.maxVisits) {
        this.fail(turn, `the call went through ${this.maxVisits} nodes without reaching an ending: the flow keeps going round`);
        return;
      }
      next = this.run(turn, this.node(next));
    }
  }

  /** Runs a node just entered; returns the node to go to at once, if any. */
  private run(turn: Turn, node: FlowNode): string | undefined {
    this.enter(turn, node);
    switch (node.type) {
      case 'play':
        this.play(turn, node.prompt, node.bargeIn, 'play');
        return undefined;
      case 'menu':
        this.askMenu(turn, node, undefined);
        return undefined;
      case 'collect':
        this.askCollect(turn, node, undefined);
        return undefined;
      case 'survey':
        this.askSurvey(turn, node, undefined);
        return undefined;
      case 'callback-offer':
        this.ask(turn, 'callback-offer', this.prompts(turn, node.prompt), { maxDigits: 1, firstDigitTimeoutMs: node.timeoutMs });
        return undefined;
      case 'condition': {
        const call = turn.call;
        const holds = evaluateCondition(node.test, { now: turn.now, callerNumber: call.from, variable: (name) => turn.state.variables[name] });
        this.leave(turn, holds ? 'true' : 'false');
        return holds ? node.whenTrue : node.whenFalse;
      }
      case 'set-variable':
        turn.state.variables[node.variable] = this.render(turn, node.value).slice(0, MAX_VARIABLE_LENGTH);
        this.leave(turn, 'next');
        return node.next;
      case 'data-dip': {
        const requestId = turn.newId();
        const timerId = turn.newId();
        const call = turn.call;
        const variables: Record<string, string> = {};
        for (const name of node.sendVariables) {
          const value = turn.state.variables[name];
          if (value !== undefined) variables[name] = value;
        }
        turn.effects.push({
          kind: 'webhook-request',
          requestId,
          nodeId: node.id,
          url: node.url,
          method: node.method,
          timeoutMs: node.timeoutMs,
          body: { callId: turn.state.callId, flowId: turn.state.flowId, flowVersion: turn.state.flowVersion, nodeId: node.id, callerNumber: call.from, dialledNumber: call.to, locale: call.locale, variables },
        });
        turn.effects.push({ kind: 'start-timer', timerId, delayMs: node.timeoutMs + this.webhookGraceMs });
        turn.state.pending = { kind: 'webhook', requestId, timerId };
        return undefined;
      }
      case 'enqueue':
        if (node.prompt !== undefined) this.play(turn, node.prompt, false, 'enqueue');
        else this.route(turn, node);
        return undefined;
      case 'transfer':
        if (node.prompt !== undefined) this.play(turn, node.prompt, false, 'transfer');
        else this.bridge(turn, node);
        return undefined;
      case 'voicemail':
        this.play(turn, node.prompt, false, 'voicemail-greeting');
        return undefined;
      case 'hangup':
        this.settle(turn, 'hangup');
        if (node.prompt !== undefined) this.play(turn, node.prompt, false, 'goodbye');
        else this.hangUp(turn, 'hangup', node.reason);
        return undefined;
    }
  }

  private afterPlayback(turn: Turn, purpose: PlaybackPurpose): void {
    switch (purpose) {
      case 'play': {
        const node = this.current(turn, 'play');
        this.leave(turn, 'next');
        this.advance(turn, node.next);
        return;
      }
      case 'enqueue':
        this.route(turn, this.current(turn, 'enqueue'));
        return;
      case 'transfer':
        this.bridge(turn, this.current(turn, 'transfer'));
        return;
      case 'voicemail-greeting':
        this.record(turn, this.current(turn, 'voicemail'));
        return;
      case 'voicemail-thanks':
        this.hangUp(turn, 'voicemail', undefined);
        return;
      case 'callback-confirm':
        this.hangUp(turn, 'callback', undefined);
        return;
      case 'goodbye':
        this.hangUp(turn, 'hangup', this.current(turn, 'hangup').reason);
        return;
      case 'overflow-goodbye':
        this.hangUp(turn, 'hangup', 'the queue overflowed and the flow has no node for it');
        return;
    }
  }

  private afterAnswer(turn: Turn, purpose: QuestionPurpose, rawDigits: string): void {
    switch (purpose) {
      case 'menu': {
        const node = this.current(turn, 'menu');
        const digit = rawDigits.charAt(0);
        const target = digit === '' ? undefined : node.options[digit as keyof typeof node.options];
        if (target !== undefined) {
          this.leave(turn, `option:${digit}`);
          this.advance(turn, target);
        } else {
          this.retryOrGiveUp(turn, node.maxRetries, digit === '' ? 'no-input' : 'invalid', digit === '' ? (node.onNoInput ?? node.onInvalid) : node.onInvalid, () =>
            this.askMenu(turn, node, digit === '' ? (node.noInputPrompt ?? node.invalidPrompt) : node.invalidPrompt),
          );
        }
        return;
      }
      case 'collect': {
        const node = this.current(turn, 'collect');
        const digits = node.terminator !== undefined && rawDigits.endsWith(node.terminator) ? rawDigits.slice(0, -1) : rawDigits;
        if (digits === '') {
          this.retryOrGiveUp(turn, node.maxRetries, 'no-input', node.onNoInput ?? node.onInvalid, () => this.askCollect(turn, node, node.noInputPrompt ?? node.invalidPrompt));
          return;
        }
        const fits = digits.length >= node.minLength && digits.length <= node.maxLength && (node.pattern === undefined || new RegExp(`^(?:${node.pattern})$`).test(digits));
        if (!fits) {
          this.retryOrGiveUp(turn, node.maxRetries, 'invalid', node.onInvalid, () => this.askCollect(turn, node, node.invalidPrompt));
          return;
        }
        turn.state.variables[node.variable] = digits;
        this.leave(turn, 'next');
        this.advance(turn, node.next);
        return;
      }
      case 'survey': {
        const node = this.current(turn, 'survey');
        const score = /^[1-5]$/.test(rawDigits) ? Number(rawDigits) : undefined;
        if (score !== undefined) {
          turn.state.variables[node.variable] = rawDigits;
          turn.state.survey = { nodeId: node.id, score };
          this.leave(turn, 'answered');
          this.advance(turn, node.next);
        } else {
          this.retryOrGiveUp(turn, node.maxRetries, rawDigits === '' ? 'no-input' : 'invalid', node.next, () => this.askSurvey(turn, node, node.invalidPrompt));
        }
        return;
      }
      case 'callback-offer': {
        const node = this.current(turn, 'callback-offer');
        if (rawDigits.charAt(0) !== node.acceptDigit) {
          this.leave(turn, rawDigits === '' ? 'no-input' : 'declined');
          this.advance(turn, node.onDecline);
          return;
        }
        const call = turn.call;
        const number = node.numberVariable !== undefined ? turn.state.variables[node.numberVariable] : call.from;
        if (number === undefined || !E164.test(number)) {
          this.leave(turn, 'no-number');
          this.advance(turn, node.onDecline);
          return;
        }
        this.settle(turn, 'callback');
        turn.events.push({
          topic: 'ivr.call.routed.v1',
          payload: { ...this.routing(turn, node.id), mode: 'callback', queue: node.queue, priority: node.priority, skills: node.skills, attributes: {}, callbackNumber: number, afterAgent: 'end' },
        });
        if (node.confirmPrompt !== undefined) this.play(turn, node.confirmPrompt, false, 'callback-confirm');
        else this.hangUp(turn, 'callback', undefined);
        return;
      }
      case 'voicemail-recording': {
        // The finish key, the time limit or the keypad's inter-digit limit: the message is done.
        const node = this.current(turn, 'voicemail');
        this.issue(turn, { type: 'record-stop' }, node.id);
        if (node.thanksPrompt !== undefined) this.play(turn, node.thanksPrompt, false, 'voicemail-thanks');
        else this.hangUp(turn, 'voicemail', undefined);
        return;
      }
    }
  }

  /** A wrong answer or silence: ask again while retries remain, else leave by `exit`. */
  private retryOrGiveUp(turn: Turn, maxRetries: number, exit: 'invalid' | 'no-input', target: string, askAgain: () => void): void {
    const current = turn.state.current;
    if (current === undefined) throw new ExecutorStateError(`call ${turn.state.callId} answered a question outside any node`);
    current.attempts += 1;
    if (current.attempts <= maxRetries) {
      askAgain();
      return;
    }
    this.leave(turn, exit);
    this.advance(turn, target);
  }

  private afterWebhook(turn: Turn, result: WebhookResult): void {
    const node = this.current(turn, 'data-dip');
    if (!result.ok) {
      this.dipFailed(turn, `the webhook failed: ${result.error}${result.detail !== undefined ? ` (${result.detail})` : ''}`);
      return;
    }
    if (result.status < 200 || result.status > 299) {
      this.dipFailed(turn, `the webhook answered HTTP ${result.status}`);
      return;
    }
    const values: Record<string, string> = {};
    for (const mapping of node.map) {
      const value = scalarAt(result.body, mapping.path);
      if (value === undefined) {
        if (mapping.required) {
          this.dipFailed(turn, `the webhook's answer has no value at ${mapping.path}`);
          return;
        }
        continue;
      }
      values[mapping.variable] = value.slice(0, MAX_VARIABLE_LENGTH);
    }
    Object.assign(turn.state.variables, values);
    this.leave(turn, 'next');
    this.advance(turn, node.next);
  }

  private dipFailed(turn: Turn, reason: string): void {
    const node = this.current(turn, 'data-dip');
    this.leave(turn, 'failure', reason);
    this.advance(turn, node.onFailure);
  }

  private route(turn: Turn, node: FlowNodeOf<'enqueue'>): void {
    const attributes: Record<string, string> = {};
    for (const [key, template] of Object.entries(node.attributes)) attributes[key] = this.render(turn, template).slice(0, MAX_VARIABLE_LENGTH);
    turn.events.push({
      topic: 'ivr.call.routed.v1',
      payload: {
        ...this.routing(turn, node.id),
        mode: 'live',
        queue: node.queue,
        priority: node.priority,
        skills: node.skills,
        attributes,
        afterAgent: node.afterAgent !== undefined ? 'continue' : 'end',
      },
    });
    this.settle(turn, 'routed');
    // The call stays the IVR's until it ends: the queue may give it back (overflow), and the flow may
    // go on after the agent. The enqueue node is left now unless the flow continues after the agent.
    turn.state.pending = { kind: 'connected', onOverflow: { ...node.onOverflow } };
    if (node.afterAgent !== undefined) turn.state.pending.continueAt = node.afterAgent;
    else this.leave(turn, 'routed');
  }

  /**
   * The queue gave the call back (its overflow is voicemail or a callback offer): on to the node the
   * enqueue node names for that action, which settles the call's outcome anew; none: an apology and goodbye.
   */
  private overflowed(turn: Turn, action: 'voicemail' | 'callback', target: string | undefined): void {
    this.leave(turn, `overflow:${action}`);
    turn.state.settled = undefined;
    if (target !== undefined) {
      this.advance(turn, target);
      return;
    }
    const locale = turn.call.locale;
    const commandId = this.issue(turn, { type: 'play', prompts: [{ kind: 'text', text: OVERFLOW_APOLOGY[locale], locale }], bargeIn: false }, undefined);
    turn.state.pending = { kind: 'playback', commandId, purpose: 'overflow-goodbye' };
  }

  private routing(turn: Turn, nodeId: string): { callId: string; flowId: string; flowVersion: number; nodeId: string; variables: Record<string, string>; callerNumber: string; dialledNumber: string; locale: NonNullable<ExecutorState['call']>['locale']; routedAt: string } {
    const call = turn.call;
    return {
      callId: turn.state.callId,
      flowId: turn.state.flowId,
      flowVersion: turn.state.flowVersion,
      nodeId,
      variables: { ...turn.state.variables },
      callerNumber: call.from,
      dialledNumber: call.to,
      locale: call.locale,
      routedAt: turn.at,
    };
  }

  private bridge(turn: Turn, node: FlowNodeOf<'transfer'>): void {
    const afterHangup = node.afterHangup !== undefined ? 'continue' : 'end';
    const from = turn.call.from;
    const command: VoiceCommand =
      node.target.kind === 'number'
        ? { type: 'bridge-number', number: node.target.number, ...(E164.test(from) ? { callerId: from } : {}), ringTimeoutMs: node.ringTimeoutMs, afterHangup }
        : { type: 'bridge-agent', agentId: node.target.agentId, ringTimeoutMs: node.ringTimeoutMs, afterHangup };
    const commandId = this.issue(turn, command, node.id);
    turn.state.pending = { kind: 'bridge', commandId };
  }

  private afterBridged(turn: Turn): void {
    const node = this.current(turn, 'transfer');
    this.settle(turn, 'transferred');
    if (node.afterHangup !== undefined) {
      turn.state.pending = { kind: 'connected', continueAt: node.afterHangup };
      return;
    }
    this.leave(turn, 'transferred');
    this.finish(turn, 'transferred', undefined);
  }

  private transferFailed(turn: Turn, detail: string): void {
    const node = this.current(turn, 'transfer');
    if (node.onFailure !== undefined) {
      this.leave(turn, 'failure', detail);
      this.advance(turn, node.onFailure);
      return;
    }
    const target = node.target.kind === 'number' ? node.target.number : `agent ${node.target.agentId}`;
    this.fail(turn, `the transfer to ${target} failed: ${detail}`);
  }

  private record(turn: Turn, node: FlowNodeOf<'voicemail'>): void {
    this.settle(turn, 'voicemail', node.mailbox);
    this.issue(turn, { type: 'record-start', channels: 'mono' }, node.id);
    // The recording lasts until the finish key, or maxSeconds of silence on the keypad.
    const limitMs = node.maxSeconds * 1000;
    this.ask(turn, 'voicemail-recording', [], { maxDigits: 64, terminator: node.finishKey, firstDigitTimeoutMs: limitMs, interDigitTimeoutMs: Math.min(limitMs, 60_000) });
  }

  // ---- commands ----

  private play(turn: Turn, prompts: LocalizedPrompts, bargeIn: boolean, purpose: PlaybackPurpose): void {
    const resolved = this.prompts(turn, prompts);
    if (resolved.length === 0) {
      // Every text rendered empty (its variables are unset): nothing to play, go on.
      this.afterPlayback(turn, purpose);
      return;
    }
    const commandId = this.issue(turn, { type: 'play', prompts: resolved, bargeIn }, turn.state.current?.nodeId);
    turn.state.pending = { kind: 'playback', commandId, purpose };
  }

  private askMenu(turn: Turn, node: FlowNodeOf<'menu'>, before: LocalizedPrompts | undefined): void {
    const prompts = [...(before !== undefined ? this.prompts(turn, before) : []), ...this.prompts(turn, node.prompt)];
    this.ask(turn, 'menu', prompts, { maxDigits: 1, firstDigitTimeoutMs: node.timeoutMs });
  }

  private askCollect(turn: Turn, node: FlowNodeOf<'collect'>, before: LocalizedPrompts | undefined): void {
    const prompts = [...(before !== undefined ? this.prompts(turn, before) : []), ...this.prompts(turn, node.prompt)];
    this.ask(turn, 'collect', prompts, {
      maxDigits: node.maxLength,
      terminator: node.terminator,
      firstDigitTimeoutMs: node.firstDigitTimeoutMs,
      interDigitTimeoutMs: node.interDigitTimeoutMs,
    });
  }

  private askSurvey(turn: Turn, node: FlowNodeOf<'survey'>, before: LocalizedPrompts | undefined): void {
    const prompts = [...(before !== undefined ? this.prompts(turn, before) : []), ...this.prompts(turn, node.prompt)];
    this.ask(turn, 'survey', prompts, { maxDigits: 1, firstDigitTimeoutMs: node.timeoutMs });
  }

  private ask(turn: Turn, purpose: QuestionPurpose, prompts: Prompt[], options: { maxDigits: number; terminator?: string; firstDigitTimeoutMs: number; interDigitTimeoutMs?: number }): void {
    const commandId = this.issue(
      turn,
      {
        type: 'collect',
        prompts,
        maxDigits: options.maxDigits,
        ...(options.terminator !== undefined ? { terminator: options.terminator } : {}),
        firstDigitTimeoutMs: options.firstDigitTimeoutMs,
        interDigitTimeoutMs: options.interDigitTimeoutMs ?? 3000,
      },
      turn.state.current?.nodeId,
    );
    turn.state.pending = { kind: 'question', commandId, purpose };
  }

  private hangUp(turn: Turn, outcome: IvrCallOutcome, reason: string | undefined): void {
    this.issue(turn, reason !== undefined ? { type: 'hangup', reason } : { type: 'hangup' }, turn.state.current?.nodeId);
    this.leave(turn, 'hangup');
    this.finish(turn, turn.state.settled?.outcome ?? outcome, undefined);
  }

  private fail(turn: Turn, reason: string): void {
    this.issue(turn, { type: 'hangup', reason: reason.slice(0, 200) }, turn.state.current?.nodeId);
    this.leave(turn, 'failed', reason);
    this.finish(turn, 'failed', reason);
  }

  private issue(turn: Turn, command: VoiceCommand, nodeId: string | undefined): string {
    const commandId = turn.newId();
    turn.commands.push(nodeId !== undefined ? { commandId, nodeId, command } : { commandId, command });
    return commandId;
  }

  /** A node's prompts for the call's locale, with `{{variables}}` filled in; texts that render empty are dropped. */
  private prompts(turn: Turn, prompts: LocalizedPrompts): Prompt[] {
    const list = prompts[turn.call.locale] ?? prompts[this.flow.defaultLocale];
    if (list === undefined) throw new ExecutorStateError(`a prompt has nothing for ${turn.call.locale} although the flow validated`);
    const resolved: Prompt[] = [];
    for (const prompt of list) {
      if (prompt.kind === 'file') {
        resolved.push(prompt);
        continue;
      }
      const text = this.render(turn, prompt.text).trim().slice(0, MAX_TEXT_PROMPT_LENGTH);
      if (text !== '') resolved.push({ ...prompt, text });
    }
    return resolved;
  }

  private render(turn: Turn, template: string): string {
    const call = turn.call;
    return renderTemplate(template, (name) => {
      switch (name) {
        case 'call.id':
          return turn.state.callId;
        case 'call.from':
          return call.from;
        case 'call.to':
          return call.to;
        case 'call.locale':
          return call.locale;
        default:
          return turn.state.variables[name];
      }
    });
  }

  // ---- node bookkeeping and the end ----

  private enter(turn: Turn, node: FlowNode): void {
    const state = turn.state;
    state.visits += 1;
    state.current = { nodeId: node.id, visit: state.visits, enteredAt: turn.now, attempts: 0 };
    state.lastNodeId = node.id;
    turn.events.push({ topic: 'ivr.call.node-visited.v1', payload: { ...this.flowRun(turn), nodeId: node.id, nodeType: node.type, transition: 'entered', visit: state.visits, at: turn.at } });
  }

  private leave(turn: Turn, exit: string, detail?: string): void {
    const current = turn.state.current;
    if (current === undefined) return;
    const node = this.node(current.nodeId);
    turn.events.push({
      topic: 'ivr.call.node-visited.v1',
      payload: { ...this.flowRun(turn), nodeId: node.id, nodeType: node.type, transition: 'left', visit: current.visit, exit, ...(detail !== undefined ? { detail } : {}), durationMs: Math.max(0, turn.now - current.enteredAt), at: turn.at },
    });
    turn.state.current = undefined;
  }

  private settle(turn: Turn, outcome: IvrCallOutcome, mailbox?: string): void {
    turn.state.settled ??= mailbox !== undefined ? { outcome, mailbox } : { outcome };
  }

  private finish(turn: Turn, outcome: IvrCallOutcome, reason: string | undefined): void {
    const state = turn.state;
    const call = turn.call;
    state.status = 'done';
    state.pending = undefined;
    state.outcome = outcome;
    const mailbox = state.settled?.outcome === outcome ? state.settled.mailbox : undefined;
    turn.events.push({
      topic: 'ivr.call.completed.v1',
      payload: {
        ...this.flowRun(turn),
        outcome,
        ...(reason !== undefined ? { reason } : {}),
        ...(state.lastNodeId !== undefined ? { lastNodeId: state.lastNodeId } : {}),
        variables: { ...state.variables },
        ...(state.survey !== undefined ? { survey: state.survey } : {}),
        ...(mailbox !== undefined ? { mailbox } : {}),
        nodesVisited: state.visits,
        startedAt: new Date(call.startedAt).toISOString(),
        completedAt: turn.at,
        durationMs: Math.max(0, Math.round(turn.now - call.startedAt)),
      },
    });
  }

  private flowRun(turn: Turn): { callId: string; flowId: string; flowVersion: number } {
    return { callId: turn.state.callId, flowId: turn.state.flowId, flowVersion: turn.state.flowVersion };
  }

  private node(id: string): FlowNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new ExecutorStateError(`node "${id}" is not in this flow`);
    return node;
  }

  private current<T extends FlowNodeType>(turn: Turn, type: T): FlowNodeOf<T> {
    const id = turn.state.current?.nodeId;
    const node = id !== undefined ? this.nodes.get(id) : undefined;
    if (node?.type !== type) throw new ExecutorStateError(`call ${turn.state.callId} waits in ${id === undefined ? 'no node' : `node "${id}" (${node?.type ?? 'unknown'})`}, not in a ${type} node`);
    return node as FlowNodeOf<T>;
  }
}

function ignore(state: ExecutorState, reason: string): StepResult {
  return { state, commands: [], events: [], effects: [], ignored: reason };
}

/** The scalar at a dotted path of a JSON value, as text; objects, arrays and null count as missing. */
export function scalarAt(value: JsonValue, path: string): string | undefined {
  let at: JsonValue | undefined = value;
  for (const key of path.split('.')) {
    if (Array.isArray(at)) at = /^(0|[1-9][0-9]*)$/.test(key) ? at[Number(key)] : undefined;
    else if (at !== null && typeof at === 'object') at = Object.prototype.hasOwnProperty.call(at, key) ? at[key] : undefined;
    else return undefined;
    if (at === undefined) return undefined;
  }
  if (typeof at === 'string') return at;
  if (typeof at === 'number' || typeof at === 'boolean') return String(at);
  return undefined;
}
