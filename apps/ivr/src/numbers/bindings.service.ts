import { Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { type FlowDocument } from '@parley/contracts';
import { type TenantTransaction, type UnitOfWork } from '@parley/persistence';
import { FlowRepository } from '../flows/flow.repository';
import { type Clock, IVR_CLOCK, IVR_UNIT_OF_WORK } from '../ivr.tokens';
import { type BindingView, type BindNumberRequest, type IvrNumberView } from './dto/binding.dto';
import { type IvrPhoneNumberEntity } from './ivr-phone-number.entity';
import { type NumberBindingEntity } from './number-binding.entity';
import { NumberRepository } from './number.repository';

/** The flow version a call to a number runs. */
export interface ResolvedBinding {
  readonly flowId: string;
  readonly version: number;
  readonly document: FlowDocument;
}

/** Binds the tenant's phone numbers to flows: a pinned published version, or the latest published one. */
@Injectable()
export class BindingsService {
  constructor(
    @Inject(IVR_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(IVR_CLOCK) private readonly clock: Clock,
    private readonly numbers: NumberRepository,
    private readonly flows: FlowRepository,
  ) {}

  list(tenantId: string): Promise<IvrNumberView[]> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const numbers = await this.numbers.listActive(tx);
      const bindings = new Map((await this.numbers.listBindings(tx)).map((b) => [b.numberId, b]));
      const views: IvrNumberView[] = [];
      for (const number of numbers) views.push(await this.numberView(tx, number, bindings.get(number.numberId) ?? null));
      return views;
    });
  }

  get(tenantId: string, numberId: string): Promise<IvrNumberView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const number = await this.requireNumber(tx, numberId);
      return this.numberView(tx, number, await this.numbers.findBinding(tx, numberId));
    });
  }

  /** Binds (or rebinds) a number: 404 for a number or flow the tenant does not have, 422 for a version that does not exist. */
  bind(tenantId: string, actorId: string | null, numberId: string, request: BindNumberRequest): Promise<BindingView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const number = await this.requireNumber(tx, numberId);
      const flow = await this.flows.find(tx, request.flowId);
      if (!flow) throw new NotFoundException({ message: `flow ${request.flowId} was not found`, fields: [{ path: 'flowId', message: 'is not one of this tenant\'s flows' }] });
      if (request.version === 'latest') {
        if ((await this.flows.latestVersion(tx, flow.id)) === null) {
          throw new UnprocessableEntityException({
            message: `flow ${flow.id} has no published version yet: publish it before binding a number to it`,
            fields: [{ path: 'version', message: 'the flow has no published version yet' }],
          });
        }
      } else if ((await this.flows.findVersion(tx, flow.id, request.version)) === null) {
        throw new UnprocessableEntityException({ message: `flow ${flow.id} has no version ${request.version}`, fields: [{ path: 'version', message: `the flow has no version ${request.version}` }] });
      }
      const binding = await this.numbers.saveBinding(tx, { numberId: number.numberId, flowId: flow.id, pinnedVersion: request.version === 'latest' ? null : request.version, updatedBy: actorId, at: this.clock() });
      const view = await this.bindingView(tx, binding);
      if (view === null) throw new Error(`binding of number ${numberId} resolves to no version right after it was checked`);
      return view;
    });
  }

  unbind(tenantId: string, numberId: string): Promise<void> {
    return this.uow.inTenant(tenantId, async (tx) => {
      await this.requireNumber(tx, numberId);
      if (!(await this.numbers.deleteBinding(tx, numberId))) throw new NotFoundException(`phone number ${numberId} is not bound to a flow`);
    });
  }

  /** The flow version a call to `numberId` runs now, or null when no flow answers the number. */
  async resolve(tx: TenantTransaction, numberId: string): Promise<ResolvedBinding | null> {
    if ((await this.numbers.findActive(tx, numberId)) === null) return null;
    const binding = await this.numbers.findBinding(tx, numberId);
    if (binding === null) return null;
    const version = binding.pinnedVersion === null ? await this.flows.latestVersion(tx, binding.flowId) : await this.flows.findVersion(tx, binding.flowId, binding.pinnedVersion);
    return version === null ? null : { flowId: version.flowId, version: version.version, document: version.document };
  }

  private async requireNumber(tx: TenantTransaction, numberId: string): Promise<IvrPhoneNumberEntity> {
    const number = await this.numbers.findActive(tx, numberId);
    if (!number) throw new NotFoundException(`phone number ${numberId} is not one of this tenant's numbers`);
    return number;
  }

  private async numberView(tx: TenantTransaction, number: IvrPhoneNumberEntity, binding: NumberBindingEntity | null): Promise<IvrNumberView> {
    return {
      numberId: number.numberId,
      e164: number.e164,
      assignedAt: number.assignedAt?.toISOString() ?? null,
      binding: binding === null ? null : await this.bindingView(tx, binding),
    };
  }

  private async bindingView(tx: TenantTransaction, binding: NumberBindingEntity): Promise<BindingView | null> {
    const flow = await this.flows.find(tx, binding.flowId);
    const resolved = binding.pinnedVersion ?? (await this.flows.latestVersions(tx, [binding.flowId])).get(binding.flowId);
    if (flow === null || resolved === undefined) return null;
    return {
      numberId: binding.numberId,
      flowId: binding.flowId,
      flowName: flow.name,
      version: binding.pinnedVersion ?? 'latest',
      resolvedVersion: resolved,
      updatedAt: binding.updatedAt.toISOString(),
    };
  }
}
