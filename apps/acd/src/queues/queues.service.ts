import { ConflictException, Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { type TenantTransaction, type UnitOfWork } from '@parley/persistence';
import { ACD_LOGGER, ACD_UNIT_OF_WORK, type AcdLogger } from '../acd.tokens';
import { type FieldError } from '@parley/http';
import { type QueueConfig } from '../routing/routing-config.schema';
import { RoutingDispatcher } from '../runtime/routing-dispatcher.service';
import { RoutingInputsRepository } from '../runtime/routing-inputs.repository';
import { SkillsRepository } from '../skills/skills.repository';
import { type QueueVersionView, type QueueView } from './queues.dto';
import { type QueueRecord, QueuesRepository } from './queues.repository';

const view = (q: QueueRecord): QueueView => ({
  queueId: q.queueId,
  version: q.version,
  config: q.config,
  createdAt: q.createdAt.toISOString(),
  updatedAt: q.updatedAt.toISOString(),
  updatedBy: q.updatedBy,
});

/**
 * Queues: owners and admins create them and change them; every change is a new immutable version,
 * which the decisions made under it name. A configuration must name known skills and an existing
 * overflow queue, without a loop (422 naming the field).
 */
@Injectable()
export class QueuesService {
  constructor(
    @Inject(ACD_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(ACD_LOGGER) private readonly logger: AcdLogger,
    private readonly queues: QueuesRepository,
    private readonly skills: SkillsRepository,
    private readonly inputs: RoutingInputsRepository,
    private readonly dispatcher: RoutingDispatcher,
  ) {}

  async create(tenantId: string, actorId: string | null, config: Omit<QueueConfig, 'version'>): Promise<QueueView> {
    const created = await this.uow.inTenant(tenantId, async (tx) => {
      const full: QueueConfig = { ...config, version: 1 };
      await this.checkReferences(tx, full);
      if (!(await this.queues.insert(tx, full, actorId))) {
        throw new ConflictException({ message: `queue ${config.queueId} already exists`, fields: [{ path: 'queueId', message: 'is taken' }] });
      }
      await this.inputs.add(tx, { kind: 'config', scope: 'queue', id: config.queueId }, false);
      return (await this.queues.find(tx, config.queueId)) as QueueRecord;
    });
    this.logger.info({ tenantId, queueId: config.queueId }, 'queue created');
    await this.dispatcher.poke(tenantId);
    return view(created);
  }

  async update(tenantId: string, actorId: string | null, config: Omit<QueueConfig, 'version'>, baseVersion: number | undefined): Promise<QueueView> {
    const updated = await this.uow.inTenant(tenantId, async (tx) => {
      const current = await this.queues.findForUpdate(tx, config.queueId);
      if (!current) throw new NotFoundException(`queue ${config.queueId} was not found`);
      if (baseVersion !== undefined && baseVersion !== current.version) {
        throw new ConflictException({
          message: `queue ${config.queueId} is at version ${current.version}, not ${baseVersion}: reload it and apply the change again`,
          fields: [{ path: 'baseVersion', message: `is ${baseVersion}, the queue is at version ${current.version}` }],
        });
      }
      const full: QueueConfig = { ...config, version: current.version + 1 };
      await this.checkReferences(tx, full);
      await this.queues.update(tx, full, actorId);
      await this.inputs.add(tx, { kind: 'config', scope: 'queue', id: config.queueId }, false);
      return (await this.queues.find(tx, config.queueId)) as QueueRecord;
    });
    this.logger.info({ tenantId, queueId: config.queueId, version: updated.version }, 'queue changed');
    await this.dispatcher.poke(tenantId);
    return view(updated);
  }

  list(tenantId: string): Promise<QueueView[]> {
    return this.uow.inTenant(tenantId, async (tx) => (await this.queues.list(tx)).map(view));
  }

  async get(tenantId: string, queueId: string): Promise<QueueView> {
    const queue = await this.uow.inTenant(tenantId, (tx) => this.queues.find(tx, queueId));
    if (!queue) throw new NotFoundException(`queue ${queueId} was not found`);
    return view(queue);
  }

  async versions(tenantId: string, queueId: string): Promise<{ version: number; createdAt: string; createdBy: string | null }[]> {
    return this.uow.inTenant(tenantId, async (tx) => {
      if (!(await this.queues.find(tx, queueId))) throw new NotFoundException(`queue ${queueId} was not found`);
      return (await this.queues.listVersions(tx, queueId)).map((v) => ({ version: v.version, createdAt: v.createdAt.toISOString(), createdBy: v.createdBy }));
    });
  }

  async version(tenantId: string, queueId: string, version: number): Promise<QueueVersionView> {
    const found = await this.uow.inTenant(tenantId, async (tx) => {
      if (!(await this.queues.find(tx, queueId))) throw new NotFoundException(`queue ${queueId} was not found`);
      return this.queues.findVersion(tx, queueId, version);
    });
    if (!found) throw new NotFoundException(`queue ${queueId} has no version ${version}`);
    return { queueId: found.queueId, version: found.version, config: found.config, createdAt: found.createdAt.toISOString(), createdBy: found.createdBy };
  }

  /** Known skills, an existing overflow queue, and no overflow loop; else 422 naming each field. */
  private async checkReferences(tx: TenantTransaction, config: QueueConfig): Promise<void> {
    const fields: FieldError[] = [];
    const named = [...config.requiredSkills.map((s) => s.skillId), ...config.overflowSteps.flatMap((step) => step.dropSkills)];
    const known = await this.skills.existing(tx, named);
    config.requiredSkills.forEach((s, i) => {
      if (!known.has(s.skillId)) fields.push({ path: `requiredSkills.${i}.skillId`, message: `names unknown skill ${s.skillId}` });
    });
    config.overflowSteps.forEach((step, i) =>
      step.dropSkills.forEach((skillId, j) => {
        if (!known.has(skillId)) fields.push({ path: `overflowSteps.${i}.dropSkills.${j}`, message: `names unknown skill ${skillId}` });
      }),
    );
    if (config.overflow?.kind === 'queue') {
      const all = new Map((await this.queues.list(tx)).map((q) => [q.queueId, q.config]));
      all.set(config.queueId, config);
      const path = [config.queueId];
      let next: string | undefined = config.overflow.queueId;
      while (next !== undefined) {
        const target = all.get(next);
        if (!target) {
          fields.push({ path: 'overflow.queueId', message: `names unknown queue ${next}` });
          break;
        }
        if (path.includes(next)) {
          fields.push({ path: 'overflow.queueId', message: `overflows in a loop: ${[...path, next].join(' -> ')}` });
          break;
        }
        path.push(next);
        next = target.overflow?.kind === 'queue' ? target.overflow.queueId : undefined;
      }
    }
    if (fields.length > 0) throw new UnprocessableEntityException({ message: `queue ${config.queueId}: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`, fields });
  }
}
