import { randomUUID } from 'node:crypto';
import { ConflictException, HttpException, HttpStatus, Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { type FlowDocument, type FlowError, type SimulationTrace } from '@parley/contracts';
import { type TenantTransaction, type UnitOfWork } from '@parley/persistence';
import { type CounterStore } from '@parley/rate-limit';
import { type IvrEnv } from '../config/env.schema';
import { type Clock, IVR_CLOCK, IVR_CONFIG, IVR_COUNTER_STORE, IVR_LOGGER, IVR_UNIT_OF_WORK, type IvrLogger } from '../ivr.tokens';
import { type FlowSummaryView, type FlowValidationView, type FlowVersionSummaryView, type FlowVersionView, type FlowView, type SimulateFlowRequest } from './dto/flow.dto';
import { type FlowEntity } from './flow.entity';
import { FlowRepository } from './flow.repository';
import { SimulationError, SimulationScriptError, simulate } from './flow-simulator';
import { validateFlow } from './flow-validator';
import { toFlowSummaryView, toFlowVersionSummaryView, toFlowVersionView, toFlowView, toValidationView } from './flow-views';

/** Keys of the ivr service's counters, built in one place (tenant-scoped: `t:{tenantId}:...`). */
export const ivrCounterKeys = {
  simulations: (tenantId: string): string => `t:${tenantId}:ivr:simulations`,
};

/** The answer to a flow whose graph cannot run: 422, one field per error, each naming its node. */
export function flowErrorsException(errors: readonly FlowError[], what: string): UnprocessableEntityException {
  const fields = errors.map((e) => ({ path: e.nodeId !== undefined ? `nodes[${e.nodeId}].${e.field}` : e.field, message: e.message }));
  const shown = errors.slice(0, 10).map((e) => e.message);
  const more = errors.length > shown.length ? `; and ${errors.length - shown.length} more` : '';
  return new UnprocessableEntityException({ message: `${what}: the flow has ${errors.length} error${errors.length === 1 ? '' : 's'}: ${shown.join('; ')}${more}`, fields });
}

/**
 * Flows: a draft per flow that owners and admins edit, validate and publish as immutable numbered
 * versions; and the simulator, which runs a draft or a version for one scripted call.
 */
@Injectable()
export class FlowsService {
  constructor(
    @Inject(IVR_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(IVR_CLOCK) private readonly clock: Clock,
    @Inject(IVR_CONFIG) private readonly config: IvrEnv,
    @Inject(IVR_COUNTER_STORE) private readonly counters: CounterStore,
    @Inject(IVR_LOGGER) private readonly logger: IvrLogger,
    private readonly flows: FlowRepository,
  ) {}

  /** Creates a flow whose draft is `document` (its graph may still have errors: validate tells which). */
  create(tenantId: string, actorId: string | null, document: FlowDocument): Promise<FlowView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const flow = await this.flows.insert(tx, { id: randomUUID(), name: document.name, draft: document, createdBy: actorId, at: this.clock() });
      this.logger.info({ tenantId, flowId: flow.id }, 'flow created');
      return toFlowView(flow, undefined, validateFlow(flow.draft));
    });
  }

  list(tenantId: string): Promise<FlowSummaryView[]> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const flows = await this.flows.list(tx);
      const latest = await this.flows.latestVersions(
        tx,
        flows.map((f) => f.id),
      );
      return flows.map((f) => toFlowSummaryView(f, latest.get(f.id)));
    });
  }

  get(tenantId: string, flowId: string): Promise<FlowView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const flow = await this.require(tx, flowId);
      const latest = await this.flows.latestVersions(tx, [flow.id]);
      return toFlowView(flow, latest.get(flow.id), validateFlow(flow.draft));
    });
  }

  /** Replaces the draft. With `baseRevision`, refuses (409) when another edit was saved since. */
  updateDraft(tenantId: string, actorId: string | null, flowId: string, document: FlowDocument, baseRevision: number | undefined): Promise<FlowView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const flow = await this.requireForUpdate(tx, flowId);
      this.checkRevision(flow, baseRevision);
      const saved = await this.flows.saveDraft(tx, flow.id, { name: document.name, draft: document, draftRevision: flow.draftRevision + 1, updatedBy: actorId, at: this.clock() });
      const latest = await this.flows.latestVersions(tx, [flow.id]);
      return toFlowView(saved, latest.get(flow.id), validateFlow(saved.draft));
    });
  }

  validate(tenantId: string, flowId: string): Promise<FlowValidationView> {
    return this.uow.inTenant(tenantId, async (tx) => toValidationView(validateFlow((await this.require(tx, flowId)).draft)));
  }

  /** Publishes the draft as the next version; a draft with errors is refused (422, naming the nodes). */
  publish(tenantId: string, actorId: string | null, flowId: string, baseRevision: number | undefined): Promise<FlowVersionView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const flow = await this.requireForUpdate(tx, flowId);
      this.checkRevision(flow, baseRevision);
      const { errors, warnings } = validateFlow(flow.draft);
      if (errors.length > 0) throw flowErrorsException(errors, `flow ${flow.id} cannot be published`);
      const latest = await this.flows.latestVersion(tx, flow.id);
      const version = await this.flows.insertVersion(tx, {
        flowId: flow.id,
        version: (latest?.version ?? 0) + 1,
        document: flow.draft,
        warnings,
        draftRevision: flow.draftRevision,
        publishedBy: actorId,
        at: this.clock(),
      });
      this.logger.info({ tenantId, flowId: flow.id, version: version.version }, 'flow published');
      return toFlowVersionView(version);
    });
  }

  listVersions(tenantId: string, flowId: string): Promise<FlowVersionSummaryView[]> {
    return this.uow.inTenant(tenantId, async (tx) => {
      await this.require(tx, flowId);
      return (await this.flows.listVersions(tx, flowId)).map(toFlowVersionSummaryView);
    });
  }

  getVersion(tenantId: string, flowId: string, version: number): Promise<FlowVersionView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      await this.require(tx, flowId);
      const found = await this.flows.findVersion(tx, flowId, version);
      if (!found) throw new NotFoundException(`flow ${flowId} has no version ${version}`);
      return toFlowVersionView(found);
    });
  }

  /**
   * Runs the draft (or a published version) for one scripted call in the same executor as live
   * calls. Limited per tenant: a simulation may take up to ten thousand executor steps.
   */
  async simulate(tenantId: string, flowId: string, request: SimulateFlowRequest): Promise<SimulationTrace> {
    const { document, version } = await this.uow.inTenant(tenantId, async (tx) => {
      const flow = await this.require(tx, flowId);
      if (request.version === undefined) return { document: flow.draft, version: 0 };
      const found = await this.flows.findVersion(tx, flowId, request.version);
      if (!found) throw new NotFoundException(`flow ${flowId} has no version ${request.version}`);
      return { document: found.document, version: found.version };
    });
    const used = await this.counters.increment(ivrCounterKeys.simulations(tenantId), 60);
    if (used > this.config.IVR_SIMULATIONS_PER_MINUTE) {
      throw new HttpException({ message: `too many simulations: at most ${this.config.IVR_SIMULATIONS_PER_MINUTE} per minute per tenant` }, HttpStatus.TOO_MANY_REQUESTS);
    }
    const { errors } = validateFlow(document);
    if (errors.length > 0) throw flowErrorsException(errors, `the ${version === 0 ? 'draft' : `version ${version}`} of flow ${flowId} cannot run`);
    try {
      return simulate(document, request.script, { flowId, flowVersion: version });
    } catch (error) {
      if (error instanceof SimulationScriptError) {
        const fields = error.issues.map((issue) => {
          const colon = issue.indexOf(': ');
          return { path: `script.${issue.slice(0, colon)}`, message: issue.slice(colon + 2) };
        });
        throw new UnprocessableEntityException({ message: error.message, fields });
      }
      if (error instanceof SimulationError) {
        this.logger.error({ tenantId, flowId, version, err: error.message }, 'the simulation could not finish the call');
        throw new UnprocessableEntityException({ message: `the simulation could not finish the call: ${error.message}`, fields: [{ path: 'script', message: error.message }] });
      }
      throw error;
    }
  }

  private async require(tx: TenantTransaction, flowId: string): Promise<FlowEntity> {
    const flow = await this.flows.find(tx, flowId);
    if (!flow) throw new NotFoundException(`flow ${flowId} was not found`);
    return flow;
  }

  private async requireForUpdate(tx: TenantTransaction, flowId: string): Promise<FlowEntity> {
    const flow = await this.flows.findForUpdate(tx, flowId);
    if (!flow) throw new NotFoundException(`flow ${flowId} was not found`);
    return flow;
  }

  private checkRevision(flow: FlowEntity, baseRevision: number | undefined): void {
    if (baseRevision !== undefined && baseRevision !== flow.draftRevision) {
      throw new ConflictException({
        message: `the draft of flow ${flow.id} is at revision ${flow.draftRevision}, not ${baseRevision}: reload it and apply the change again`,
        fields: [{ path: 'baseRevision', message: `is ${baseRevision}, the draft is at revision ${flow.draftRevision}` }],
      });
    }
  }
}
