import { type FlowBranch, flowBranchesOf, type FlowNode, type FlowNodeType, type LocalizedPrompts } from '@parley/contracts';

/** A branch from one node to another: the field that holds it and the node it names. */
export type FlowEdge = FlowBranch;

/**
 * Nodes that end the IVR part of a call on at least one of their paths. A flow region from which
 * none of them can be reached traps the caller.
 */
export const ENDING_NODE_TYPES: ReadonlySet<FlowNodeType> = new Set<FlowNodeType>(['hangup', 'enqueue', 'transfer', 'voicemail', 'callback-offer']);

/** Every branch of a node (the one list in libs/contracts, shared with the web editor). */
export function edgesOf(node: FlowNode): FlowEdge[] {
  return flowBranchesOf(node);
}

/** The prompt fields of a node that are set, by field name. */
export function promptFieldsOf(node: FlowNode): Array<{ field: string; prompts: LocalizedPrompts }> {
  const fields: Array<{ field: string; prompts: LocalizedPrompts | undefined }> = [];
  switch (node.type) {
    case 'play':
      fields.push({ field: 'prompt', prompts: node.prompt });
      break;
    case 'menu':
    case 'collect':
      fields.push({ field: 'prompt', prompts: node.prompt }, { field: 'invalidPrompt', prompts: node.invalidPrompt }, { field: 'noInputPrompt', prompts: node.noInputPrompt });
      break;
    case 'survey':
      fields.push({ field: 'prompt', prompts: node.prompt }, { field: 'invalidPrompt', prompts: node.invalidPrompt });
      break;
    case 'voicemail':
      fields.push({ field: 'prompt', prompts: node.prompt }, { field: 'thanksPrompt', prompts: node.thanksPrompt });
      break;
    case 'callback-offer':
      fields.push({ field: 'prompt', prompts: node.prompt }, { field: 'confirmPrompt', prompts: node.confirmPrompt });
      break;
    case 'enqueue':
    case 'transfer':
    case 'hangup':
      fields.push({ field: 'prompt', prompts: node.prompt });
      break;
    case 'condition':
    case 'data-dip':
    case 'set-variable':
      break;
  }
  return fields.filter((f): f is { field: string; prompts: LocalizedPrompts } => f.prompts !== undefined);
}

const TEMPLATE_VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*\}\}/g;

/** The variable names a template reads (built-ins such as `call.from` included). */
export function templateVariables(template: string): string[] {
  return [...template.matchAll(TEMPLATE_VARIABLE)].map((m) => m[1] ?? '');
}

/** Replaces `{{name}}` with the variable's value; an unknown variable reads as an empty string. */
export function renderTemplate(template: string, lookup: (name: string) => string | undefined): string {
  return template.replace(TEMPLATE_VARIABLE, (_match, name: string) => lookup(name) ?? '');
}

export const BUILT_IN_VARIABLES: ReadonlySet<string> = new Set(['call.id', 'call.from', 'call.to', 'call.locale']);

/** The variables a node writes. */
export function variablesSetBy(node: FlowNode): string[] {
  switch (node.type) {
    case 'collect':
    case 'set-variable':
    case 'survey':
      return [node.variable];
    case 'data-dip':
      return node.map.map((m) => m.variable);
    default:
      return [];
  }
}

/** The variables a node reads, with the field that reads each one. */
export function variablesReadBy(node: FlowNode): Array<{ field: string; variable: string }> {
  const reads: Array<{ field: string; variable: string }> = [];
  for (const { field, prompts } of promptFieldsOf(node)) {
    for (const [locale, list] of Object.entries(prompts)) {
      list?.forEach((prompt, index) => {
        if (prompt.kind === 'text') for (const variable of templateVariables(prompt.text)) reads.push({ field: `${field}.${locale}.${index}.text`, variable });
      });
    }
  }
  switch (node.type) {
    case 'set-variable':
      for (const variable of templateVariables(node.value)) reads.push({ field: 'value', variable });
      break;
    case 'enqueue':
      for (const [key, value] of Object.entries(node.attributes)) for (const variable of templateVariables(value)) reads.push({ field: `attributes.${key}`, variable });
      break;
    case 'condition':
      if (node.test.kind === 'variables') node.test.comparisons.forEach((c, index) => reads.push({ field: `test.comparisons.${index}.variable`, variable: c.variable }));
      break;
    case 'data-dip':
      node.sendVariables.forEach((variable, index) => reads.push({ field: `sendVariables.${index}`, variable }));
      break;
    case 'callback-offer':
      if (node.numberVariable !== undefined) reads.push({ field: 'numberVariable', variable: node.numberVariable });
      break;
    default:
      break;
  }
  return reads;
}
