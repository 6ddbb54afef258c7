import { flowBranchesOf, type FlowDocumentInput, type FlowNodeType, type Locale, type LocalizedPrompts } from '@parley/contracts';
import { ApiError } from '../../../api/api-error';
import { type FlowValidationView } from '../../../api/ivr-api.types';

/** A flow node as the editor holds it (defaults not necessarily applied). */
export type EditableNode = FlowDocumentInput['nodes'][number];
export type NodeOf<T extends FlowNodeType> = Extract<EditableNode, { type: T }>;

export const NODE_TYPES = ['play', 'menu', 'collect', 'condition', 'data-dip', 'set-variable', 'enqueue', 'transfer', 'voicemail', 'callback-offer', 'survey', 'hangup'] as const satisfies readonly FlowNodeType[];

export const DTMF_DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#', 'A', 'B', 'C', 'D'] as const;

/** One text prompt per locale: what a new node says until the admin writes its own. */
function placeholderPrompts(locales: readonly Locale[], text: string): LocalizedPrompts {
  return Object.fromEntries(locales.map((locale) => [locale, [{ kind: 'text', text, locale }]]));
}

/** A new node of a type, its branches all pointing at `target` (usually another node) so the flow stays connected. */
export function defaultNode(type: FlowNodeType, id: string, target: string, locales: readonly Locale[], label?: string): EditableNode {
  const base = { id, ...(label ? { label } : {}) };
  const prompt = placeholderPrompts(locales, '…');
  switch (type) {
    case 'play':
      return { ...base, type, prompt, next: target };
    case 'menu':
      return { ...base, type, prompt, options: { '1': target }, onInvalid: target };
    case 'collect':
      return { ...base, type, prompt, variable: 'input', maxLength: 4, next: target, onInvalid: target };
    case 'condition':
      return { ...base, type, test: { kind: 'business-hours', timeZone: 'UTC', weekly: [], holidays: [] }, whenTrue: target, whenFalse: target };
    case 'data-dip':
      return { ...base, type, url: 'https://example.com/lookup', next: target, onFailure: target };
    case 'set-variable':
      return { ...base, type, variable: 'var', value: '', next: target };
    case 'enqueue':
      return { ...base, type, queue: 'sales' };
    case 'transfer':
      return { ...base, type, target: { kind: 'number', number: '+18005550100' } };
    case 'voicemail':
      return { ...base, type, prompt, mailbox: 'general' };
    case 'callback-offer':
      return { ...base, type, prompt, queue: 'sales', onDecline: target };
    case 'survey':
      return { ...base, type, prompt, next: target };
    case 'hangup':
      return { ...base, type };
  }
}

/** Every branch of a node: the field (dotted, as validation issues name it) and the node it leads to (the validator's own list). */
export function branchesOf(node: EditableNode): { field: string; target: string }[] {
  return flowBranchesOf(node);
}

/** Renames a node and every branch (and the start) that leads to it. */
export function renameNode(flow: FlowDocumentInput, from: string, to: string): FlowDocumentInput {
  const swap = (id: string | undefined): string | undefined => (id === from ? to : id);
  const nodes = flow.nodes.map((node): EditableNode => {
    const renamed = { ...node, id: swap(node.id) ?? node.id } as EditableNode;
    const refs = branchesOf(node).filter((b) => b.target === from);
    if (refs.length === 0) return renamed;
    const copy = JSON.parse(JSON.stringify(renamed)) as Record<string, unknown>;
    for (const { field } of refs) {
      const [head, key] = field.split('.') as [string, string | undefined];
      if (key !== undefined) (copy[head] as Record<string, string>)[key] = to;
      else copy[head] = to;
    }
    return copy as EditableNode;
  });
  return { ...flow, startNodeId: swap(flow.startNodeId) ?? flow.startNodeId, nodes };
}

/** A node id not used yet, from a type name. */
export function freshNodeId(flow: FlowDocumentInput, type: FlowNodeType): string {
  const used = new Set(flow.nodes.map((n) => n.id));
  for (let n = 1; ; n += 1) if (!used.has(`${type}-${n}`)) return `${type}-${n}`;
}

/** A problem to show next to a node (or on top, for the flow): from the validator, or from a refused save or publish. */
export interface NodeIssue {
  severity: 'error' | 'warning';
  /** The validator's code (translated on screen); absent for a refused save. */
  code?: string;
  field: string;
  message: string;
}

export interface FlowIssues {
  byNode: Record<string, NodeIssue[]>;
  flow: NodeIssue[];
}

export const NO_ISSUES: FlowIssues = { byNode: {}, flow: [] };

/** The validator's answer, by node. */
export function issuesFromValidation(validation: FlowValidationView): FlowIssues {
  const issues: FlowIssues = { byNode: {}, flow: [] };
  const put = (nodeId: string | undefined, issue: NodeIssue): void => {
    if (nodeId === undefined) issues.flow.push(issue);
    else (issues.byNode[nodeId] ??= []).push(issue);
  };
  for (const e of validation.errors) put(e.nodeId, { severity: 'error', code: e.code, field: e.field, message: e.message });
  for (const w of validation.warnings) put(w.nodeId, { severity: 'warning', code: w.code, field: w.field, message: w.message });
  return issues;
}

/**
 * A refused save (400: `document.nodes.3.prompt`, message `node "x": ...`) or publish (422:
 * `nodes[x].prompt`), by node; whatever names no node is for the whole flow. Null when the error
 * is not a field error at all.
 */
export function issuesFromApiError(error: unknown, nodes: readonly EditableNode[]): FlowIssues | null {
  if (!(error instanceof ApiError) || error.fields.length === 0) return null;
  const issues: FlowIssues = { byNode: {}, flow: [] };
  for (const { path, message } of error.fields) {
    const byIndex = /^(?:document\.)?nodes\.(\d+)(?:\.(.*))?$/.exec(path);
    const byId = /^nodes\[([^\]]+)\](?:\.(.*))?$/.exec(path);
    const nodeId = byIndex ? nodes[Number(byIndex[1])]?.id : byId?.[1];
    const field = (byIndex ?? byId)?.[2] ?? '';
    const text = message.replace(/^node "[^"]*": /, '');
    if (nodeId !== undefined) (issues.byNode[nodeId] ??= []).push({ severity: 'error', field, message: text });
    else issues.flow.push({ severity: 'error', field: path.replace(/^document\./, ''), message: text });
  }
  return issues;
}
