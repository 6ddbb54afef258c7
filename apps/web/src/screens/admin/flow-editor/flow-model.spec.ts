import { ApiError } from '../../../api/api-error';
import { demoFlowDocument } from '../../../testing/parley-backend.fake';
import { branchesOf, freshNodeId, issuesFromApiError, renameNode } from './flow-model';

describe('flow model', () => {
  it('renames a node, the start and every branch that leads to it, and nothing else', () => {
    const flow = renameNode(demoFlowDocument(), 'welcome', 'hello');
    expect(flow.startNodeId).toBe('hello');
    const renamed = renameNode(flow, 'goodbye', 'bye');
    expect(branchesOf(renamed.nodes.find((n) => n.id === 'main-menu')!)).toEqual([
      { field: 'options.1', target: 'sales' },
      { field: 'onInvalid', target: 'bye' },
    ]);
    expect(renamed.nodes.map((n) => n.id)).toEqual(['hello', 'hours', 'main-menu', 'sales', 'closed', 'bye']);
  });

  it("renames the queue's overflow branches too (the validator's own list of branches)", () => {
    const flow = demoFlowDocument();
    const withOverflow = { ...flow, nodes: flow.nodes.map((n) => (n.type === 'enqueue' ? { ...n, onOverflow: { voicemail: 'closed' } } : n)) };
    const renamed = renameNode(withOverflow, 'closed', 'mailbox');
    expect(renamed.nodes.find((n) => n.type === 'enqueue')).toMatchObject({ onOverflow: { voicemail: 'mailbox' } });
  });

  it('picks a node id not in use', () => {
    expect(freshNodeId(demoFlowDocument(), 'menu')).toBe('menu-1');
  });

  it('puts field errors on nodes by index (save) and by id (publish); the rest on the flow', () => {
    const nodes = demoFlowDocument().nodes;
    const error = new ApiError(400, {
      statusCode: 400,
      error: 'BAD_REQUEST',
      message: 'invalid body',
      fields: [
        { path: 'document.nodes.1.test.timeZone', message: 'node "hours": must be an IANA time zone such as Europe/Paris' },
        { path: 'nodes[closed].prompt.en', message: 'has nothing for en' },
        { path: 'document.name', message: 'must not be empty' },
      ],
    });
    expect(issuesFromApiError(error, nodes)).toEqual({
      byNode: {
        hours: [{ severity: 'error', field: 'test.timeZone', message: 'must be an IANA time zone such as Europe/Paris' }],
        closed: [{ severity: 'error', field: 'prompt.en', message: 'has nothing for en' }],
      },
      flow: [{ severity: 'error', field: 'name', message: 'must not be empty' }],
    });
    expect(issuesFromApiError(new Error('boom'), nodes)).toBeNull();
  });
});
