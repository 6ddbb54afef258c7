import {
  type IvrCallOutcome,
  type ivrCallCompletedV1,
  type ivrCallNodeVisitedV1,
  type ivrCallRoutedV1,
  type Locale,
  type PayloadOf,
  type VoiceCommand,
} from '@parley/contracts';

/** The JSON a webhook answers (parsed by the service). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * What the executor reacts to: the voice edge's events about the call (mapped by the service from
 * `voice.call.*` and `voice.command.failed.v1`), the results of the effects it asked for, and its
 * timers. `at` is the instant of the input, in epoch milliseconds: the executor reads no clock.
 */
export type ExecutorInput =
  | { type: 'call-started'; at: number; from: string; to: string; locale?: Locale }
  | { type: 'playback-finished'; at: number; commandId: string; outcome: 'completed' | 'barged-in' | 'stopped' | 'failed' }
  | { type: 'digits-collected'; at: number; commandId: string; digits: string; outcome: 'max-digits' | 'terminator' | 'timeout' | 'hangup' }
  | { type: 'webhook-result'; at: number; requestId: string; result: WebhookResult }
  | { type: 'timer'; at: number; timerId: string }
  /** voice.call.bridged.v1: the transfer target answered. */
  | { type: 'bridged'; at: number }
  /** voice.call.unbridged.v1: the agent or transferred-to party hung up and the caller is still there. */
  | { type: 'unbridged'; at: number }
  /** acd.call.overflowed.v1 with action voicemail or callback: the queue gives the call back. */
  | { type: 'overflowed'; at: number; action: 'voicemail' | 'callback' }
  | { type: 'command-failed'; at: number; commandId: string; reason: 'unknown-call' | 'invalid-state' | 'failed'; detail: string }
  | { type: 'call-ended'; at: number; reason: string };

export type WebhookResult =
  | { ok: true; status: number; body: JsonValue }
  | { ok: false; error: 'timeout' | 'network' | 'invalid-json' | 'too-large'; status?: number; detail?: string };

/** A voice command for the call, with the id its answer (playback-finished, digits-collected...) will carry. */
export interface IssuedCommand {
  readonly commandId: string;
  /** The node that issued it (none for the first answer). */
  readonly nodeId?: string;
  readonly command: VoiceCommand;
}

/** What the service does for the executor and reports back as an input. */
export type ExecutorEffect =
  | {
      kind: 'webhook-request';
      requestId: string;
      nodeId: string;
      url: string;
      method: 'GET' | 'POST';
      timeoutMs: number;
      /** POST: sent as the JSON body; GET: sent as query parameters (`variables.<name>`). */
      body: WebhookRequestBody;
    }
  | { kind: 'start-timer'; timerId: string; delayMs: number }
  | { kind: 'cancel-timer'; timerId: string };

export type WebhookRequestBody = {
  callId: string;
  flowId: string;
  flowVersion: number;
  nodeId: string;
  callerNumber: string;
  dialledNumber: string;
  locale: Locale;
  variables: Record<string, string>;
};

export type IvrEvent =
  | { topic: 'ivr.call.routed.v1'; payload: PayloadOf<typeof ivrCallRoutedV1> }
  | { topic: 'ivr.call.completed.v1'; payload: PayloadOf<typeof ivrCallCompletedV1> }
  | { topic: 'ivr.call.node-visited.v1'; payload: PayloadOf<typeof ivrCallNodeVisitedV1> };

export type PlaybackPurpose = 'play' | 'enqueue' | 'transfer' | 'voicemail-greeting' | 'voicemail-thanks' | 'callback-confirm' | 'goodbye' | 'overflow-goodbye';
export type QuestionPurpose = 'menu' | 'collect' | 'survey' | 'callback-offer' | 'voicemail-recording';

/** What the call is waiting for. */
export type PendingWait =
  | { kind: 'playback'; commandId: string; purpose: PlaybackPurpose }
  | { kind: 'question'; commandId: string; purpose: QuestionPurpose }
  | { kind: 'webhook'; requestId: string; timerId: string }
  | { kind: 'bridge'; commandId: string }
  /**
   * Queued or connected to an agent (enqueue), or connected to a transfer target: goes on at
   * `continueAt` when they hang up (absent: the call ends with them), or at the node `onOverflow`
   * names when the queue gives the call back.
   */
  | { kind: 'connected'; continueAt?: string; onOverflow?: { voicemail?: string; callback?: string } };

/**
 * One call's executor state: plain JSON, saved after every step, so that any ivr instance holding
 * the same flow version can take the next input.
 */
export interface ExecutorState {
  readonly stateVersion: 1;
  readonly callId: string;
  readonly flowId: string;
  readonly flowVersion: number;
  status: 'new' | 'running' | 'done';
  call?: { from: string; to: string; locale: Locale; startedAt: number };
  /** The node the call is in, and how many wrong answers or silences it had there. */
  current?: { nodeId: string; visit: number; enteredAt: number; attempts: number };
  lastNodeId?: string;
  pending?: PendingWait;
  variables: Record<string, string>;
  /** Node visits so far. */
  visits: number;
  /** Ids issued so far (command, request and timer ids derive from the call id and this counter). */
  issued: number;
  /** The outcome already decided when the call ends before the flow does (e.g. a voicemail being recorded). */
  settled?: { outcome: IvrCallOutcome; mailbox?: string };
  survey?: { nodeId: string; score: number };
  outcome?: IvrCallOutcome;
}

export interface StepResult {
  readonly state: ExecutorState;
  readonly commands: IssuedCommand[];
  readonly events: IvrEvent[];
  readonly effects: ExecutorEffect[];
  /** Why the input changed nothing (a stale answer, a duplicate, a call already over). */
  readonly ignored?: string;
}
