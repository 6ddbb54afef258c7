import { type SimulationTrace } from '@parley/contracts';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CATALOGS } from '../../../i18n/catalogs';
import { renderApp, signedIn } from '../../../testing/render-app';

afterEach(() => cleanup());

const en = CATALOGS.en;
const zh = CATALOGS['zh-CN'];

function openEditor(locale: 'en' | 'zh-CN' = 'en') {
  const session = signedIn('admin', locale);
  session.backend.seedDemo();
  const rendered = renderApp({ locale, path: '/admin/flows/flow-1', ...session });
  return rendered;
}

/** The card of one node (a region named by its id and type). */
async function nodeCard(id: string): Promise<HTMLElement> {
  const card = (await screen.findAllByRole('region')).find((region) => region.getAttribute('data-node-id') === id);
  if (!card) throw new Error(`no card for node ${id}`);
  return card;
}

const lastBody = (rendered: ReturnType<typeof openEditor>, method: string, path: string): unknown => rendered.backend.requests.filter((r) => r.method === method && r.path === path).at(-1)?.body;

describe('flow editor', () => {
  it("shows the validator's errors and warnings next to the node they name, in the user's language", async () => {
    const user = userEvent.setup();
    const rendered = openEditor('zh-CN');
    rendered.backend.validations.set('flow-1', {
      valid: false,
      errors: [{ code: 'missing-prompt', nodeId: 'main-menu', field: 'invalidPrompt.zh-CN', message: 'node "main-menu": invalidPrompt has nothing for zh-CN' }],
      warnings: [{ code: 'variable-never-set', nodeId: 'sales', field: 'attributes.entry', message: 'reads variable x that no node sets' }],
      byNode: {},
    });
    await user.click(await screen.findByRole('button', { name: zh['flows.validate'] }));
    const menu = await nodeCard('main-menu');
    const issue = await within(menu).findByRole('listitem');
    expect(issue.textContent).toContain(zh['flowError.missing-prompt']);
    expect(issue.textContent).toContain('invalidPrompt.zh-CN');
    expect(issue.getAttribute('data-issue-code')).toBe('missing-prompt');
    expect(within(await nodeCard('sales')).getByRole('listitem').textContent).toContain(zh['flowWarning.variable-never-set']);
    expect(within(await nodeCard('welcome')).queryByRole('list', { name: zh['node.issues'] })).toBeNull();
  });

  it('puts a refused save (400 on document.nodes.N) and a refused publish (422 on nodes[id]) on their nodes', async () => {
    const user = userEvent.setup();
    const rendered = openEditor();
    rendered.backend.answerNext('PUT /ivr/flows/flow-1/draft', 400, {
      statusCode: 400,
      error: 'BAD_REQUEST',
      message: 'invalid body',
      fields: [{ path: 'document.nodes.2.options', message: 'node "main-menu": a menu needs at least one option' }],
    });
    await user.click(await screen.findByRole('button', { name: en['flows.save'] }));
    // In the node's list of problems, and under the field it names.
    const menu = await nodeCard('main-menu');
    expect(within(menu).getAllByText('a menu needs at least one option').map((el) => el.closest('li, .field__error')?.className)).toEqual(['node-issue node-issue--error', 'field__error']);

    rendered.backend.validations.set('flow-1', { valid: false, errors: [{ code: 'dangling-branch', nodeId: 'closed', field: 'next', message: 'leads to a node that does not exist' }], warnings: [], byNode: {} });
    await user.click(screen.getByRole('button', { name: en['flows.publish'] }));
    expect(within(await nodeCard('closed')).getByText('leads to a node that does not exist', { exact: false })).toBeTruthy();
    expect(within(await nodeCard('main-menu')).queryByText('a menu needs at least one option', { exact: false })).toBeNull();
  });

  it('renames a node with every branch to it, edits a node form and saves the draft with its revision', async () => {
    const user = userEvent.setup();
    const rendered = openEditor();
    const sales = await nodeCard('sales');
    const id = within(sales).getByLabelText(en['node.id']);
    await user.clear(id);
    await user.type(id, 'sales-queue');
    await user.click(within(sales).getByRole('button', { name: en['node.rename'] }));
    const queue = within(await nodeCard('sales-queue')).getByLabelText(en['node.queue']);
    await user.clear(queue);
    await user.type(queue, 'vip');
    await user.click(screen.getByRole('button', { name: en['flows.save'] }));
    expect(await screen.findByText(en['flows.saved'])).toBeTruthy();
    const body = lastBody(rendered, 'PUT', '/ivr/flows/flow-1/draft') as { baseRevision: number; document: { nodes: { id: string; options?: Record<string, string>; queue?: string }[] } };
    expect(body.baseRevision).toBe(3);
    expect(body.document.nodes.find((n) => n.id === 'main-menu')?.options).toEqual({ '1': 'sales-queue' });
    expect(body.document.nodes.find((n) => n.id === 'sales-queue')?.queue).toBe('vip');
    expect(screen.getByText(en['flows.revision'].replace('{revision}', '4'))).toBeTruthy();
  });

  it('edits business hours in their own form: a period on Tuesday until midnight, the closed branch', async () => {
    const user = userEvent.setup();
    const rendered = openEditor();
    const hours = await nodeCard('hours');
    await user.click(within(hours).getByRole('button', { name: en['hours.addPeriod'].replace('{day}', en['weekday.tue']) }));
    const close = within(hours).getByLabelText(en['hours.closeOn'].replace('{day}', en['weekday.tue']));
    await user.clear(close);
    await user.type(close, '24:00');
    await user.selectOptions(within(hours).getByLabelText(en['node.whenFalse']), 'goodbye');
    await user.click(screen.getByRole('button', { name: en['flows.save'] }));
    await screen.findByText(en['flows.saved']);
    const body = lastBody(rendered, 'PUT', '/ivr/flows/flow-1/draft') as { document: { nodes: { id: string; whenFalse?: string; test?: { weekly: unknown[]; timeZone: string } }[] } };
    const node = body.document.nodes.find((n) => n.id === 'hours');
    expect(node?.test?.weekly).toEqual([
      { day: 'mon', open: '09:00', close: '18:00' },
      { day: 'tue', open: '09:00', close: '24:00' },
    ]);
    expect(node?.test?.timeZone).toBe('Asia/Shanghai');
    expect(node?.whenFalse).toBe('goodbye');
  });

  it('runs the simulator with the scripted digits, clock time and caller number and shows the trace', async () => {
    const user = userEvent.setup();
    const rendered = openEditor();
    rendered.backend.trace = TRACE;
    const digits = await screen.findByLabelText(en['simulator.digits']);
    await user.type(digits, '1, ,9');
    const startAt = screen.getByLabelText(en['simulator.startAt']);
    await user.clear(startAt);
    await user.type(startAt, '2025-06-02T10:30');
    const caller = screen.getByLabelText(en['simulator.callerNumber']);
    await user.clear(caller);
    await user.type(caller, '+8613800138000');
    await user.click(screen.getByRole('button', { name: en['simulator.run'] }));

    expect((await screen.findByTestId('trace-outcome')).textContent).toBe('Outcome: sent to a queue, after 4.5 s');
    const trace = screen.getByRole('region', { name: en['simulator.trace'] });
    const visits = within(trace).getByRole('table', { name: en['simulator.nodes'] });
    expect(within(visits).getAllByRole('row').slice(1).map((row) => row.textContent)).toEqual(['1welcomePlay prompt0.0next', '2main-menuMenu2.0option 1 — pressed 1', '3salesSend to queue4.5']);
    expect(within(trace).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['0.0 · welcome: 欢迎致电。', '2.0 · main-menu: 销售请按 1。']);
    expect(within(trace).getByText('choice').closest('div')?.textContent).toBe('choice1');
    const request = lastBody(rendered, 'POST', '/ivr/flows/flow-1/simulate') as { version?: number; script: { digits: unknown; callerNumber: string; startAt: string; locale: string } };
    expect(request.version).toBeUndefined();
    expect(request.script).toEqual({ digits: [{ digits: '1' }, { digits: '' }, { digits: '9' }], callerNumber: '+8613800138000', startAt: new Date('2025-06-02T10:30').toISOString(), locale: 'zh-CN' });
  });

  it('publishes and lists the new version', async () => {
    const user = userEvent.setup();
    openEditor();
    await user.click(await screen.findByRole('button', { name: en['flows.publish'] }));
    expect(await screen.findByText(en['flows.published'].replace('{version}', '2'))).toBeTruthy();
    await waitFor(() => expect(within(screen.getByRole('region', { name: en['flows.versions'] })).getAllByRole('listitem')).toHaveLength(2));
  });
});

const TRACE: SimulationTrace = {
  outcome: 'routed',
  locale: 'zh-CN',
  nodes: [
    { visit: 1, nodeId: 'welcome', nodeType: 'play', enteredAtMs: 0, leftAtMs: 2000, exit: 'next' },
    { visit: 2, nodeId: 'main-menu', nodeType: 'menu', enteredAtMs: 2000, leftAtMs: 4500, exit: 'option 1', detail: 'pressed 1' },
    { visit: 3, nodeId: 'sales', nodeType: 'enqueue', enteredAtMs: 4500 },
  ],
  prompts: [
    { atMs: 0, nodeId: 'welcome', commandId: '00000000-0000-4000-8000-000000000101', prompt: { kind: 'text', text: '欢迎致电。', locale: 'zh-CN' } },
    { atMs: 2000, nodeId: 'main-menu', commandId: '00000000-0000-4000-8000-000000000102', prompt: { kind: 'text', text: '销售请按 1。', locale: 'zh-CN' } },
  ],
  commands: [],
  inputs: [],
  webhooks: [],
  variables: { choice: '1' },
  completed: {
    callId: '00000000-0000-4000-8000-000000000100',
    flowId: '00000000-0000-4000-8000-000000000200',
    flowVersion: 1,
    outcome: 'routed',
    variables: { choice: '1' },
    lastNodeId: 'sales',
    nodesVisited: 3,
    startedAt: '2025-06-02T10:30:00.000Z',
    completedAt: '2025-06-02T10:30:04.500Z',
    durationMs: 4500,
  },
  durationMs: 4500,
  steps: 3,
};
