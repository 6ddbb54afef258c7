import { flowDocumentSchema, type FlowDocument, type FlowError, type FlowNode, type FlowValidationResult, type FlowWarning } from '@parley/contracts';
import { BUILT_IN_VARIABLES, edgesOf, ENDING_NODE_TYPES, promptFieldsOf, variablesReadBy, variablesSetBy } from './flow-graph';

/** Menus on one path from the start beyond this many draw a `menu-too-deep` warning. */
export const MAX_MENU_DEPTH = 3;

export interface FlowDocumentValidation extends FlowValidationResult {
  /** The parsed flow (defaults applied) when the document has the shape of a flow. */
  readonly flow?: FlowDocument;
}

/** Parses a flow document (JSON as received) and validates its graph. */
export function validateFlowDocument(input: unknown): FlowDocumentValidation {
  const parsed = flowDocumentSchema.safeParse(input);
  if (!parsed.success) {
    const rawNodes = typeof input === 'object' && input !== null && Array.isArray((input as { nodes?: unknown }).nodes) ? ((input as { nodes: unknown[] }).nodes) : [];
    const errors: FlowError[] = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String);
      if (issue.path[0] === 'nodes' && typeof issue.path[1] === 'number') {
        const raw = rawNodes[issue.path[1]];
        const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
        const field = path.slice(2).join('.') || '(node)';
        return { code: 'invalid-document', nodeId: id, field, message: `node ${id === undefined ? `#${issue.path[1]}` : `"${id}"`} ${field}: ${issue.message}` };
      }
      const field = path.join('.') || '(document)';
      return { code: 'invalid-document', field, message: `${field}: ${issue.message}` };
    });
    return { errors, warnings: [] };
  }
  return { flow: parsed.data, ...validateFlow(parsed.data) };
}

/**
 * The graph rules of a flow that already has the right shape: every branch names an existing node,
 * every node can be reached from the start, no region traps the caller, every prompt speaks every
 * locale of the flow. Warnings do not stop a flow from being published.
 */
export function validateFlow(flow: FlowDocument): FlowValidationResult {
  const errors: FlowError[] = [];
  const warnings: FlowWarning[] = [];

  const nodes = new Map<string, FlowNode>();
  for (const node of flow.nodes) {
    if (nodes.has(node.id)) errors.push({ code: 'duplicate-node-id', nodeId: node.id, field: 'id', message: `two nodes have the id "${node.id}"` });
    else nodes.set(node.id, node);
  }

  if (!flow.locales.includes(flow.defaultLocale)) {
    errors.push({ code: 'default-locale-not-listed', field: 'defaultLocale', message: `defaultLocale "${flow.defaultLocale}" is not one of the flow's locales (${flow.locales.join(', ')})` });
  }

  for (const node of nodes.values()) {
    for (const edge of edgesOf(node)) {
      if (!nodes.has(edge.target)) {
        errors.push({ code: 'dangling-branch', nodeId: node.id, field: edge.field, message: `node "${node.id}" ${edge.field} goes to "${edge.target}", which does not exist` });
      }
    }
  }

  const start = nodes.get(flow.startNodeId);
  if (start === undefined) {
    errors.push({ code: 'missing-start-node', field: 'startNodeId', message: `startNodeId "${flow.startNodeId}" names no node` });
  } else {
    const reachable = reachableFrom(start.id, nodes);
    for (const node of nodes.values()) {
      if (!reachable.has(node.id)) errors.push({ code: 'unreachable-node', nodeId: node.id, field: 'id', message: `node "${node.id}" cannot be reached from the start node "${start.id}"` });
    }
    errors.push(...trappedNodes(reachable, nodes));
    warnings.push(...deepMenus(start.id, nodes));
  }

  for (const node of nodes.values()) {
    if (node.type !== 'enqueue') continue;
    for (const action of ['voicemail', 'callback'] as const) {
      if (node.onOverflow?.[action] !== undefined) continue;
      warnings.push({
        code: 'overflow-not-handled',
        nodeId: node.id,
        field: `onOverflow.${action}`,
        message: `node "${node.id}" has no onOverflow.${action}: when queue "${node.queue}" overflows to ${action === 'voicemail' ? 'voicemail' : 'a callback offer'}, the caller hears an apology and is hung up`,
      });
    }
  }

  for (const node of nodes.values()) {
    for (const { field, prompts } of promptFieldsOf(node)) {
      for (const locale of flow.locales) {
        if (prompts[locale] === undefined) errors.push({ code: 'missing-prompt', nodeId: node.id, field: `${field}.${locale}`, message: `node "${node.id}" ${field} has nothing to play in ${locale}` });
      }
      for (const [locale, list] of Object.entries(prompts)) {
        list?.forEach((prompt, index) => {
          if (prompt.kind === 'text' && prompt.locale !== locale) {
            warnings.push({
              code: 'prompt-locale-mismatch',
              nodeId: node.id,
              field: `${field}.${locale}.${index}.locale`,
              message: `node "${node.id}" ${field} for ${locale} is spoken in ${prompt.locale}`,
            });
          }
        });
      }
    }
  }

  const set = new Set<string>();
  for (const node of nodes.values()) for (const variable of variablesSetBy(node)) set.add(variable);
  for (const node of nodes.values()) {
    for (const read of variablesReadBy(node)) {
      if (!set.has(read.variable) && !BUILT_IN_VARIABLES.has(read.variable)) {
        warnings.push({ code: 'variable-never-set', nodeId: node.id, field: read.field, message: `node "${node.id}" ${read.field} reads variable "${read.variable}", which no node sets` });
      }
    }
  }

  return { errors, warnings };
}

function reachableFrom(startId: string, nodes: ReadonlyMap<string, FlowNode>): Set<string> {
  const seen = new Set<string>([startId]);
  const todo = [startId];
  while (todo.length > 0) {
    const node = nodes.get(todo.pop() as string);
    if (node === undefined) continue;
    for (const { target } of edgesOf(node)) {
      if (nodes.has(target) && !seen.has(target)) {
        seen.add(target);
        todo.push(target);
      }
    }
  }
  return seen;
}

/** Reachable nodes from which no ending node can be reached: the caller would go round for ever. */
function trappedNodes(reachable: ReadonlySet<string>, nodes: ReadonlyMap<string, FlowNode>): FlowError[] {
  const incoming = new Map<string, string[]>();
  for (const node of nodes.values()) {
    for (const { target } of edgesOf(node)) {
      if (nodes.has(target)) incoming.set(target, [...(incoming.get(target) ?? []), node.id]);
    }
  }
  const canEnd = new Set<string>();
  const todo: string[] = [];
  for (const node of nodes.values()) {
    if (ENDING_NODE_TYPES.has(node.type)) {
      canEnd.add(node.id);
      todo.push(node.id);
    }
  }
  while (todo.length > 0) {
    for (const from of incoming.get(todo.pop() as string) ?? []) {
      if (!canEnd.has(from)) {
        canEnd.add(from);
        todo.push(from);
      }
    }
  }
  const trapped = [...reachable].filter((id) => !canEnd.has(id));
  return trapped.map((id) => {
    const node = nodes.get(id) as FlowNode;
    const edges = edgesOf(node).filter((e) => nodes.has(e.target));
    const others = trapped.filter((other) => other !== id);
    return {
      code: 'loop-without-exit',
      nodeId: id,
      field: edges[0]?.field ?? 'type',
      message: `node "${id}" can never reach an ending (hangup, enqueue, transfer, voicemail or callback offer): its branches only lead to ${others.length > 0 ? others.map((o) => `"${o}"`).join(', ') : 'itself'}`,
    };
  });
}

/**
 * Menus nested deeper than MAX_MENU_DEPTH on a path from the start. Branches that go back up
 * (edges to a node already on the path) and a menu's own invalid/no-input branches do not nest.
 */
function deepMenus(startId: string, nodes: ReadonlyMap<string, FlowNode>): FlowWarning[] {
  const nests = (node: FlowNode, field: string): boolean => !(node.type === 'menu' && (field === 'onInvalid' || field === 'onNoInput'));
  // Depth-first from the start: edges to a node on the stack are back edges; the rest form a DAG,
  // whose reverse post-order is a topological order.
  const order: string[] = [];
  const onStack = new Set<string>();
  const visited = new Set<string>();
  const back = new Set<string>();
  const stack: Array<{ id: string; edges: string[]; next: number }> = [];
  const push = (id: string): void => {
    visited.add(id);
    onStack.add(id);
    const node = nodes.get(id) as FlowNode;
    stack.push({ id, edges: edgesOf(node).filter((e) => nodes.has(e.target) && nests(node, e.field)).map((e) => e.target), next: 0 });
  };
  push(startId);
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { id: string; edges: string[]; next: number };
    const target = top.edges[top.next++];
    if (target === undefined) {
      stack.pop();
      onStack.delete(top.id);
      order.push(top.id);
    } else if (onStack.has(target)) {
      back.add(`${top.id}->${target}`);
    } else if (!visited.has(target)) {
      push(target);
    }
  }
  order.reverse();

  const depth = new Map<string, number>();
  const via = new Map<string, string>();
  const isMenu = (id: string): number => (nodes.get(id)?.type === 'menu' ? 1 : 0);
  depth.set(startId, isMenu(startId));
  for (const id of order) {
    const node = nodes.get(id) as FlowNode;
    const here = depth.get(id) ?? 0;
    for (const edge of edgesOf(node)) {
      if (!nodes.has(edge.target) || !nests(node, edge.field) || back.has(`${id}->${edge.target}`)) continue;
      const candidate = here + isMenu(edge.target);
      if (candidate > (depth.get(edge.target) ?? -1)) {
        depth.set(edge.target, candidate);
        via.set(edge.target, id);
      }
    }
  }

  const warnings: FlowWarning[] = [];
  for (const [id, menus] of depth) {
    if (menus <= MAX_MENU_DEPTH || isMenu(id) === 0) continue;
    const path: string[] = [id];
    for (let at = via.get(id); at !== undefined; at = via.get(at)) if (isMenu(at) === 1) path.unshift(at);
    warnings.push({
      code: 'menu-too-deep',
      nodeId: id,
      field: 'type',
      message: `menu "${id}" is nested ${menus} menus deep (${path.join(' → ')}); more than ${MAX_MENU_DEPTH} levels lose callers`,
    });
  }
  return warnings;
}
