import { flowDocumentSchema, flowErrorSchema, flowWarningSchema, type FlowDocumentInput, type SimulationScriptInput } from '@parley/contracts';
import { z } from 'zod';

/**
 * The ivr service's HTTP bodies that libs/contracts does not export yet (they are internal to
 * apps/ivr: flows/dto/flow.dto.ts, numbers/dto/binding.dto.ts). Mirrored here for the web client;
 * the flow document, its issues and the simulator's script and trace come from @parley/contracts.
 */

const issuesSchema = z.object({ errors: z.array(flowErrorSchema), warnings: z.array(flowWarningSchema) });

export const flowValidationViewSchema = z.object({
  valid: z.boolean(),
  errors: z.array(flowErrorSchema),
  warnings: z.array(flowWarningSchema),
  byNode: z.record(z.string(), issuesSchema),
});
export type FlowValidationView = z.infer<typeof flowValidationViewSchema>;

export const flowSummaryViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  draftRevision: z.number().int(),
  latestVersion: z.number().int().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type FlowSummaryView = z.infer<typeof flowSummaryViewSchema>;

export const flowViewSchema = flowSummaryViewSchema.extend({ draft: flowDocumentSchema, validation: flowValidationViewSchema });
export type FlowView = z.infer<typeof flowViewSchema>;

export const flowVersionSummaryViewSchema = z.object({
  flowId: z.string(),
  version: z.number().int(),
  name: z.string(),
  draftRevision: z.number().int(),
  publishedAt: z.string(),
  publishedBy: z.string().nullable(),
});
export type FlowVersionSummaryView = z.infer<typeof flowVersionSummaryViewSchema>;

export const flowVersionViewSchema = flowVersionSummaryViewSchema.extend({ document: flowDocumentSchema, warnings: z.array(flowWarningSchema) });
export type FlowVersionView = z.infer<typeof flowVersionViewSchema>;

export const bindingViewSchema = z.object({
  numberId: z.string(),
  flowId: z.string(),
  flowName: z.string(),
  version: z.union([z.literal('latest'), z.number().int()]),
  resolvedVersion: z.number().int(),
  updatedAt: z.string(),
});
export type BindingView = z.infer<typeof bindingViewSchema>;

export const ivrNumberViewSchema = z.object({ numberId: z.string(), e164: z.string(), assignedAt: z.string().nullable(), binding: bindingViewSchema.nullable() });
export type IvrNumberView = z.infer<typeof ivrNumberViewSchema>;

export interface SimulateFlowRequest {
  /** A published version; absent: the draft. */
  version?: number;
  script: SimulationScriptInput;
}

/** A flow document as the editor holds it (defaults not necessarily applied). */
export type EditableFlow = FlowDocumentInput;
