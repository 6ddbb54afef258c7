import { type FlowDocument, type FlowValidationResult } from '@parley/contracts';
import { type FlowSummaryView, type FlowValidationView, type FlowVersionSummaryView, type FlowVersionView, type FlowView } from './dto/flow.dto';
import { type FlowVersionEntity } from './flow-version.entity';
import { type FlowEntity } from './flow.entity';
import { type FlowVersionSummary } from './flow.repository';

/** The validator's answer, with its issues also grouped by the node they are about. */
export function toValidationView(result: FlowValidationResult): FlowValidationView {
  const byNode: FlowValidationView['byNode'] = {};
  const slot = (nodeId: string): { errors: FlowValidationView['errors']; warnings: FlowValidationView['warnings'] } => (byNode[nodeId] ??= { errors: [], warnings: [] });
  for (const error of result.errors) if (error.nodeId !== undefined) slot(error.nodeId).errors.push(error);
  for (const warning of result.warnings) if (warning.nodeId !== undefined) slot(warning.nodeId).warnings.push(warning);
  return { valid: result.errors.length === 0, errors: result.errors, warnings: result.warnings, byNode };
}

export function toFlowSummaryView(flow: FlowEntity, latestVersion: number | undefined): FlowSummaryView {
  return {
    id: flow.id,
    name: flow.name,
    draftRevision: flow.draftRevision,
    latestVersion: latestVersion ?? null,
    createdAt: flow.createdAt.toISOString(),
    updatedAt: flow.updatedAt.toISOString(),
  };
}

export function toFlowView(flow: FlowEntity, latestVersion: number | undefined, validation: FlowValidationResult): FlowView {
  return { ...toFlowSummaryView(flow, latestVersion), draft: flow.draft, validation: toValidationView(validation) };
}

export function toFlowVersionSummaryView(version: FlowVersionSummary): FlowVersionSummaryView {
  return {
    flowId: version.flowId,
    version: version.version,
    name: version.name,
    draftRevision: version.draftRevision,
    publishedAt: version.publishedAt.toISOString(),
    publishedBy: version.publishedBy,
  };
}

export function toFlowVersionView(version: FlowVersionEntity): FlowVersionView {
  const document: FlowDocument = version.document;
  return { ...toFlowVersionSummaryView({ ...version, name: document.name }), document, warnings: version.warnings };
}
