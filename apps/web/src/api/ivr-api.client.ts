import { simulationTraceSchema, type SimulationTrace } from '@parley/contracts';
import { z } from 'zod';
import { seg, type ServiceApi } from './api-call';
import {
  bindingViewSchema,
  flowSummaryViewSchema,
  flowValidationViewSchema,
  flowVersionSummaryViewSchema,
  flowVersionViewSchema,
  flowViewSchema,
  ivrNumberViewSchema,
  type BindingView,
  type EditableFlow,
  type FlowSummaryView,
  type FlowValidationView,
  type FlowVersionSummaryView,
  type FlowVersionView,
  type FlowView,
  type IvrNumberView,
  type SimulateFlowRequest,
} from './ivr-api.types';

/** The ivr service's API (/api/v1/ivr): flows (drafts, validation, versions, simulator) and number bindings. */
export class IvrApiClient {
  constructor(private readonly api: ServiceApi) {}

  listFlows(): Promise<FlowSummaryView[]> {
    return this.api.call('GET', '/ivr/flows', 200, z.array(flowSummaryViewSchema));
  }

  getFlow(flowId: string): Promise<FlowView> {
    return this.api.call('GET', `/ivr/flows/${seg(flowId)}`, 200, flowViewSchema);
  }

  /** Creates a flow whose draft is `document`; its shape must be valid, its graph may still have errors. */
  createFlow(document: EditableFlow): Promise<FlowView> {
    return this.api.call('POST', '/ivr/flows', 201, flowViewSchema, { document });
  }

  /** Replaces the draft; 409 when `baseRevision` is given and another edit was saved since. */
  saveDraft(flowId: string, document: EditableFlow, baseRevision?: number): Promise<FlowView> {
    return this.api.call('PUT', `/ivr/flows/${seg(flowId)}/draft`, 200, flowViewSchema, { document, ...(baseRevision !== undefined ? { baseRevision } : {}) });
  }

  validate(flowId: string): Promise<FlowValidationView> {
    return this.api.call('POST', `/ivr/flows/${seg(flowId)}/validate`, 200, flowValidationViewSchema);
  }

  /** Publishes the draft as the next version; 422 naming the nodes when the draft has errors. */
  publish(flowId: string, baseRevision?: number): Promise<FlowVersionView> {
    return this.api.call('POST', `/ivr/flows/${seg(flowId)}/publish`, 201, flowVersionViewSchema, baseRevision !== undefined ? { baseRevision } : {});
  }

  listVersions(flowId: string): Promise<FlowVersionSummaryView[]> {
    return this.api.call('GET', `/ivr/flows/${seg(flowId)}/versions`, 200, z.array(flowVersionSummaryViewSchema));
  }

  getVersion(flowId: string, version: number): Promise<FlowVersionView> {
    return this.api.call('GET', `/ivr/flows/${seg(flowId)}/versions/${seg(version)}`, 200, flowVersionViewSchema);
  }

  simulate(flowId: string, request: SimulateFlowRequest): Promise<SimulationTrace> {
    return this.api.call('POST', `/ivr/flows/${seg(flowId)}/simulate`, 200, simulationTraceSchema, request);
  }

  listNumbers(): Promise<IvrNumberView[]> {
    return this.api.call('GET', '/ivr/numbers', 200, z.array(ivrNumberViewSchema));
  }

  bindNumber(numberId: string, flowId: string, version: number | 'latest'): Promise<BindingView> {
    return this.api.call('PUT', `/ivr/numbers/${seg(numberId)}/binding`, 200, bindingViewSchema, { flowId, version });
  }

  unbindNumber(numberId: string): Promise<void> {
    return this.api.call('DELETE', `/ivr/numbers/${seg(numberId)}/binding`, 204, null);
  }
}
