import { flowErrorCodeSchema, flowWarningCodeSchema } from '@parley/contracts';
import { demoFlow } from './demo-flow';
import { validateFlow, validateFlowDocument } from './flow-validator';
import { flowInput, flowOf, say } from './testing/flow-fixtures';

const bye = { id: 'bye', type: 'hangup' } as const;

function menu(id: string, options: Record<string, string>, onInvalid = 'bye') {
  return { id, type: 'menu', prompt: say(`menu ${id}`), options, onInvalid } as const;
}

describe('validateFlow', () => {
  it('accepts the demo flow in both locales with no errors and no warnings', () => {
    expect(validateFlow(demoFlow('en'))).toEqual({ errors: [], warnings: [] });
    expect(validateFlow(demoFlow('zh-CN'))).toEqual({ errors: [], warnings: [] });
  });

  it('refuses a dangling branch, naming the node and the field', () => {
    const result = validateFlow(flowOf([menu('main', { '1': 'sales', '2': 'bye' }), bye]));
    expect(result.errors).toEqual([{ code: 'dangling-branch', nodeId: 'main', field: 'options.1', message: expect.stringContaining('"sales", which does not exist') }]);
  });

  it('refuses a start node that does not exist', () => {
    const result = validateFlow(flowOf([bye], { startNodeId: 'nowhere' }));
    expect(result.errors).toContainEqual(expect.objectContaining({ code: 'missing-start-node', field: 'startNodeId' }));
  });

  it('refuses unreachable nodes, one error per node', () => {
    const result = validateFlow(
      flowOf([
        { id: 'hello', type: 'play', prompt: say('hi'), next: 'bye' },
        bye,
        { id: 'orphan', type: 'play', prompt: say('never'), next: 'orphan-2' },
        { id: 'orphan-2', type: 'hangup' },
      ]),
    );
    expect(result.errors.map((e) => [e.code, e.nodeId, e.field])).toEqual([
      ['unreachable-node', 'orphan', 'id'],
      ['unreachable-node', 'orphan-2', 'id'],
    ]);
  });

  it('refuses a menu whose every branch comes back to itself (a loop with no way out)', () => {
    const result = validateFlow(flowOf([{ id: 'loop', type: 'menu', prompt: say('press a key'), options: { '1': 'loop', '2': 'again' }, onInvalid: 'loop' }, { id: 'again', type: 'play', prompt: say('again'), next: 'loop' }]));
    expect(result.errors.map((e) => [e.code, e.nodeId])).toEqual([
      ['loop-without-exit', 'loop'],
      ['loop-without-exit', 'again'],
    ]);
    expect(result.errors[0]?.message).toContain('"again"');
  });

  it('accepts a loop that has a way out, and reports only the trapped part of a flow', () => {
    expect(validateFlow(flowOf([menu('loop', { '1': 'loop', '9': 'bye' }, 'loop'), bye])).errors).toEqual([]);
    const result = validateFlow(
      flowOf([
        menu('main', { '1': 'bye', '2': 'trap' }),
        bye,
        { id: 'trap', type: 'set-variable', variable: 'x', value: '1', next: 'trap-2' },
        { id: 'trap-2', type: 'condition', test: { kind: 'variables', comparisons: [{ variable: 'x', op: 'eq', value: '1' }] }, whenTrue: 'trap', whenFalse: 'trap' },
      ]),
    );
    expect(result.errors.map((e) => [e.code, e.nodeId, e.field])).toEqual([
      ['loop-without-exit', 'trap', 'next'],
      ['loop-without-exit', 'trap-2', 'whenTrue'],
    ]);
  });

  it('refuses prompts missing for one of the flow locales, naming the field and the locale', () => {
    const result = validateFlow(
      flowOf(
        [
          { id: 'main', type: 'menu', prompt: say('choose', ['en', 'zh-CN']), invalidPrompt: say('wrong'), options: { '1': 'bye' }, onInvalid: 'bye' },
          { id: 'bye', type: 'hangup', prompt: say('bye', ['zh-CN']) },
        ],
        { locales: ['en', 'zh-CN'] },
      ),
    );
    expect(result.errors.map((e) => [e.code, e.nodeId, e.field])).toEqual([
      ['missing-prompt', 'main', 'invalidPrompt.zh-CN'],
      ['missing-prompt', 'bye', 'prompt.en'],
    ]);
  });

  it('refuses duplicate node ids and a default locale the flow does not speak', () => {
    const result = validateFlow(flowOf([bye, { id: 'bye', type: 'hangup' }], { locales: ['en'], defaultLocale: 'zh-CN' }));
    expect(result.errors.map((e) => e.code).sort()).toEqual(['default-locale-not-listed', 'duplicate-node-id']);
  });

  it('warns on the fourth nested menu, not on the third, and not on branches back up', () => {
    const three = flowOf([menu('m1', { '1': 'm2', '0': 'bye' }), menu('m2', { '1': 'm3', '0': 'm1' }), menu('m3', { '1': 'bye', '0': 'm1' }), bye]);
    expect(validateFlow(three)).toEqual({ errors: [], warnings: [] });

    const four = flowOf([
      menu('m1', { '1': 'info', '0': 'bye' }),
      { id: 'info', type: 'play', prompt: say('info'), next: 'm2' },
      menu('m2', { '1': 'm3', '0': 'm1' }),
      menu('m3', { '1': 'm4', '0': 'm1' }),
      menu('m4', { '1': 'bye', '0': 'm1' }, 'm1'),
      bye,
    ]);
    const result = validateFlow(four);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([{ code: 'menu-too-deep', nodeId: 'm4', field: 'type', message: expect.stringContaining('m1 → m2 → m3 → m4') }]);
  });

  it('warns when a text prompt is filed under another locale and when a variable is read but never set', () => {
    const result = validateFlow(
      flowOf([
        { id: 'hello', type: 'play', prompt: { en: [{ kind: 'text', text: 'Hello {{name}}, you called {{call.to}}', locale: 'zh-CN' }] }, next: 'bye' },
        bye,
      ]),
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => [w.code, w.nodeId, w.field])).toEqual([
      ['prompt-locale-mismatch', 'hello', 'prompt.en.0.locale'],
      ['variable-never-set', 'hello', 'prompt.en.0.text'],
    ]);
  });

  it('uses only the declared issue codes', () => {
    const result = validateFlow(flowOf([menu('loop', { '1': 'loop', '2': 'ghost' }, 'loop'), { id: 'orphan', type: 'hangup', prompt: say('x', ['zh-CN']) }], { locales: ['en', 'zh-CN'] }));
    expect(result.errors.length).toBeGreaterThan(3);
    for (const error of result.errors) expect(flowErrorCodeSchema.options).toContain(error.code);
    for (const warning of result.warnings) expect(flowWarningCodeSchema.options).toContain(warning.code);
  });
});

describe('validateFlowDocument', () => {
  it('returns the parsed flow with defaults applied when the document is valid', () => {
    const result = validateFlowDocument(flowInput([menu('main', { '1': 'bye' }), bye]));
    expect(result.errors).toEqual([]);
    expect(result.flow?.nodes[0]).toMatchObject({ id: 'main', maxRetries: 2, timeoutMs: 5000 });
  });

  it('turns shape errors into invalid-document errors naming the node id and the field', () => {
    const result = validateFlowDocument(
      flowInput([
        { id: 'ask', type: 'collect', prompt: say('pin'), variable: 'pin', minLength: 6, maxLength: 4, pattern: '([0-9]', next: 'bye', onInvalid: 'bye' },
        { id: 'hours', type: 'condition', test: { kind: 'business-hours', timeZone: 'Mars/Olympus', weekly: [{ day: 'mon', open: '18:00', close: '09:00' }] }, whenTrue: 'bye', whenFalse: 'bye' },
        { id: 'dip', type: 'data-dip', url: 'http://crm.example.com/lookup', next: 'bye', onFailure: 'bye' },
        bye,
      ]),
    );
    expect(result.flow).toBeUndefined();
    const found = result.errors.map((e) => [e.code, e.nodeId, e.field]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['invalid-document', 'ask', 'pattern'],
        ['invalid-document', 'ask', 'minLength'],
        ['invalid-document', 'hours', 'test.timeZone'],
        ['invalid-document', 'hours', 'test.weekly.0.close'],
        ['invalid-document', 'dip', 'url'],
      ]),
    );
    expect(result.errors.find((e) => e.field === 'test.timeZone')?.message).toMatch(/node "hours" test\.timeZone: must be an IANA time zone/);
    expect(result.errors.find((e) => e.field === 'url')?.message).toContain('https://');
  });

  it('names an unknown node type and document-level mistakes', () => {
    const unknownType = validateFlowDocument(flowInput([{ id: 'x', type: 'teleport' } as never]));
    expect(unknownType.errors).toEqual([expect.objectContaining({ code: 'invalid-document', nodeId: 'x', field: 'type', message: expect.stringContaining("'play' | 'menu'") })]);
    const twice = validateFlowDocument({ ...flowInput([bye]), locales: ['en', 'en'] });
    expect(twice.errors).toEqual([expect.objectContaining({ code: 'invalid-document', field: 'locales', message: 'locales: must not list a locale twice' })]);
    expect(validateFlowDocument('not a flow').errors).toEqual([expect.objectContaining({ code: 'invalid-document', field: '(document)' })]);
  });
});
