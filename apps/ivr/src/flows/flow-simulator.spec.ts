import { simulationTraceSchema, type FlowDocument, type SimulationTrace } from '@parley/contracts';
import { demoFlow } from './demo-flow';
import { InvalidFlowError } from './flow-executor';
import { SIMULATED_CALL_ID, simulate, SimulationScriptError } from './flow-simulator';
import { flowOf, say } from './testing/flow-fixtures';

const MONDAY_10AM_NEW_YORK = '2026-03-02T15:00:00Z';

function texts(trace: SimulationTrace): string[] {
  return trace.prompts.map((p) => (p.prompt.kind === 'text' ? p.prompt.text : p.prompt.uri));
}

function path(trace: SimulationTrace): string[] {
  return trace.nodes.map((n) => `${n.nodeId}:${n.exit ?? '-'}`);
}

/** The demo flow as a tenant who closed on Sundays would have it. */
function demoClosedOnSundays(): FlowDocument {
  const flow = demoFlow('en');
  return {
    ...flow,
    nodes: flow.nodes.map((node) =>
      node.type === 'condition' && node.test.kind === 'business-hours' ? { ...node, test: { ...node.test, weekly: node.test.weekly.filter((period) => period.day !== 'sun') } } : node,
    ),
  };
}

describe('simulate: the demo flow', () => {
  const flow = demoFlow('en');

  it('routes a caller who presses 1 to sales, with the full trace', () => {
    const trace = simulate(flow, { startAt: MONDAY_10AM_NEW_YORK, digits: [{ digits: '1', delayMs: 2500 }] });
    expect(simulationTraceSchema.parse(trace)).toEqual(trace);
    expect(trace.outcome).toBe('routed');
    expect(path(trace)).toEqual(['welcome:next', 'business-hours:true', 'main-menu:option:1', 'sales:routed']);
    expect(texts(trace)).toEqual(['Welcome to Parley, the demo contact center.', 'For sales, press 1. For support, press 2.', 'Please hold while we connect you to sales.']);
    // welcome 2 s, the key 2.5 s after the menu starts, the hold prompt 2 s.
    expect(trace.nodes.map((n) => [n.enteredAtMs, n.leftAtMs])).toEqual([
      [0, 2000],
      [2000, 2000],
      [2000, 4500],
      [4500, 6500],
    ]);
    expect(trace.routed).toMatchObject({ queue: 'sales', mode: 'live', callId: SIMULATED_CALL_ID, callerNumber: '+15555550123', dialledNumber: '+18005550100', attributes: { entry: 'ivr-menu-1' } });
    // The call stays the IVR's until it ends: the agent talks (60 s by default), then hangs up.
    expect(trace.completed).toMatchObject({ outcome: 'routed', durationMs: 66_500, nodesVisited: 4 });
    expect(trace.commands.map((c) => c.command.type)).toEqual(['answer', 'play', 'collect', 'play']);
    expect(trace.inputs.map((i) => i.type)).toEqual(['call-started', 'playback-finished', 'digits-collected', 'playback-finished', 'call-ended']);
  });

  it('routes a caller who presses 2 to support', () => {
    const trace = simulate(flow, { startAt: MONDAY_10AM_NEW_YORK, digits: [{ digits: '2' }] });
    expect(trace.routed?.queue).toBe('support');
    expect(path(trace)).toEqual(['welcome:next', 'business-hours:true', 'main-menu:option:2', 'support:routed']);
  });

  it('asks again after a wrong key, then takes a right one', () => {
    const trace = simulate(flow, { startAt: MONDAY_10AM_NEW_YORK, digits: [{ digits: '9', delayMs: 2500 }, { digits: '2', delayMs: 4500 }] });
    expect(trace.routed?.queue).toBe('support');
    expect(texts(trace)).toEqual([
      'Welcome to Parley, the demo contact center.',
      'For sales, press 1. For support, press 2.',
      'Sorry, that is not one of the choices.',
      'For sales, press 1. For support, press 2.',
      'Please hold while we connect you to support.',
    ]);
  });

  it('hangs up with a goodbye after three wrong keys', () => {
    const trace = simulate(flow, { startAt: MONDAY_10AM_NEW_YORK, digits: [{ digits: '9' }, { digits: '*' }, { digits: '0' }] });
    expect(trace.outcome).toBe('hangup');
    expect(path(trace)).toEqual(['welcome:next', 'business-hours:true', 'main-menu:invalid', 'goodbye:hangup']);
    expect(trace.commands.filter((c) => c.command.type === 'collect')).toHaveLength(3);
    expect(texts(trace).at(-1)).toBe('We could not understand your choice. Please call again later. Goodbye.');
    expect(trace.commands.at(-1)?.command).toEqual({ type: 'hangup', reason: 'no valid menu choice' });
    expect(trace.routed).toBeUndefined();
  });

  it('hangs up after three silences, each asked with the no-input prompt first', () => {
    const trace = simulate(flow, { startAt: MONDAY_10AM_NEW_YORK });
    expect(path(trace)).toEqual(['welcome:next', 'business-hours:true', 'main-menu:no-input', 'goodbye:hangup']);
    expect(texts(trace).filter((t) => t.startsWith('Sorry, we did not hear'))).toHaveLength(2);
    // welcome 2 s + three times (prompts + 5 s timeout) + goodbye 2 s
    expect(trace.durationMs).toBe(2000 + (2000 + 5000) + 2 * (4000 + 5000) + 2000);
  });

  it('counts a key pressed after the timeout as silence', () => {
    const trace = simulate(flow, { startAt: MONDAY_10AM_NEW_YORK, digits: [{ digits: '1', delayMs: 7001 }, { digits: '1', delayMs: 7000 }] });
    expect(trace.routed?.queue).toBe('sales');
    expect(trace.inputs.filter((i) => i.type === 'digits-collected').map((i) => i.summary.split(' ').slice(1).join(' '))).toEqual(['"" timeout', '"1" max-digits']);
  });

  it('takes a voicemail when the business hours say closed', () => {
    const sunday = '2026-03-08T17:00:00Z';
    expect(simulate(flow, { startAt: sunday, digits: [{ digits: '1' }] }).outcome).toBe('routed'); // open around the clock
    const trace = simulate(demoClosedOnSundays(), { startAt: sunday, digits: [{ digits: '#', delayMs: 25_000 }] });
    expect(trace.outcome).toBe('voicemail');
    expect(path(trace)).toEqual(['welcome:next', 'business-hours:false', 'closed:hangup']);
    expect(trace.commands.map((c) => c.command.type)).toEqual(['answer', 'play', 'play', 'record-start', 'collect', 'record-stop', 'play', 'hangup']);
    expect(trace.completed.mailbox).toBe('general');
    expect(texts(trace).at(-1)).toBe('Thank you for your message. Goodbye.');
  });

  it('reports a caller who hangs up during the menu as abandoned there, and drops the prompts never heard', () => {
    const trace = simulate(flow, { startAt: MONDAY_10AM_NEW_YORK, callerHangupAfterMs: 3000 });
    expect(trace.outcome).toBe('abandoned');
    expect(path(trace)).toEqual(['welcome:next', 'business-hours:true', 'main-menu:caller-hangup']);
    expect(trace.completed).toMatchObject({ lastNodeId: 'main-menu', durationMs: 3000 });
    expect(trace.inputs.slice(-2).map((i) => [i.type, i.ignored !== undefined])).toEqual([
      ['digits-collected', true],
      ['call-ended', false],
    ]);
  });

  it('speaks Chinese in the zh-CN demo flow', () => {
    const trace = simulate(demoFlow('zh-CN'), { startAt: MONDAY_10AM_NEW_YORK, locale: 'zh-CN', digits: [{ digits: '2' }] });
    expect(trace.locale).toBe('zh-CN');
    expect(texts(trace)).toEqual(['欢迎致电 Parley 演示联络中心。', '销售请按 1，技术支持请按 2。', '正在为您转接技术支持，请稍候。']);
    expect(trace.prompts.every((p) => p.prompt.kind === 'text' && p.prompt.locale === 'zh-CN')).toBe(true);
  });

  it('is deterministic: the same flow and script give the same trace, down to the command ids', () => {
    const script = { startAt: MONDAY_10AM_NEW_YORK, digits: [{ digits: '5' }, { digits: '1' }] };
    const first = simulate(flow, script);
    expect(simulate(demoFlow('en'), script)).toEqual(first);
    expect(JSON.stringify(simulate(flow, script))).toBe(JSON.stringify(first));
    const otherCall = simulate(flow, { ...script, callId: '7a1c1f8e-8c53-4b8a-9a53-1c1d2c3b4a5f' });
    expect(otherCall.commands[0]?.commandId).not.toBe(first.commands[0]?.commandId);
  });

  it('cuts the prompts of a question short when a key comes during them (barge-in)', () => {
    const trace = simulate(flow, { startAt: MONDAY_10AM_NEW_YORK, digits: [{ digits: '9', delayMs: 500 }, { digits: '1', delayMs: 1000 }] });
    // The retry plays "Sorry..." then the menu; the key at 1 s cuts the menu prompt off.
    expect(texts(trace)).toEqual(['Welcome to Parley, the demo contact center.', 'For sales, press 1. For support, press 2.', 'Sorry, that is not one of the choices.', 'Please hold while we connect you to sales.']);
  });
});

describe('simulate: scripted webhooks, transfers, agents', () => {
  const dipFlow = flowOf([
    {
      id: 'crm',
      type: 'data-dip',
      url: 'https://crm.example.com/lookup',
      timeoutMs: 1000,
      map: [{ path: 'tier', variable: 'tier', required: true }],
      next: 'tier',
      onFailure: 'general',
    },
    { id: 'tier', type: 'condition', test: { kind: 'variables', comparisons: [{ variable: 'tier', op: 'eq', value: 'gold' }] }, whenTrue: 'vip', whenFalse: 'general' },
    { id: 'vip', type: 'transfer', target: { kind: 'number', number: '+442071234567' }, onFailure: 'general', afterHangup: 'survey' },
    { id: 'general', type: 'enqueue', queue: 'general', afterAgent: 'survey' },
    { id: 'survey', type: 'survey', prompt: say('Rate us from 1 to 5.'), next: 'bye' },
    { id: 'bye', type: 'hangup', prompt: say('Goodbye, {{tier}} customer.') },
  ]);
  const startAt = MONDAY_10AM_NEW_YORK;

  it('feeds the scripted webhook answer to the data dip and records the request', () => {
    const trace = simulate(dipFlow, { startAt, webhooks: [{ nodeId: 'crm', body: { tier: 'gold' }, latencyMs: 250 }], digits: [{ digits: '5' }] });
    expect(path(trace)).toEqual(['crm:next', 'tier:true', 'vip:party-hung-up', 'survey:answered', 'bye:hangup']);
    expect(trace.webhooks).toEqual([expect.objectContaining({ atMs: 0, nodeId: 'crm', method: 'POST', answer: 'HTTP 200 after 250 ms: {"tier":"gold"}' })]);
    expect(trace.variables).toEqual({ tier: 'gold', surveyScore: '5' });
    expect(trace.outcome).toBe('transferred');
    expect(trace.completed.survey).toEqual({ nodeId: 'survey', score: 5 });
    expect(texts(trace).at(-1)).toBe('Goodbye, gold customer.');
    // 250 ms dip, 3 s ringing, 60 s with the other party, survey, goodbye
    expect(trace.nodes.find((n) => n.nodeId === 'survey')?.enteredAtMs).toBe(250 + 3000 + 60_000);
  });

  it('fails the data dip on a slow webhook, a network error, or no scripted answer', () => {
    const slow = simulate(dipFlow, { startAt, webhooks: [{ nodeId: 'crm', body: { tier: 'gold' }, latencyMs: 1500 }] });
    expect(slow.nodes[0]).toMatchObject({ nodeId: 'crm', exit: 'failure', leftAtMs: 1000, detail: expect.stringContaining('timeout') });
    expect(simulate(dipFlow, { startAt, webhooks: [{ nodeId: 'crm', error: 'network' }] }).nodes[0]?.exit).toBe('failure');
    const unscripted = simulate(dipFlow, { startAt });
    expect(unscripted.nodes[0]?.detail).toContain('no webhook answer for node crm');
    expect(unscripted.routed?.queue).toBe('general');
  });

  it('takes the transfer failure branch when the script says the transfer fails', () => {
    const trace = simulate(dipFlow, { startAt, webhooks: [{ nodeId: 'crm', body: { tier: 'gold' } }], transfers: ['failed'], agentTalkMs: 1000, callerHangupAfterMs: 200_000 });
    expect(path(trace).slice(0, 3)).toEqual(['crm:next', 'tier:true', 'vip:failure']);
    expect(trace.routed?.queue).toBe('general');
    expect(trace.outcome).toBe('routed');
  });

  it('refuses a script with bad fields, naming them, and a flow with graph errors', () => {
    expect(() => simulate(dipFlow, { startAt: 'yesterday' })).toThrow(SimulationScriptError);
    expect(() => simulate(dipFlow, { startAt, digits: [{ digits: '12x' }] })).toThrow(/digits\.0\.digits: must be DTMF digits/);
    expect(() => simulate(dipFlow, { startAt, webhooks: [{ nodeId: 'crm', error: 'network', body: {} }] })).toThrow(/webhooks\.0\.error/);
    expect(() => simulate(flowOf([{ id: 'a', type: 'play', prompt: say('a'), next: 'a' }]), { startAt })).toThrow(InvalidFlowError);
  });
});

describe('simulate: a queue that gives the call back', () => {
  it('runs the demo flow as the live call would when the support queue overflows to voicemail after its maximum wait', () => {
    const trace = simulate(demoFlow('en'), { startAt: MONDAY_10AM_NEW_YORK, digits: [{ digits: '2', delayMs: 1000 }, { digits: '#', delayMs: 20_000 }], overflow: { action: 'voicemail', afterMs: 300_000 } });
    expect(path(trace)).toEqual(['welcome:next', 'business-hours:true', 'main-menu:option:2', 'support:routed', 'busy:hangup']);
    expect(trace.inputs.map((i) => i.type)).toContain('overflowed');
    expect(trace.outcome).toBe('voicemail');
    expect(trace.completed).toMatchObject({ outcome: 'voicemail', mailbox: 'general' });
  });
});

describe('simulate: one connection after another', () => {
  it('ends the second connection too when a transfer whose far end hung up goes on to a queue', () => {
    const flow = flowOf([
      { id: 'out', type: 'transfer', target: { kind: 'number', number: '+442071234567' }, ringTimeoutMs: 30_000, afterHangup: 'queue' },
      { id: 'queue', type: 'enqueue', queue: 'q0' },
    ]);
    const trace = simulate(flow, { startAt: MONDAY_10AM_NEW_YORK });
    expect(path(trace)).toEqual(['out:party-hung-up', 'queue:routed']);
    expect(trace.inputs.map((i) => i.type)).toEqual(['call-started', 'bridged', 'unbridged', 'call-ended']);
    expect(trace.outcome).toBe('transferred');
  });
});
