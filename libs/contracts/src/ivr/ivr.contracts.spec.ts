import { z } from 'zod';
import { topicJsonSchema } from '../json-schema';
import { ivrCallCompletedV1, ivrCallNodeVisitedV1, ivrCallRoutedV1, ivrTopics } from './ivr.events';
import { flowDocumentSchema, flowNodeSchema, type FlowDocumentInput } from './ivr.flow';
import { simulationScriptSchema } from './ivr.simulation';

const CALL_ID = '6f1c1f8e-8c53-4b8a-9a53-1c1d2c3b4a5f';
const FLOW_ID = '0b8e6f4e-1a4c-4d2b-8f0e-2a3b4c5d6e7f';

const document: FlowDocumentInput = {
  schemaVersion: 1,
  name: 'Main line',
  locales: ['en', 'zh-CN'],
  defaultLocale: 'en',
  startNodeId: 'menu',
  nodes: [
    {
      id: 'menu',
      type: 'menu',
      prompt: { en: [{ kind: 'file', uri: 'prompts/menu-en.wav' }], 'zh-CN': [{ kind: 'text', text: '请按 1', locale: 'zh-CN' }] },
      options: { '1': 'queue', '#': 'bye' },
      onInvalid: 'bye',
    },
    { id: 'queue', type: 'enqueue', queue: 'sales', skills: [{ skill: 'spanish' }] },
    { id: 'bye', type: 'hangup' },
  ],
};

function issuesOf(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('the IVR flow document', () => {
  it('parses a flow and fills in the defaults (retries, timeouts, priority, proficiency)', () => {
    const flow = flowDocumentSchema.parse(document);
    expect(flow.nodes[0]).toMatchObject({ maxRetries: 2, timeoutMs: 5000 });
    expect(flow.nodes[1]).toMatchObject({ priority: 0, skills: [{ skill: 'spanish', minProficiency: 1 }], attributes: {} });
    expect(flowDocumentSchema.parse(JSON.parse(JSON.stringify(flow)))).toEqual(flow);
  });

  it('refuses bad node fields, naming the field', () => {
    const menu = { id: 'm', type: 'menu', prompt: { en: [{ kind: 'text', text: 'x', locale: 'en' }] }, onInvalid: 'bye' };
    expect(issuesOf(flowNodeSchema, { ...menu, options: {} })).toEqual(['options: a menu needs at least one option']);
    expect(issuesOf(flowNodeSchema, { ...menu, options: { '11': 'x' } })[0]).toMatch(/^options/);
    expect(issuesOf(flowNodeSchema, { ...menu, id: 'has space', options: { '1': 'x' } })).toEqual(['id: must be 1-64 letters, digits, "-" or "_", starting with a letter or digit']);
    expect(issuesOf(flowNodeSchema, { ...menu, options: { '1': 'x' }, maxRetries: 9 })[0]).toMatch(/^maxRetries/);
    expect(issuesOf(flowNodeSchema, { ...menu, options: { '1': 'x' }, prompt: { en: [] } })[0]).toMatch(/^prompt\.en/);
    expect(issuesOf(flowNodeSchema, { id: 'c', type: 'collect', prompt: menu.prompt, variable: '1bad', maxLength: 4, next: 'a', onInvalid: 'b' })).toEqual(['variable: must be 1-64 letters, digits or "_", not starting with a digit']);
    expect(issuesOf(flowNodeSchema, { id: 'h', type: 'condition', test: { kind: 'business-hours', timeZone: 'UTC', weekly: [{ day: 'mon', open: '9:00', close: '17:00' }], holidays: [{ date: '2026-02-30' }] }, whenTrue: 'a', whenFalse: 'b' })).toEqual([
      'test.weekly.0.open: must be a time HH:MM between 00:00 and 24:00',
      'test.holidays.0.date: must be a calendar date YYYY-MM-DD',
    ]);
    expect(issuesOf(flowNodeSchema, { id: 't', type: 'transfer', target: { kind: 'number', number: '0800 123' } })).toEqual(['target.number: must be an E.164 number such as +18005550100']);
    expect(issuesOf(flowNodeSchema, { id: 'd', type: 'data-dip', url: 'https://x.example/a', map: [{ path: 'a..b', variable: 'v' }], next: 'a', onFailure: 'b' })[0]).toMatch(/^map\.0\.path: must be keys and array indexes/);
  });

  it('has a JSON Schema the editor and the API documentation can use', () => {
    const schema = z.toJSONSchema(flowDocumentSchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(['schemaVersion', 'name', 'locales', 'defaultLocale', 'startNodeId', 'nodes']);
  });
});

describe('the IVR topics', () => {
  const at = '2026-03-02T15:00:00.000Z';
  const run = { callId: CALL_ID, flowId: FLOW_ID, flowVersion: 2 };

  it('are drafts named <domain>.<entity>.<event>.v1 and keyed by call, so one call stays on one partition', () => {
    expect(ivrTopics.map((t) => [t.name, t.status, t.version])).toEqual([
      ['ivr.call.routed.v1', 'draft', 1],
      ['ivr.call.completed.v1', 'draft', 1],
      ['ivr.call.node-visited.v1', 'draft', 1],
    ]);
    const routed = ivrCallRoutedV1.schema.parse({
      ...run,
      nodeId: 'queue',
      mode: 'live',
      queue: 'sales',
      priority: 0,
      skills: [{ skill: 'spanish', minProficiency: 3 }],
      attributes: {},
      variables: { account: '42' },
      callerNumber: '+15555550123',
      dialledNumber: '+18005550100',
      locale: 'en',
      afterAgent: 'end',
      routedAt: at,
    });
    expect(ivrCallRoutedV1.keyOf(routed)).toBe(CALL_ID);
    const completed = ivrCallCompletedV1.schema.parse({ ...run, outcome: 'voicemail', mailbox: 'general', variables: {}, nodesVisited: 3, startedAt: at, completedAt: at, durationMs: 0 });
    expect(ivrCallCompletedV1.keyOf(completed)).toBe(CALL_ID);
    const visited = ivrCallNodeVisitedV1.schema.parse({ ...run, nodeId: 'menu', nodeType: 'menu', transition: 'left', visit: 1, exit: 'option:1', durationMs: 1200, at });
    expect(ivrCallNodeVisitedV1.keyOf(visited)).toBe(CALL_ID);
  });

  it('refuse a payload without a call id, an unknown outcome, or a score outside 1-5', () => {
    const base = { ...run, outcome: 'hangup', variables: {}, nodesVisited: 1, startedAt: at, completedAt: at, durationMs: 0 };
    expect(ivrCallCompletedV1.schema.safeParse(base).success).toBe(true);
    expect(ivrCallCompletedV1.schema.safeParse({ ...base, callId: 'nope' }).success).toBe(false);
    expect(ivrCallCompletedV1.schema.safeParse({ ...base, outcome: 'teleported' }).success).toBe(false);
    expect(ivrCallCompletedV1.schema.safeParse({ ...base, survey: { nodeId: 's', score: 6 } }).success).toBe(false);
  });

  it('have JSON Schemas for the snapshot once they are published', () => {
    for (const topic of ivrTopics) expect(topicJsonSchema(topic)).toMatchObject({ title: topic.name, type: 'object' });
  });
});

describe('the simulation script', () => {
  it('fills in a silent caller with default numbers, and refuses a bad clock or keys', () => {
    expect(simulationScriptSchema.parse({ startAt: '2026-03-02T15:00:00Z' })).toEqual({
      startAt: '2026-03-02T15:00:00Z',
      callerNumber: '+15555550123',
      dialledNumber: '+18005550100',
      digits: [],
      webhooks: [],
      transfers: [],
      agentTalkMs: 60_000,
      promptMs: 2000,
    });
    expect(issuesOf(simulationScriptSchema, { startAt: 'monday' })[0]).toMatch(/^startAt/);
    expect(issuesOf(simulationScriptSchema, { startAt: '2026-03-02T15:00:00Z', digits: [{ digits: '1x' }] })).toEqual(['digits.0.digits: must be DTMF digits 0-9 * # A-D']);
  });
});
