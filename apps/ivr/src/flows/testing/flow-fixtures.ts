// Test-only helpers for the flow specs: short builders for flow documents.
import { flowDocumentSchema, type FlowDocument, type FlowDocumentInput, type Locale, type LocalizedPrompts } from '@parley/contracts';

type NodeInput = FlowDocumentInput['nodes'][number];

/** A text prompt in one or more locales; `{locale}` in the text is replaced by the locale. */
export function say(text: string, locales: readonly Locale[] = ['en']): LocalizedPrompts {
  const prompts: LocalizedPrompts = {};
  for (const locale of locales) prompts[locale] = [{ kind: 'text', text: text.replace('{locale}', locale), locale }];
  return prompts;
}

/** A flow document input (not parsed): the first node is the start unless `startNodeId` says otherwise. */
export function flowInput(nodes: NodeInput[], options: { locales?: Locale[]; defaultLocale?: Locale; startNodeId?: string } = {}): FlowDocumentInput {
  const locales = options.locales ?? ['en'];
  return {
    schemaVersion: 1,
    name: 'test flow',
    locales,
    defaultLocale: options.defaultLocale ?? locales[0] ?? 'en',
    startNodeId: options.startNodeId ?? nodes[0]?.id ?? 'start',
    nodes,
  };
}

/** A parsed flow document (defaults applied); throws with zod's message when the shape is wrong. */
export function flowOf(nodes: NodeInput[], options: { locales?: Locale[]; defaultLocale?: Locale; startNodeId?: string } = {}): FlowDocument {
  return flowDocumentSchema.parse(flowInput(nodes, options));
}
