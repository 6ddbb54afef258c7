import { z } from 'zod';
import { flowDocumentSchema, simulationScriptSchema, type FlowDocument, type FlowError, type FlowWarning } from '@parley/contracts';

/**
 * Request and response bodies of the flows API (/api/v1/ivr/flows). They live with the service until
 * the web app needs them; then they move to libs/contracts unchanged.
 */

const revision = z.number({ error: 'must be a whole number' }).int({ error: 'must be a whole number' }).positive({ error: 'must be 1 or more' });

export const createFlowRequestSchema = z.strictObject({
  /** The flow document; it becomes the flow's draft. Its shape must be valid, its graph may still have errors. */
  document: flowDocumentSchema,
});
export type CreateFlowRequest = z.infer<typeof createFlowRequestSchema>;

export const updateDraftRequestSchema = z.strictObject({
  document: flowDocumentSchema,
  /** The draft revision the edit is based on; another edit saved since then answers 409. */
  baseRevision: revision.optional(),
});
export type UpdateDraftRequest = z.infer<typeof updateDraftRequestSchema>;

export const publishFlowRequestSchema = z.strictObject({
  /** The draft revision to publish; another edit saved since then answers 409. */
  baseRevision: revision.optional(),
});
export type PublishFlowRequest = z.infer<typeof publishFlowRequestSchema>;

export const simulateFlowRequestSchema = z.strictObject({
  /** A published version to run; absent: the draft. */
  version: revision.optional(),
  script: simulationScriptSchema,
});
export type SimulateFlowRequest = z.infer<typeof simulateFlowRequestSchema>;

/** What the validator says about a document, and the same issues grouped by the node they are about. */
export interface FlowValidationView {
  valid: boolean;
  errors: FlowError[];
  warnings: FlowWarning[];
  byNode: Record<string, { errors: FlowError[]; warnings: FlowWarning[] }>;
}

export interface FlowSummaryView {
  id: string;
  name: string;
  draftRevision: number;
  /** The newest published version; null before the first publication. */
  latestVersion: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface FlowView extends FlowSummaryView {
  draft: FlowDocument;
  validation: FlowValidationView;
}

export interface FlowVersionSummaryView {
  flowId: string;
  version: number;
  name: string;
  draftRevision: number;
  publishedAt: string;
  publishedBy: string | null;
}

export interface FlowVersionView extends FlowVersionSummaryView {
  document: FlowDocument;
  warnings: FlowWarning[];
}
