import { ivrTopics, voiceCommandSchema, type FlowDocumentInput, type Locale, type VoiceCommand } from '@parley/contracts';
import { ExecutorStateError, FlowExecutor, InvalidFlowError, scalarAt } from './flow-executor';
import { type ExecutorInput, type ExecutorState, type IvrEvent, type StepResult } from './flow-executor.types';
import { flowOf, say } from './testing/flow-fixtures';

const FLOW_ID = '0b8e6f4e-1a4c-4d2b-8f0e-2a3b4c5d6e7f';
const CALL_ID = '6f1c1f8e-8c53-4b8a-9a53-1c1d2c3b4a5f';
const T0 = Date.parse('2026-03-02T15:00:00Z'); // a Monday, 10:00 in New York
const CALLER = '+15555550123';
const DID = '+18005550100';

type NodeInput = FlowDocumentInput['nodes'][number];
type Distribute<T> = T extends unknown ? Omit<T, 'at'> : never;
type InputWithoutAt = Distribute<ExecutorInput>;
type EventPayloads = { [E in IvrEvent as E['topic']]: E['payload'] };

/**
 * One call against one executor. Every step saves the state as JSON and loads it back (as the
 * service will), and every command and event is checked against its contract schema.
 */
class TestCall {
  readonly executor: FlowExecutor;
  state: ExecutorState;
  now = T0;
  readonly commands: Array<{ commandId: string; nodeId?: string; command: VoiceCommand }> = [];
  readonly events: IvrEvent[] = [];
  last!: StepResult;

  constructor(nodes: NodeInput[], options: { locales?: Locale[]; startNodeId?: string; maxVisits?: number } = {}) {
    this.executor = new FlowExecutor(flowOf(nodes, options), { flowId: FLOW_ID, flowVersion: 3, maxVisits: options.maxVisits });
    this.state = this.executor.initialState(CALL_ID);
  }

  send(input: InputWithoutAt, afterMs = 0): StepResult {
    this.now += afterMs;
    const saved = JSON.parse(JSON.stringify(this.state)) as ExecutorState;
    const result = this.executor.step(saved, { ...input, at: this.now } as ExecutorInput);
    for (const issued of result.commands) expect(voiceCommandSchema.parse(issued.command)).toEqual(issued.command);
    for (const event of result.events) {
      const topic = ivrTopics.find((t) => t.name === event.topic);
      expect(topic?.schema.parse(event.payload)).toEqual(event.payload);
      expect(topic?.keyOf(event.payload as never)).toBe(CALL_ID);
    }
    this.commands.push(...result.commands);
    this.events.push(...result.events);
    this.state = result.state;
    this.last = result;
    return result;
  }

  start(locale?: Locale, from = CALLER): StepResult {
    return this.send({ type: 'call-started', from, to: DID, ...(locale !== undefined ? { locale } : {}) });
  }

  /** The id of the command the call waits on. */
  waitingOn(): string {
    const pending = this.state.pending;
    if (pending === undefined || !('commandId' in pending)) throw new Error(`the call waits on no command: ${JSON.stringify(pending)}`);
    return pending.commandId;
  }

  played(afterMs = 1000): StepResult {
    return this.send({ type: 'playback-finished', commandId: this.waitingOn(), outcome: 'completed' }, afterMs);
  }

  press(digits: string, outcome: 'max-digits' | 'terminator' | 'timeout' = 'max-digits', afterMs = 1000): StepResult {
    return this.send({ type: 'digits-collected', commandId: this.waitingOn(), digits, outcome }, afterMs);
  }

  silence(afterMs = 5000): StepResult {
    return this.press('', 'timeout', afterMs);
  }

  lastCommand(): VoiceCommand {
    const last = this.commands[this.commands.length - 1];
    if (last === undefined) throw new Error('no command yet');
    return last.command;
  }

  texts(command: VoiceCommand | undefined = this.lastCommand()): string[] {
    if (command === undefined || (command.type !== 'play' && command.type !== 'collect')) return [];
    return command.prompts.map((p) => (p.kind === 'text' ? p.text : p.uri));
  }

  of<T extends keyof EventPayloads>(topic: T): Array<EventPayloads[T]> {
    return this.events.filter((e) => e.topic === topic).map((e) => e.payload as EventPayloads[T]);
  }

  path(): string[] {
    return this.of('ivr.call.node-visited.v1')
      .filter((e) => e.transition === 'left')
      .map((e) => `${e.nodeId}:${e.exit ?? ''}`);
  }

  completed() {
    const all = this.of('ivr.call.completed.v1');
    expect(all).toHaveLength(1);
    return all[0]!;
  }
}

const bye = { id: 'bye', type: 'hangup' } as const;

describe('FlowExecutor: starting and playing', () => {
  it('answers, plays the start node in the call locale with variables filled in, then goes on when the playback finishes', () => {
    const call = new TestCall(
      [
        { id: 'hello', type: 'play', prompt: { en: [{ kind: 'text', text: 'You called {{call.to}} from {{call.from}}.', locale: 'en' }, { kind: 'file', uri: 'prompts/en/beep.wav' }], 'zh-CN': [{ kind: 'text', text: '您好', locale: 'zh-CN' }] }, next: 'bye' },
        bye,
      ],
      { locales: ['en', 'zh-CN'] },
    );
    call.start('en');
    expect(call.commands.map((c) => c.command.type)).toEqual(['answer', 'play']);
    expect(call.texts()).toEqual([`You called ${DID} from ${CALLER}.`, 'prompts/en/beep.wav']);
    expect(call.state.pending).toEqual({ kind: 'playback', commandId: call.commands[1]!.commandId, purpose: 'play' });

    call.played(3000);
    expect(call.lastCommand()).toEqual({ type: 'hangup' });
    expect(call.path()).toEqual(['hello:next', 'bye:hangup']);
    expect(call.completed()).toMatchObject({ outcome: 'hangup', lastNodeId: 'bye', nodesVisited: 2, durationMs: 3000, flowId: FLOW_ID, flowVersion: 3 });
  });

  it('speaks the caller locale when the flow has it, else the default locale', () => {
    const nodes: NodeInput[] = [{ id: 'hello', type: 'play', prompt: say('hello in {locale}', ['en', 'zh-CN']), next: 'bye' }, bye];
    const chinese = new TestCall(nodes, { locales: ['en', 'zh-CN'] });
    chinese.start('zh-CN');
    expect(chinese.texts()).toEqual(['hello in zh-CN']);
    const fallback = new TestCall([{ id: 'hello', type: 'play', prompt: say('hello in {locale}'), next: 'bye' }, bye]);
    fallback.start('zh-CN');
    expect(fallback.texts()).toEqual(['hello in en']);
    expect(fallback.state.call?.locale).toBe('en');
  });

  it('ignores answers to commands it does not wait for, a second call-started, and anything after the end', () => {
    const call = new TestCall([{ id: 'hello', type: 'play', prompt: say('hi'), next: 'bye' }, bye]);
    expect(call.send({ type: 'playback-finished', commandId: CALL_ID, outcome: 'completed' }).ignored).toMatch(/before the call started/);
    call.start();
    const before = call.state;
    const stale = call.send({ type: 'playback-finished', commandId: '11111111-1111-4111-8111-111111111111', outcome: 'completed' });
    expect(stale.ignored).toMatch(/no playback/);
    expect(stale.state).toEqual(before);
    expect(stale.commands).toEqual([]);
    expect(call.start().ignored).toMatch(/already started/);
    call.played();
    expect(call.send({ type: 'call-ended', reason: 'command' }).ignored).toMatch(/over \(hangup\)/);
    call.completed();
  });

  it('goes on when a prompt cannot be played (voice.command.failed)', () => {
    const call = new TestCall([{ id: 'hello', type: 'play', prompt: say('hi'), next: 'bye' }, bye]);
    call.start();
    call.send({ type: 'command-failed', commandId: call.waitingOn(), reason: 'failed', detail: 'prompt file missing' });
    expect(call.lastCommand()).toEqual({ type: 'hangup' });
    expect(call.completed().outcome).toBe('hangup');
  });
});

describe('FlowExecutor: menu', () => {
  const nodes: NodeInput[] = [
    { id: 'main', type: 'menu', prompt: say('1 sales, 2 support'), options: { '1': 'sales', '2': 'support' }, maxRetries: 2, timeoutMs: 4000, invalidPrompt: say('wrong key'), noInputPrompt: say('nothing heard'), onInvalid: 'bye', onNoInput: 'silent-bye' },
    { id: 'sales', type: 'enqueue', queue: 'sales' },
    { id: 'support', type: 'enqueue', queue: 'support' },
    { id: 'silent-bye', type: 'hangup', reason: 'no input' },
    bye,
  ];

  it('asks for one key with the menu timeout and branches on it', () => {
    const call = new TestCall(nodes);
    call.start();
    expect(call.lastCommand()).toEqual({ type: 'collect', prompts: [{ kind: 'text', text: '1 sales, 2 support', locale: 'en' }], maxDigits: 1, firstDigitTimeoutMs: 4000, interDigitTimeoutMs: 3000 });
    call.press('2');
    expect(call.path()).toEqual(['main:option:2', 'support:routed']);
    expect(call.of('ivr.call.routed.v1')[0]).toMatchObject({ queue: 'support', mode: 'live', nodeId: 'support' });
  });

  it('asks again after a wrong key or silence (counted together), with the matching prompt first', () => {
    const call = new TestCall(nodes);
    call.start();
    call.press('7');
    expect(call.texts()).toEqual(['wrong key', '1 sales, 2 support']);
    call.silence();
    expect(call.texts()).toEqual(['nothing heard', '1 sales, 2 support']);
    call.press('1');
    expect(call.path()).toEqual(['main:option:1', 'sales:routed']);
  });

  it('leaves by onInvalid or onNoInput when the retries are used up, depending on the last failure', () => {
    const wrong = new TestCall(nodes);
    wrong.start();
    wrong.silence();
    wrong.press('9');
    wrong.press('*');
    expect(wrong.path()).toEqual(['main:invalid', 'bye:hangup']);
    expect(wrong.commands.filter((c) => c.command.type === 'collect')).toHaveLength(3);

    const silent = new TestCall(nodes);
    silent.start();
    silent.silence();
    silent.silence();
    silent.silence();
    expect(silent.path()).toEqual(['main:no-input', 'silent-bye:hangup']);
    expect(silent.lastCommand()).toEqual({ type: 'hangup', reason: 'no input' });
  });

  it('waits for call-ended when the question stops because the caller hung up, then reports the call abandoned where it was', () => {
    const call = new TestCall(nodes);
    call.start();
    expect(call.send({ type: 'digits-collected', commandId: call.waitingOn(), digits: '', outcome: 'hangup' }, 2000).ignored).toMatch(/hung up/);
    call.send({ type: 'call-ended', reason: 'caller-hangup' });
    expect(call.path()).toEqual(['main:caller-hangup']);
    expect(call.completed()).toMatchObject({ outcome: 'abandoned', lastNodeId: 'main', reason: expect.stringContaining('caller-hangup') });
    expect(call.commands.at(-1)?.command.type).toBe('collect'); // no hangup sent to a call that is gone
  });
});

describe('FlowExecutor: collect, set-variable and conditions', () => {
  const nodes: NodeInput[] = [
    { id: 'pin', type: 'collect', prompt: say('Enter your PIN then pound'), variable: 'pin', minLength: 4, maxLength: 6, terminator: '#', pattern: '[0-9]+', maxRetries: 1, invalidPrompt: say('That PIN is not valid.'), next: 'greet', onInvalid: 'bye' },
    { id: 'greet', type: 'set-variable', variable: 'greeting', value: 'PIN {{pin}} from {{call.from}}', next: 'vip' },
    { id: 'vip', type: 'condition', test: { kind: 'variables', match: 'all', comparisons: [{ variable: 'pin', op: 'matches', value: '^9' }] }, whenTrue: 'vip-queue', whenFalse: 'queue' },
    { id: 'vip-queue', type: 'enqueue', queue: 'vip', priority: 50, skills: [{ skill: 'gold', minProficiency: 4 }], attributes: { greeting: '{{greeting}}' } },
    { id: 'queue', type: 'enqueue', queue: 'general' },
    bye,
  ];

  it('collects digits up to the terminator, saves them, and later nodes read them', () => {
    const call = new TestCall(nodes);
    call.start();
    expect(call.lastCommand()).toMatchObject({ type: 'collect', maxDigits: 6, terminator: '#', firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 3000 });
    call.press('9876', 'terminator');
    expect(call.state.variables).toEqual({ pin: '9876', greeting: `PIN 9876 from ${CALLER}` });
    expect(call.path()).toEqual(['pin:next', 'greet:next', 'vip:true', 'vip-queue:routed']);
    expect(call.of('ivr.call.routed.v1')[0]).toMatchObject({ queue: 'vip', priority: 50, skills: [{ skill: 'gold', minProficiency: 4 }], attributes: { greeting: `PIN 9876 from ${CALLER}` }, variables: { pin: '9876' } });
  });

  it('accepts enough digits that end on the inter-digit timeout, and asks again when too short or off-pattern', () => {
    const call = new TestCall(nodes);
    call.start();
    call.press('12', 'timeout');
    expect(call.texts()).toEqual(['That PIN is not valid.', 'Enter your PIN then pound']);
    call.press('1234', 'timeout');
    expect(call.path()).toEqual(['pin:next', 'greet:next', 'vip:false', 'queue:routed']);

    const bad = new TestCall(nodes);
    bad.start();
    bad.press('12*4', 'terminator');
    bad.press('123', 'terminator');
    expect(bad.path()).toEqual(['pin:invalid', 'bye:hangup']);
    expect(bad.state.variables).toEqual({});
  });

  it('checks business hours against the clock of the call and the caller number against its pattern', () => {
    const hours = (open: string, close: string): NodeInput => ({
      id: 'hours',
      type: 'condition',
      test: { kind: 'business-hours', timeZone: 'America/New_York', weekly: [{ day: 'mon', open, close }] },
      whenTrue: 'open',
      whenFalse: 'closed',
    });
    const rest: NodeInput[] = [{ id: 'open', type: 'enqueue', queue: 'sales' }, { id: 'closed', type: 'hangup' }];
    const open = new TestCall([hours('09:00', '17:00'), ...rest]);
    open.start(); // Monday 10:00 in New York
    expect(open.path()).toEqual(['hours:true', 'open:routed']);
    const closed = new TestCall([hours('11:00', '17:00'), ...rest]);
    closed.start();
    expect(closed.path()).toEqual(['hours:false', 'closed:hangup']);

    const french = new TestCall([{ id: 'who', type: 'condition', test: { kind: 'caller-number', pattern: '^\\+33' }, whenTrue: 'open', whenFalse: 'closed' }, ...rest]);
    french.start(undefined, '+33612345678');
    expect(french.path()).toEqual(['who:true', 'open:routed']);
  });
});

describe('FlowExecutor: data dip', () => {
  const nodes: NodeInput[] = [
    { id: 'account', type: 'collect', prompt: say('account number'), variable: 'account', maxLength: 8, next: 'crm', onInvalid: 'bye' },
    {
      id: 'crm',
      type: 'data-dip',
      url: 'https://crm.example.com/ivr/lookup',
      timeoutMs: 1500,
      sendVariables: ['account', 'unset'],
      map: [
        { path: 'customer.tier', variable: 'tier', required: true },
        { path: 'customer.balances.0', variable: 'balance' },
        { path: 'customer.vip', variable: 'vip' },
        { path: 'customer.missing', variable: 'nothing' },
      ],
      next: 'tell',
      onFailure: 'sorry',
    },
    { id: 'tell', type: 'play', prompt: say('You are {{tier}} with {{balance}} dollars.'), next: 'bye' },
    { id: 'sorry', type: 'play', prompt: say('We cannot look you up.'), next: 'bye' },
    bye,
  ];

  function atTheDip(): TestCall {
    const call = new TestCall(nodes);
    call.start();
    call.press('12345678');
    return call;
  }

  it('asks the service to call the webhook, with a timer as a guard, and waits', () => {
    const call = atTheDip();
    const [request, timer] = call.last.effects;
    expect(request).toEqual({
      kind: 'webhook-request',
      requestId: expect.any(String),
      nodeId: 'crm',
      url: 'https://crm.example.com/ivr/lookup',
      method: 'POST',
      timeoutMs: 1500,
      body: { callId: CALL_ID, flowId: FLOW_ID, flowVersion: 3, nodeId: 'crm', callerNumber: CALLER, dialledNumber: DID, locale: 'en', variables: { account: '12345678' } },
    });
    expect(timer).toEqual({ kind: 'start-timer', timerId: expect.any(String), delayMs: 3500 });
    expect(call.state.pending).toEqual({ kind: 'webhook', requestId: (request as { requestId: string }).requestId, timerId: (timer as { timerId: string }).timerId });
  });

  it('maps scalar answers into variables (numbers and booleans as text) and goes on', () => {
    const call = atTheDip();
    const pending = call.state.pending as { requestId: string; timerId: string };
    call.send({ type: 'webhook-result', requestId: pending.requestId, result: { ok: true, status: 200, body: { customer: { tier: 'gold', balances: [42.5, 1], vip: true, missing: { deep: 1 } } } } }, 300);
    expect(call.last.effects).toEqual([{ kind: 'cancel-timer', timerId: pending.timerId }]);
    expect(call.state.variables).toEqual({ account: '12345678', tier: 'gold', balance: '42.5', vip: 'true' });
    expect(call.texts()).toEqual(['You are gold with 42.5 dollars.']);
  });

  it.each([
    ['a missing required value', { ok: true as const, status: 200, body: { customer: {} } }, /no value at customer\.tier/],
    ['an HTTP error', { ok: true as const, status: 503, body: null }, /HTTP 503/],
    ['a network error', { ok: false as const, error: 'network' as const, detail: 'ECONNREFUSED' }, /network \(ECONNREFUSED\)/],
  ])('takes the failure branch on %s and sets no variable from the answer', (_name, result, detail) => {
    const call = atTheDip();
    const pending = call.state.pending as { requestId: string };
    call.send({ type: 'webhook-result', requestId: pending.requestId, result });
    expect(call.texts()).toEqual(['We cannot look you up.']);
    expect(call.state.variables).toEqual({ account: '12345678' });
    expect(call.of('ivr.call.node-visited.v1').find((e) => e.nodeId === 'crm' && e.transition === 'left')).toMatchObject({ exit: 'failure', detail: expect.stringMatching(detail) });
  });

  it('takes the failure branch when its timer fires first, and ignores the late answer', () => {
    const call = atTheDip();
    const pending = call.state.pending as { requestId: string; timerId: string };
    call.send({ type: 'timer', timerId: pending.timerId }, 3500);
    expect(call.texts()).toEqual(['We cannot look you up.']);
    const late = call.send({ type: 'webhook-result', requestId: pending.requestId, result: { ok: true, status: 200, body: { customer: { tier: 'gold' } } } });
    expect(late.ignored).toMatch(/no webhook request/);
    expect(call.state.variables.tier).toBeUndefined();
  });

  it('reads dotted paths through objects and arrays only', () => {
    const body = { a: { b: [{ c: 'x' }, 7] }, n: null };
    expect(scalarAt(body, 'a.b.0.c')).toBe('x');
    expect(scalarAt(body, 'a.b.1')).toBe('7');
    expect(scalarAt(body, 'a.b.01')).toBeUndefined();
    expect(scalarAt(body, 'a.b')).toBeUndefined();
    expect(scalarAt(body, 'n')).toBeUndefined();
    expect(scalarAt(body, 'a.b.0.c.length')).toBeUndefined();
  });
});

describe('FlowExecutor: enqueue, survey after the agent', () => {
  const nodes: NodeInput[] = [
    { id: 'queue', type: 'enqueue', queue: 'support', priority: 5, prompt: say('Please hold.'), afterAgent: 'survey' },
    { id: 'survey', type: 'survey', prompt: say('Rate us from 1 to 5.'), maxRetries: 1, invalidPrompt: say('From 1 to 5, please.'), next: 'thanks' },
    { id: 'thanks', type: 'hangup', prompt: say('Thank you.') },
  ];

  it('plays the hold prompt, routes with afterAgent continue, then runs the survey when the agent hangs up', () => {
    const call = new TestCall(nodes);
    call.start();
    expect(call.texts()).toEqual(['Please hold.']);
    expect(call.of('ivr.call.routed.v1')).toEqual([]);
    call.played();
    expect(call.of('ivr.call.routed.v1')).toEqual([expect.objectContaining({ queue: 'support', priority: 5, afterAgent: 'continue', callerNumber: CALLER, dialledNumber: DID, locale: 'en' })]);
    expect(call.of('ivr.call.completed.v1')).toEqual([]);
    expect(call.state.pending).toEqual({ kind: 'connected', continueAt: 'survey', onOverflow: {} });

    call.send({ type: 'unbridged' }, 120_000);
    expect(call.texts()).toEqual(['Rate us from 1 to 5.']);
    call.press('8');
    expect(call.texts()).toEqual(['From 1 to 5, please.', 'Rate us from 1 to 5.']);
    call.press('4');
    call.played();
    expect(call.path()).toEqual(['queue:party-hung-up', 'survey:answered', 'thanks:hangup']);
    expect(call.completed()).toMatchObject({ outcome: 'routed', survey: { nodeId: 'survey', score: 4 }, variables: { surveyScore: '4' } });
  });

  it('ends as routed when the caller hangs up while with the agent, and goes on without a score when the survey gets none', () => {
    const gone = new TestCall(nodes);
    gone.start();
    gone.played();
    gone.send({ type: 'call-ended', reason: 'caller-hangup' }, 60_000);
    expect(gone.completed()).toMatchObject({ outcome: 'routed', lastNodeId: 'queue' });

    const mute = new TestCall(nodes);
    mute.start();
    mute.played();
    mute.send({ type: 'unbridged' });
    mute.silence();
    mute.silence();
    expect(mute.path()).toEqual(['queue:party-hung-up', 'survey:no-input']);
    mute.played();
    expect(mute.completed().survey).toBeUndefined();
  });

  it('leaves the enqueue node at routing when nothing follows the agent, and completes as routed when the call ends', () => {
    const call = new TestCall([{ id: 'queue', type: 'enqueue', queue: 'sales' }]);
    call.start();
    expect(call.commands.map((c) => c.command.type)).toEqual(['answer']);
    expect(call.of('ivr.call.routed.v1')[0]).toMatchObject({ afterAgent: 'end', priority: 0, skills: [], attributes: {} });
    expect(call.path()).toEqual(['queue:routed']);
    expect(call.of('ivr.call.completed.v1')).toEqual([]);
    // The agent's hang-up (no survey after it) is ignored by the flow; the end of the call completes it.
    call.send({ type: 'unbridged' }, 30_000);
    expect(call.state.status).toBe('running');
    call.send({ type: 'call-ended', reason: 'agent-hangup' }, 1000);
    expect(call.completed()).toMatchObject({ outcome: 'routed', lastNodeId: 'queue' });
    expect(call.state.status).toBe('done');
  });

  it('takes back a call its queue overflows: on to the node named for the action, with the outcome of that node', () => {
    const nodes: NodeInput[] = [
      { id: 'queue', type: 'enqueue', queue: 'sales', onOverflow: { voicemail: 'vm' } },
      { id: 'vm', type: 'voicemail', prompt: say('Leave a message.'), mailbox: 'sales' },
    ];
    const call = new TestCall(nodes);
    call.start();
    expect(call.of('ivr.call.routed.v1')).toHaveLength(1);
    call.send({ type: 'overflowed', action: 'voicemail' }, 300_000);
    expect(call.texts()).toEqual(['Leave a message.']);
    expect(call.path()).toEqual(['queue:routed']);
    expect(call.of('ivr.call.node-visited.v1').at(-1)).toMatchObject({ nodeId: 'vm', transition: 'entered' });
    // A second overflow of the same call is not one the flow waits for.
    expect(call.send({ type: 'overflowed', action: 'voicemail' }).ignored).toBe('the call is not waiting in a queue');
  });

  it('apologises and hangs up when the flow names no node for the queue\'s overflow action', () => {
    const call = new TestCall([{ id: 'queue', type: 'enqueue', queue: 'sales', onOverflow: { voicemail: 'bye' } }, { id: 'bye', type: 'hangup' }]);
    call.start();
    call.send({ type: 'overflowed', action: 'callback' }, 300_000);
    expect(call.texts()).toEqual(['Sorry, nobody can take your call right now. Please call again later. Goodbye.']);
    call.played();
    expect(call.commands.at(-1)?.command).toEqual({ type: 'hangup', reason: 'the queue overflowed and the flow has no node for it' });
    expect(call.completed()).toMatchObject({ outcome: 'hangup' });
  });
});

describe('FlowExecutor: transfer', () => {
  const agentId = '3f1c1f8e-8c53-4b8a-9a53-1c1d2c3b4a5f';

  it('bridges to a number with the caller id and completes as transferred when it answers', () => {
    const call = new TestCall([{ id: 'out', type: 'transfer', target: { kind: 'number', number: '+442071234567' }, prompt: say('Transferring you.'), ringTimeoutMs: 20_000 }]);
    call.start();
    call.played();
    expect(call.lastCommand()).toEqual({ type: 'bridge-number', number: '+442071234567', callerId: CALLER, ringTimeoutMs: 20_000, afterHangup: 'end' });
    expect(call.send({ type: 'unbridged' }).ignored).toBeDefined();
    call.send({ type: 'bridged' }, 4000);
    expect(call.completed()).toMatchObject({ outcome: 'transferred', lastNodeId: 'out' });
  });

  it('takes the failure branch when the bridge fails, and fails the call when there is none', () => {
    const withBranch = new TestCall([{ id: 'out', type: 'transfer', target: { kind: 'agent', agentId }, onFailure: 'sorry' }, { id: 'sorry', type: 'voicemail', prompt: say('Leave a message.'), mailbox: 'general' }]);
    withBranch.start();
    expect(withBranch.lastCommand()).toEqual({ type: 'bridge-agent', agentId, ringTimeoutMs: 30_000, afterHangup: 'end' });
    withBranch.send({ type: 'command-failed', commandId: withBranch.waitingOn(), reason: 'failed', detail: 'no answer' }, 30_000);
    expect(withBranch.path()).toEqual(['out:failure']);
    expect(withBranch.texts()).toEqual(['Leave a message.']);

    const without = new TestCall([{ id: 'out', type: 'transfer', target: { kind: 'number', number: '+442071234567' } }]);
    without.start('en', 'anonymous');
    expect(without.lastCommand()).not.toHaveProperty('callerId');
    without.send({ type: 'command-failed', commandId: without.waitingOn(), reason: 'failed', detail: 'busy' });
    expect(without.lastCommand()).toEqual({ type: 'hangup', reason: expect.stringContaining('busy') });
    expect(without.completed()).toMatchObject({ outcome: 'failed', reason: 'the transfer to +442071234567 failed: busy' });
  });

  it('asks voice to keep the caller when the flow continues after the other party hangs up', () => {
    const call = new TestCall([
      { id: 'out', type: 'transfer', target: { kind: 'number', number: '+442071234567' }, afterHangup: 'survey' },
      { id: 'survey', type: 'survey', prompt: say('Rate us.'), next: 'bye' },
      bye,
    ]);
    call.start();
    expect(call.lastCommand()).toMatchObject({ afterHangup: 'continue' });
    call.send({ type: 'bridged' });
    call.send({ type: 'unbridged' }, 60_000);
    call.press('5');
    expect(call.completed()).toMatchObject({ outcome: 'transferred', survey: { score: 5 } });
  });
});

describe('FlowExecutor: voicemail and callback offer', () => {
  const voicemail: NodeInput = { id: 'vm', type: 'voicemail', prompt: say('Leave a message after the tone.'), mailbox: 'sales', maxSeconds: 90, thanksPrompt: say('Thanks.') };

  it('greets, records until the finish key, stops the recording, thanks and hangs up', () => {
    const call = new TestCall([voicemail]);
    call.start();
    call.played();
    expect(call.commands.slice(-2).map((c) => c.command)).toEqual([
      { type: 'record-start', channels: 'mono' },
      { type: 'collect', prompts: [], maxDigits: 64, terminator: '#', firstDigitTimeoutMs: 90_000, interDigitTimeoutMs: 60_000 },
    ]);
    call.press('', 'terminator', 30_000);
    expect(call.commands.slice(-2).map((c) => c.command.type)).toEqual(['record-stop', 'play']);
    call.played();
    expect(call.lastCommand()).toEqual({ type: 'hangup' });
    expect(call.completed()).toMatchObject({ outcome: 'voicemail', mailbox: 'sales' });
  });

  it('counts a caller who hangs up while recording as a voicemail, and one who hangs up during the greeting as abandoned', () => {
    const left = new TestCall([voicemail]);
    left.start();
    left.played();
    left.send({ type: 'call-ended', reason: 'caller-hangup' }, 20_000);
    expect(left.completed()).toMatchObject({ outcome: 'voicemail', mailbox: 'sales' });

    const gone = new TestCall([voicemail]);
    gone.start();
    gone.send({ type: 'call-ended', reason: 'caller-hangup' }, 500);
    expect(gone.completed()).toMatchObject({ outcome: 'abandoned' });
    expect(gone.completed().mailbox).toBeUndefined();
  });

  const offer = (numberVariable?: string): NodeInput[] => [
    { id: 'number', type: 'set-variable', variable: 'cb', value: 'not a number', next: 'offer' },
    { id: 'offer', type: 'callback-offer', prompt: say('Press 1 for a callback.'), queue: 'support', priority: 10, numberVariable, confirmPrompt: say('We will call you back.'), onDecline: 'wait' },
    { id: 'wait', type: 'enqueue', queue: 'support' },
  ];

  it('routes a callback request to the caller number on the accept key, confirms and hangs up', () => {
    const call = new TestCall(offer());
    call.start();
    call.press('1');
    expect(call.of('ivr.call.routed.v1')).toEqual([expect.objectContaining({ mode: 'callback', queue: 'support', priority: 10, callbackNumber: CALLER, afterAgent: 'end' })]);
    expect(call.texts()).toEqual(['We will call you back.']);
    call.played();
    expect(call.completed()).toMatchObject({ outcome: 'callback' });
  });

  it('declines on another key or silence, and when there is no E.164 number to call back', () => {
    const declined = new TestCall(offer());
    declined.start();
    declined.press('2');
    expect(declined.path()).toEqual(['number:next', 'offer:declined', 'wait:routed']);
    expect(declined.of('ivr.call.routed.v1')).toEqual([expect.objectContaining({ mode: 'live' })]);

    const noNumber = new TestCall(offer('cb'));
    noNumber.start();
    noNumber.press('1');
    expect(noNumber.path()).toEqual(['number:next', 'offer:no-number', 'wait:routed']);
  });
});

describe('FlowExecutor: limits, state and determinism', () => {
  it('ends a call that goes round without the caller ever taking the way out, after maxVisits nodes', () => {
    const call = new TestCall(
      [
        { id: 'count', type: 'set-variable', variable: 'n', value: '{{n}}1', next: 'check' },
        { id: 'check', type: 'condition', test: { kind: 'variables', comparisons: [{ variable: 'n', op: 'eq', value: 'never' }] }, whenTrue: 'bye', whenFalse: 'count' },
        bye,
      ],
      { maxVisits: 50 },
    );
    call.start();
    expect(call.state.visits).toBe(50);
    expect(call.lastCommand()).toEqual({ type: 'hangup', reason: expect.stringContaining('50 nodes') });
    expect(call.completed()).toMatchObject({ outcome: 'failed', nodesVisited: 50 });
    expect(call.state.variables.n).toHaveLength(25);
  });

  it('gives the same outputs when another instance continues the call from the saved state', () => {
    const nodes: NodeInput[] = [
      { id: 'main', type: 'menu', prompt: say('menu'), options: { '1': 'pin' }, onInvalid: 'bye' },
      { id: 'pin', type: 'collect', prompt: say('pin'), variable: 'pin', maxLength: 4, next: 'q', onInvalid: 'bye' },
      { id: 'q', type: 'enqueue', queue: 'sales' },
      bye,
    ];
    const script = (call: TestCall) => {
      call.start();
      call.press('5');
      call.press('1');
      call.press('1234');
    };
    const one = new TestCall(nodes);
    script(one);

    // Two instances, alternating: each step loads the JSON the other one saved.
    const a = new TestCall(nodes);
    const b = new FlowExecutor(flowOf(nodes), { flowId: FLOW_ID, flowVersion: 3 });
    const original = a.send.bind(a);
    let turn = 0;
    a.send = (input, afterMs = 0) => {
      if (turn++ % 2 === 0) return original(input, afterMs);
      a.now += afterMs;
      const result = b.step(JSON.parse(JSON.stringify(a.state)) as ExecutorState, { ...input, at: a.now } as ExecutorInput);
      a.commands.push(...result.commands);
      a.events.push(...result.events);
      a.state = result.state;
      a.last = result;
      return result;
    };
    script(a);
    expect(turn).toBe(4);
    expect(a.commands).toEqual(one.commands);
    expect(a.events).toEqual(one.events);
    expect(a.state).toEqual(one.state);
    expect(new Set(one.commands.map((c) => c.commandId)).size).toBe(one.commands.length);
  });

  it('refuses a state of another flow or version, an input without an instant, an invalid flow, and ids that are not UUIDs', () => {
    const executor = new FlowExecutor(flowOf([bye]), { flowId: FLOW_ID, flowVersion: 3 });
    const other = new FlowExecutor(flowOf([bye]), { flowId: FLOW_ID, flowVersion: 4 });
    expect(() => executor.step(other.initialState(CALL_ID), { type: 'call-started', at: T0, from: CALLER, to: DID })).toThrow(ExecutorStateError);
    expect(() => executor.step(executor.initialState(CALL_ID), { type: 'call-started', at: Number.NaN, from: CALLER, to: DID })).toThrow(/"at" must be an instant/);
    expect(() => new FlowExecutor(flowOf([{ id: 'x', type: 'play', prompt: say('x'), next: 'ghost' }]), { flowId: FLOW_ID, flowVersion: 1 })).toThrow(InvalidFlowError);
    expect(() => new FlowExecutor(flowOf([bye]), { flowId: 'flow-1', flowVersion: 1 })).toThrow(/flowId must be a UUID, got "flow-1"/);
    expect(() => new FlowExecutor(flowOf([bye]), { flowId: FLOW_ID, flowVersion: -1 })).toThrow(/flowVersion must be a whole number/);
    expect(() => executor.initialState('call-1')).toThrow(/callId must be a UUID/);
  });

  it('enters and leaves every node once per visit, in order, with the time spent there', () => {
    const call = new TestCall([{ id: 'hello', type: 'play', prompt: say('hi'), next: 'bye' }, bye]);
    call.start();
    call.played(2500);
    const visits = call.of('ivr.call.node-visited.v1').map((e) => [e.nodeId, e.transition, e.visit, e.durationMs]);
    expect(visits).toEqual([
      ['hello', 'entered', 1, undefined],
      ['hello', 'left', 1, 2500],
      ['bye', 'entered', 2, undefined],
      ['bye', 'left', 2, 0],
    ]);
  });
});
