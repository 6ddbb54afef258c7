import fc from 'fast-check';
import { flowDocumentSchema, simulationTraceSchema, voiceCommandSchema, type FlowDocument, type FlowDocumentInput, type Locale, type SimulationScriptInput } from '@parley/contracts';
import { edgesOf } from './flow-graph';
import { FlowExecutor } from './flow-executor';
import { type ExecutorInput, type ExecutorState, type JsonValue } from './flow-executor.types';
import { simulate } from './flow-simulator';
import { validateFlow, validateFlowDocument } from './flow-validator';
import { say } from './testing/flow-fixtures';

type NodeInput = FlowDocumentInput['nodes'][number];

function pick<T>(list: readonly T[], k: number): T {
  return list[k % list.length]!;
}

const NODE_TYPES = ['play', 'menu', 'collect', 'condition', 'data-dip', 'set-variable', 'enqueue', 'transfer', 'voicemail', 'callback-offer', 'survey', 'hangup'] as const;
const LAST_NODE_TYPES = ['hangup', 'enqueue', 'transfer', 'voicemail'] as const;
/** Nodes that lead on are drawn more often than endings, so random flows get some depth. */
const WEIGHTED_TYPES = [...NODE_TYPES, ...NODE_TYPES.filter((t) => !(LAST_NODE_TYPES as readonly string[]).includes(t)), 'menu', 'collect', 'condition', 'play'] as const;
const MAX_VISITS = 80;

/** Random numbers a node is built from (so shrinking works on plain integers). */
const nodeSeed = fc.record({
  type: fc.constantFrom(...WEIGHTED_TYPES),
  last: fc.constantFrom(...LAST_NODE_TYPES),
  r: fc.array(fc.nat({ max: 1_000_000 }), { minLength: 8, maxLength: 8 }),
  flags: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
});
type NodeSeed = typeof nodeSeed extends fc.Arbitrary<infer T> ? T : never;

/**
 * A random flow that is valid by construction: every node's main branch goes forward (to a later
 * node), other branches go anywhere (loops included), the last node is an ending, and nodes the
 * start cannot reach are dropped. So every node can reach an ending, whatever loops it has.
 */
function buildFlow(seeds: NodeSeed[], locales: Locale[]): FlowDocument {
  const n = seeds.length;
  const id = (i: number) => `n${i}`;
  const nodes: NodeInput[] = seeds.map((seed, i) => {
    const r = (k: number) => seed.r[k] ?? 0;
    const forward = (k: number) => id(i + 1 + (r(k) % Math.min(3, n - i - 1)));
    const anywhere = (k: number) => id(r(k) % n);
    const prompt = say(`node ${i} in {locale}, you entered {{v${r(7) % 3}}}`, locales);
    const type = i === n - 1 ? seed.last : seed.type;
    switch (type) {
      case 'play':
        return { id: id(i), type, prompt, bargeIn: seed.flags[0], next: forward(0) };
      case 'menu': {
        const options: Record<string, string> = {};
        for (let k = 0; k <= r(1) % 3; k++) options[String((r(2) + k) % 10)] = anywhere(3 + k);
        return { id: id(i), type, prompt, options, maxRetries: r(5) % 3, timeoutMs: 1000 + (r(6) % 5000), invalidPrompt: seed.flags[0] ? prompt : undefined, onInvalid: forward(0), onNoInput: seed.flags[1] ? anywhere(4) : undefined };
      }
      case 'collect': {
        const min = 1 + (r(1) % 3);
        return { id: id(i), type, prompt, variable: `v${r(2) % 3}`, minLength: min, maxLength: min + (r(3) % 4), terminator: seed.flags[0] ? '#' : undefined, pattern: seed.flags[1] ? '[0-9]+' : undefined, maxRetries: r(5) % 3, next: anywhere(4), onInvalid: forward(0) };
      }
      case 'condition': {
        const tests = [
          { kind: 'business-hours' as const, timeZone: pick(['UTC', 'Asia/Shanghai', 'America/New_York'], r(1)), weekly: [{ day: pick(['mon', 'tue', 'sat'] as const, r(2)), open: '09:00', close: '17:00' }], holidays: seed.flags[1] ? [{ date: '2026-03-02' }] : [] },
          { kind: 'caller-number' as const, pattern: pick(['^\\+1', '^\\+33', '5$'], r(1)) },
          { kind: 'variables' as const, match: seed.flags[1] ? ('any' as const) : ('all' as const), comparisons: [{ variable: `v${r(2) % 3}`, op: pick(['eq', 'gt', 'exists', 'matches'] as const, r(3)), value: '1' }] },
        ];
        return { id: id(i), type, test: pick(tests, r(6)), whenTrue: anywhere(4), whenFalse: forward(0) };
      }
      case 'data-dip':
        return { id: id(i), type, url: 'https://hooks.example.com/ivr', timeoutMs: 200 + (r(1) % 2000), sendVariables: ['v0'], map: [{ path: 'a.b', variable: `v${r(2) % 3}`, required: seed.flags[0] }], next: anywhere(4), onFailure: forward(0) };
      case 'set-variable':
        return { id: id(i), type, variable: `v${r(2) % 3}`, value: `{{v${r(3) % 3}}}${r(1) % 10}`, next: forward(0) };
      case 'enqueue':
        return { id: id(i), type, queue: `q${r(1) % 3}`, priority: r(2) % 101, prompt: seed.flags[0] ? prompt : undefined, afterAgent: seed.flags[1] && i < n - 1 ? forward(0) : undefined };
      case 'transfer':
        return { id: id(i), type, target: { kind: 'number', number: '+442071234567' }, prompt: seed.flags[0] ? prompt : undefined, onFailure: seed.flags[1] ? anywhere(4) : undefined, afterHangup: seed.flags[2] ? anywhere(5) : undefined };
      case 'voicemail':
        return { id: id(i), type, prompt, mailbox: 'general', maxSeconds: 5 + (r(1) % 100), thanksPrompt: seed.flags[0] ? prompt : undefined };
      case 'callback-offer':
        return { id: id(i), type, prompt, queue: 'support', numberVariable: seed.flags[0] ? `v${r(2) % 3}` : undefined, confirmPrompt: seed.flags[1] ? prompt : undefined, onDecline: anywhere(4) };
      case 'survey':
        return { id: id(i), type, prompt, maxRetries: r(5) % 3, next: forward(0) };
      case 'hangup':
        return { id: id(i), type, prompt: seed.flags[0] ? prompt : undefined };
    }
  });
  const parsed = flowDocumentSchema.parse({ schemaVersion: 1, name: 'random', locales, defaultLocale: locales[0], startNodeId: 'n0', nodes });
  const byId = new Map(parsed.nodes.map((node) => [node.id, node]));
  const reachable = new Set(['n0']);
  const todo = ['n0'];
  while (todo.length > 0) {
    for (const { target } of edgesOf(byId.get(todo.pop() as string)!)) {
      if (!reachable.has(target)) {
        reachable.add(target);
        todo.push(target);
      }
    }
  }
  return { ...parsed, nodes: parsed.nodes.filter((node) => reachable.has(node.id)) };
}

const flowArb = fc
  .tuple(fc.array(nodeSeed, { minLength: 2, maxLength: 16 }), fc.constantFrom<Locale[]>(['en'], ['zh-CN'], ['en', 'zh-CN'], ['zh-CN', 'en']))
  .map(([seeds, locales]) => buildFlow(seeds, locales));

const BODIES: JsonValue[] = [{ a: { b: 'x' } }, { a: { b: 7 } }, {}];
const DTMF = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];
const scriptArb: fc.Arbitrary<SimulationScriptInput> = fc.record(
  {
    startAt: fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') }).map((ms) => new Date(ms).toISOString()),
    callerNumber: fc.constantFrom('+15555550123', '+33612345678', 'anonymous'),
    locale: fc.constantFrom<Locale>('en', 'zh-CN'),
    digits: fc.array(fc.record({ digits: fc.array(fc.constantFrom(...DTMF), { maxLength: 6 }).map((keys) => keys.join('')), delayMs: fc.nat({ max: 9000 }), interDigitMs: fc.nat({ max: 4000 }) }), { maxLength: 12 }),
    webhooks: fc.array(fc.record({ nodeId: fc.constantFrom('n0', 'n1', 'n2', 'n3', 'n4', 'n5'), status: fc.constantFrom(200, 404, 500), body: fc.constantFrom(...BODIES), latencyMs: fc.nat({ max: 3000 }) }), { maxLength: 4 }),
    transfers: fc.array(fc.constantFrom<'answered' | 'failed'>('answered', 'failed'), { maxLength: 3 }),
    callerHangupAfterMs: fc.nat({ max: 200_000 }),
    agentTalkMs: fc.nat({ max: 100_000 }),
    promptMs: fc.nat({ max: 3000 }),
  },
  { requiredKeys: ['startAt'] },
);

describe('flow properties', () => {
  it('random flows built valid are valid: the validator finds no error in them', () => {
    fc.assert(
      fc.property(flowArb, (flow) => {
        expect(validateFlow(flow).errors).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('simulating any valid flow with any script never throws and reaches an outcome within a bounded number of steps, the same way twice', () => {
    fc.assert(
      fc.property(flowArb, scriptArb, (flow, script) => {
        const trace = simulate(flow, script, { maxVisits: MAX_VISITS });
        expect(simulationTraceSchema.safeParse(trace).success).toBe(true);
        expect(trace.completed.outcome).toBe(trace.outcome);
        expect(trace.nodes.length).toBeLessThanOrEqual(MAX_VISITS);
        // Each visit takes at most one answer per try of a question (6) plus a few playbacks.
        expect(trace.steps).toBeLessThanOrEqual(MAX_VISITS * 10 + 5);
        // Every node entered was left, by a named branch.
        expect(trace.nodes.every((node) => node.exit !== undefined && node.leftAtMs !== undefined)).toBe(true);
        for (const { command } of trace.commands) expect(voiceCommandSchema.safeParse(command).success).toBe(true);
        expect(simulate(flow, script, { maxVisits: MAX_VISITS })).toEqual(trace);
      }),
      { numRuns: 150 },
    );
  });

  it('the executor never throws on any sequence of inputs, stale or not, and ends exactly once', () => {
    const inputArb = fc.record({ kind: fc.nat({ max: 9 }), digits: fc.array(fc.constantFrom(...DTMF), { maxLength: 5 }).map((k) => k.join('')), stale: fc.boolean(), afterMs: fc.nat({ max: 10_000 }) });
    fc.assert(
      fc.property(flowArb, fc.array(inputArb, { maxLength: 40 }), (flow, inputs) => {
        const executor = new FlowExecutor(flow, { flowId: '0b8e6f4e-1a4c-4d2b-8f0e-2a3b4c5d6e7f', flowVersion: 1, maxVisits: MAX_VISITS });
        let state: ExecutorState = executor.initialState('6f1c1f8e-8c53-4b8a-9a53-1c1d2c3b4a5f');
        let at = Date.parse('2026-03-02T15:00:00Z');
        let completed = 0;
        const feed = (input: ExecutorInput) => {
          const result = executor.step(JSON.parse(JSON.stringify(state)) as ExecutorState, input);
          completed += result.events.filter((e) => e.topic === 'ivr.call.completed.v1').length;
          state = result.state;
        };
        feed({ type: 'call-started', at, from: '+15555550123', to: '+18005550100' });
        for (const step of inputs) {
          at += step.afterMs;
          const pending = state.pending;
          const waited = pending !== undefined && 'commandId' in pending ? pending.commandId : 'ffffffff-ffff-4fff-bfff-ffffffffffff';
          const commandId = step.stale ? '11111111-1111-4111-8111-111111111111' : waited;
          const requestId = !step.stale && pending?.kind === 'webhook' ? pending.requestId : commandId;
          const timerId = !step.stale && pending?.kind === 'webhook' ? pending.timerId : commandId;
          const candidates: ExecutorInput[] = [
            { type: 'playback-finished', at, commandId, outcome: 'completed' },
            { type: 'digits-collected', at, commandId, digits: step.digits, outcome: step.digits === '' ? 'timeout' : 'max-digits' },
            { type: 'digits-collected', at, commandId, digits: step.digits, outcome: 'terminator' },
            { type: 'webhook-result', at, requestId, result: { ok: true, status: 200, body: { a: { b: step.digits } } } },
            { type: 'webhook-result', at, requestId, result: { ok: false, error: 'timeout' } },
            { type: 'timer', at, timerId },
            { type: 'bridged', at },
            { type: 'unbridged', at },
            { type: 'command-failed', at, commandId, reason: 'failed', detail: 'simulated' },
            { type: 'call-ended', at, reason: 'caller-hangup' },
          ];
          feed(candidates[step.kind]!);
        }
        if (state.status !== 'done') feed({ type: 'call-ended', at, reason: 'caller-hangup' });
        expect(state.status).toBe('done');
        expect(completed).toBe(1);
        expect(state.visits).toBeLessThanOrEqual(MAX_VISITS);
      }),
      { numRuns: 150 },
    );
  });

  it('validating any JSON value never throws and explains what is wrong', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const result = validateFlowDocument(value);
        expect(result.errors.length).toBeGreaterThan(0);
        for (const error of result.errors) expect(error.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});
