import { simulationScriptSchema, type FlowDocument, type SimulationScript, type SimulationScriptInput, type SimulationTrace, type VoiceCommand } from '@parley/contracts';
import { FlowExecutor } from './flow-executor';
import { type ExecutorInput, type ExecutorState, type JsonValue, type StepResult, type WebhookResult } from './flow-executor.types';

/** The id a simulated call gets when the script names none (fixed, so traces compare equal). */
export const SIMULATED_CALL_ID = '00000000-0000-4000-8000-00000000c411';
export const SIMULATED_FLOW_ID = '00000000-0000-4000-8000-0000000f1000';

/** How long a simulated transfer target rings before it answers. */
const SIMULATED_RING_MS = 3000;

export interface SimulateOptions {
  readonly flowId?: string;
  /** 0: a draft. */
  readonly flowVersion?: number;
  /** Passed to the executor (its loop guard). */
  readonly maxVisits?: number;
  /** Executor steps before the simulator gives up (a guard against its own bugs). */
  readonly maxSteps?: number;
}

/** The script is not valid; `issues` name the fields. */
export class SimulationScriptError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid simulation script: ${issues.join('; ')}`);
    this.name = 'SimulationScriptError';
  }
}

/** The simulation could not finish the call (a defect of the executor or the simulator, never of the flow). */
export class SimulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationError';
  }
}

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly input: ExecutorInput;
}

/**
 * Runs a flow for one scripted call and returns what happened. The simulator plays the voice edge
 * (prompts take `promptMs` each, questions are answered from the script's key presses, transfers
 * ring and answer or fail, the caller may hang up) and the service (webhook answers from the script,
 * timers), on a simulated clock; the flow itself runs in the same FlowExecutor as live calls.
 * Deterministic: the same flow and script give the same trace.
 */
export function simulate(flow: FlowDocument, scriptInput: SimulationScriptInput, options: SimulateOptions = {}): SimulationTrace {
  const parsed = simulationScriptSchema.safeParse(scriptInput);
  if (!parsed.success) throw new SimulationScriptError(parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(script)'}: ${i.message}`));
  const script: SimulationScript = parsed.data;
  const executor = new FlowExecutor(flow, { flowId: options.flowId ?? SIMULATED_FLOW_ID, flowVersion: options.flowVersion ?? 0, maxVisits: options.maxVisits });
  return new Simulation(executor, script, options.maxSteps ?? 10_000).run();
}

class Simulation {
  private readonly t0: number;
  private readonly queue: Scheduled[] = [];
  private seq = 0;
  private readonly keyPresses: SimulationScript['digits'];
  private readonly webhookAnswers: Array<SimulationScript['webhooks'][number] & { used?: boolean }>;
  private readonly transfers: SimulationScript['transfers'];
  private state: ExecutorState;
  private steps = 0;
  /** The node-visit count of the connection whose end is scheduled. */
  private unbridgeScheduled: number | undefined;
  private overflowed = false;
  private readonly trace: Omit<SimulationTrace, 'outcome' | 'reason' | 'locale' | 'variables' | 'completed' | 'durationMs' | 'steps'> = {
    nodes: [],
    prompts: [],
    commands: [],
    inputs: [],
    webhooks: [],
  };

  constructor(
    private readonly executor: FlowExecutor,
    private readonly script: SimulationScript,
    private readonly maxSteps: number,
  ) {
    this.t0 = Date.parse(script.startAt);
    this.keyPresses = [...script.digits];
    this.webhookAnswers = script.webhooks.map((answer) => ({ ...answer }));
    this.transfers = [...script.transfers];
    this.state = executor.initialState(script.callId ?? SIMULATED_CALL_ID);
  }

  run(): SimulationTrace {
    this.schedule(this.t0, { type: 'call-started', at: this.t0, from: this.script.callerNumber, to: this.script.dialledNumber, ...(this.script.locale !== undefined ? { locale: this.script.locale } : {}) });
    if (this.script.callerHangupAfterMs !== undefined) {
      const at = this.t0 + this.script.callerHangupAfterMs;
      this.schedule(at, { type: 'call-ended', at, reason: 'caller-hangup' });
    }
    let completed: SimulationTrace['completed'] | undefined;
    let routed: SimulationTrace['routed'];
    while (this.state.status !== 'done') {
      const next = this.takeNext();
      if (next === undefined) throw new SimulationError(`the executor waits (${JSON.stringify(this.state.pending ?? null)}) for an input the simulator cannot produce`);
      if (next.input.type === 'call-ended' && next.input.reason === 'caller-hangup' && this.state.pending?.kind === 'question') {
        // The voice edge ends an open question before it reports the end of the call.
        this.feed({ type: 'digits-collected', at: next.at, commandId: this.state.pending.commandId, digits: '', outcome: 'hangup' });
      }
      const result = this.feed(next.input);
      for (const event of result.events) {
        if (event.topic === 'ivr.call.routed.v1') routed = event.payload;
        if (event.topic === 'ivr.call.completed.v1') completed = event.payload;
      }
    }
    if (completed === undefined) throw new SimulationError('the call finished without an ivr.call.completed.v1 event');
    const endMs = completed.durationMs;
    const call = this.state.call;
    if (call === undefined) throw new SimulationError('the call never started');
    return {
      outcome: completed.outcome,
      ...(completed.reason !== undefined ? { reason: completed.reason } : {}),
      locale: call.locale,
      ...this.trace,
      // A prompt due to start after the call ended was never heard.
      prompts: this.trace.prompts.filter((p) => p.atMs <= endMs),
      variables: { ...this.state.variables },
      ...(routed !== undefined ? { routed } : {}),
      completed,
      durationMs: endMs,
      steps: this.steps,
    };
  }

  private feed(input: ExecutorInput): StepResult {
    this.steps += 1;
    if (this.steps > this.maxSteps) throw new SimulationError(`the call did not finish within ${this.maxSteps} executor steps`);
    const result = this.executor.step(this.state, input);
    this.state = result.state;
    const atMs = input.at - this.t0;
    this.trace.inputs.push({ atMs, type: input.type, summary: summarize(input), ...(result.ignored !== undefined ? { ignored: result.ignored } : {}) });
    for (const event of result.events) {
      if (event.topic !== 'ivr.call.node-visited.v1') continue;
      const p = event.payload;
      if (p.transition === 'entered') {
        this.trace.nodes.push({ visit: p.visit, nodeId: p.nodeId, nodeType: p.nodeType, enteredAtMs: atMs });
      } else {
        const visit = this.trace.nodes.find((n) => n.visit === p.visit);
        if (visit === undefined) throw new SimulationError(`node ${p.nodeId} left without being entered (visit ${p.visit})`);
        visit.leftAtMs = atMs;
        visit.exit = p.exit;
        if (p.detail !== undefined) visit.detail = p.detail;
      }
    }
    for (const issued of result.commands) {
      this.trace.commands.push({ atMs, ...(issued.nodeId !== undefined ? { nodeId: issued.nodeId } : {}), commandId: issued.commandId, command: issued.command });
      this.actAsVoice(input.at, issued.commandId, issued.nodeId, issued.command);
    }
    for (const effect of result.effects) {
      switch (effect.kind) {
        case 'webhook-request': {
          const { at, result: answer } = this.answerWebhook(effect.nodeId, effect.timeoutMs, input.at);
          this.trace.webhooks.push({ atMs, nodeId: effect.nodeId, url: effect.url, method: effect.method, requestBody: effect.body, answer: describeWebhook(answer, at - input.at) });
          this.schedule(at, { type: 'webhook-result', at, requestId: effect.requestId, result: answer });
          break;
        }
        case 'start-timer': {
          const at = input.at + effect.delayMs;
          this.schedule(at, { type: 'timer', at, timerId: effect.timerId });
          break;
        }
        case 'cancel-timer': {
          const index = this.queue.findIndex((s) => s.input.type === 'timer' && s.input.timerId === effect.timerId);
          if (index >= 0) this.queue.splice(index, 1);
          break;
        }
      }
    }
    const pending = this.state.pending;
    if (pending?.kind === 'connected') {
      // Once per connection: a step may leave one connection and enter another (a transfer whose
      // far end hung up, on to a queue), told apart by the node visits counted so far.
      if (this.unbridgeScheduled !== this.state.visits) {
        const overflow = this.script.overflow;
        if (pending.onOverflow !== undefined && overflow !== undefined && !this.overflowed) {
          // The queue gives the call back before any agent answers (once per call).
          const at = input.at + overflow.afterMs;
          this.schedule(at, { type: 'overflowed', at, action: overflow.action });
          this.overflowed = true;
        } else {
          // The agent talks, then hangs up: the flow goes on after them, or the call ends with them.
          const at = input.at + this.script.agentTalkMs;
          this.schedule(at, pending.continueAt !== undefined ? { type: 'unbridged', at } : { type: 'call-ended', at, reason: 'agent-hangup' });
        }
        this.unbridgeScheduled = this.state.visits;
      }
    } else {
      this.unbridgeScheduled = undefined;
    }
    return result;
  }

  /** What the voice edge would report for a command, and when. */
  private actAsVoice(now: number, commandId: string, nodeId: string | undefined, command: VoiceCommand): void {
    const atMs = now - this.t0;
    switch (command.type) {
      case 'play': {
        command.prompts.forEach((prompt, i) => this.trace.prompts.push({ atMs: atMs + i * this.script.promptMs, nodeId: nodeId ?? '', commandId, prompt }));
        const at = now + command.prompts.length * this.script.promptMs;
        this.schedule(at, { type: 'playback-finished', at, commandId, outcome: 'completed' });
        return;
      }
      case 'collect': {
        const answer = this.answerQuestion(command);
        command.prompts.forEach((prompt, i) => {
          const startMs = i * this.script.promptMs;
          // A key pressed during the prompts cuts off the ones after it.
          if (answer.firstKeyMs === undefined || startMs < answer.firstKeyMs) this.trace.prompts.push({ atMs: atMs + startMs, nodeId: nodeId ?? '', commandId, prompt });
        });
        const at = now + answer.afterMs;
        this.schedule(at, { type: 'digits-collected', at, commandId, digits: answer.digits, outcome: answer.outcome });
        return;
      }
      case 'bridge-number':
      case 'bridge-agent': {
        const result = this.transfers.shift() ?? 'answered';
        if (result === 'answered') {
          const at = now + SIMULATED_RING_MS;
          this.schedule(at, { type: 'bridged', at });
        } else {
          const at = now + command.ringTimeoutMs;
          this.schedule(at, { type: 'command-failed', at, commandId, reason: 'failed', detail: 'nobody answered (simulated)' });
        }
        return;
      }
      case 'hangup':
        this.schedule(now, { type: 'call-ended', at: now, reason: 'command' });
        return;
      default:
        return;
    }
  }

  /** The next scripted key presses against a collect command, as the voice edge's digit collector would see them. */
  private answerQuestion(command: Extract<VoiceCommand, { type: 'collect' }>): { digits: string; outcome: 'max-digits' | 'terminator' | 'timeout'; afterMs: number; firstKeyMs?: number } {
    const promptsMs = command.prompts.length * this.script.promptMs;
    const silence = { digits: '', outcome: 'timeout' as const, afterMs: promptsMs + command.firstDigitTimeoutMs };
    const presses = this.keyPresses.shift();
    if (presses === undefined || presses.digits === '' || presses.delayMs > promptsMs + command.firstDigitTimeoutMs) return silence;
    let t = presses.delayMs;
    let digits = '';
    for (let i = 0; i < presses.digits.length; i++) {
      if (i > 0) {
        if (presses.interDigitMs > command.interDigitTimeoutMs) return { digits, outcome: 'timeout', afterMs: t + command.interDigitTimeoutMs, firstKeyMs: presses.delayMs };
        t += presses.interDigitMs;
      }
      const key = presses.digits.charAt(i);
      if (command.terminator !== undefined && key === command.terminator) return { digits, outcome: 'terminator', afterMs: t, firstKeyMs: presses.delayMs };
      digits += key;
      if (digits.length >= command.maxDigits) return { digits, outcome: 'max-digits', afterMs: t, firstKeyMs: presses.delayMs };
    }
    return { digits, outcome: 'timeout', afterMs: t + command.interDigitTimeoutMs, firstKeyMs: presses.delayMs };
  }

  private answerWebhook(nodeId: string, timeoutMs: number, now: number): { at: number; result: WebhookResult } {
    const answer = this.webhookAnswers.find((a) => a.nodeId === nodeId && a.used !== true);
    if (answer === undefined) return { at: now, result: { ok: false, error: 'network', detail: `the script has no webhook answer for node ${nodeId}` } };
    answer.used = true;
    if (answer.latencyMs > timeoutMs) return { at: now + timeoutMs, result: { ok: false, error: 'timeout', detail: `no answer within ${timeoutMs} ms` } };
    if (answer.error !== undefined) return { at: now + answer.latencyMs, result: { ok: false, error: answer.error } };
    return { at: now + answer.latencyMs, result: { ok: true, status: answer.status, body: (answer.body ?? null) as JsonValue } };
  }

  private schedule(at: number, input: ExecutorInput): void {
    this.queue.push({ at, seq: this.seq++, input });
  }

  private takeNext(): Scheduled | undefined {
    let best = -1;
    for (let i = 0; i < this.queue.length; i++) {
      const candidate = this.queue[i] as Scheduled;
      const current = this.queue[best];
      if (current === undefined || candidate.at < current.at || (candidate.at === current.at && candidate.seq < current.seq)) best = i;
    }
    return best < 0 ? undefined : this.queue.splice(best, 1)[0];
  }
}

function summarize(input: ExecutorInput): string {
  switch (input.type) {
    case 'call-started':
      return `from ${input.from} to ${input.to}${input.locale !== undefined ? ` in ${input.locale}` : ''}`;
    case 'playback-finished':
      return `${input.commandId} ${input.outcome}`;
    case 'digits-collected':
      return `${input.commandId} "${input.digits}" ${input.outcome}`;
    case 'webhook-result':
      return input.result.ok ? `${input.requestId} HTTP ${input.result.status}` : `${input.requestId} ${input.result.error}`;
    case 'timer':
      return input.timerId;
    case 'bridged':
    case 'unbridged':
      return input.type;
    case 'overflowed':
      return `the queue gave the call back (${input.action})`;
    case 'command-failed':
      return `${input.commandId} ${input.reason}: ${input.detail}`;
    case 'call-ended':
      return input.reason;
  }
}

function describeWebhook(result: WebhookResult, afterMs: number): string {
  return result.ok ? `HTTP ${result.status} after ${afterMs} ms: ${JSON.stringify(result.body)}` : `${result.error} after ${afterMs} ms${result.detail !== undefined ? ` (${result.detail})` : ''}`;
}
