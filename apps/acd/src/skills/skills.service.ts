import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { type UnitOfWork } from '@parley/persistence';
import { ACD_LOGGER, ACD_UNIT_OF_WORK, type AcdLogger } from '../acd.tokens';
import { RoutingDispatcher } from '../runtime/routing-dispatcher.service';
import { RoutingInputsRepository } from '../runtime/routing-inputs.repository';
import { type SkillView } from './skills.dto';
import { type SkillRecord, SkillsRepository } from './skills.repository';

const view = (s: SkillRecord): SkillView => ({ skillId: s.skillId, name: s.name, createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString() });

/** The tenant's skills: created and renamed by owners and admins; the tenant's engine learns each change. */
@Injectable()
export class SkillsService {
  constructor(
    @Inject(ACD_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(ACD_LOGGER) private readonly logger: AcdLogger,
    private readonly skills: SkillsRepository,
    private readonly inputs: RoutingInputsRepository,
    private readonly dispatcher: RoutingDispatcher,
  ) {}

  async create(tenantId: string, skill: { skillId: string; name: string }): Promise<SkillView> {
    const created = await this.uow.inTenant(tenantId, async (tx) => {
      if (!(await this.skills.insert(tx, skill))) {
        throw new ConflictException({ message: `skill ${skill.skillId} already exists`, fields: [{ path: 'skillId', message: 'is taken' }] });
      }
      await this.inputs.add(tx, { kind: 'config', scope: 'skill', id: skill.skillId }, false);
      return (await this.skills.find(tx, skill.skillId)) as SkillRecord;
    });
    this.logger.info({ tenantId, skillId: skill.skillId }, 'skill created');
    await this.dispatcher.poke(tenantId);
    return view(created);
  }

  async rename(tenantId: string, skillId: string, name: string): Promise<SkillView> {
    const renamed = await this.uow.inTenant(tenantId, async (tx) => {
      const skill = await this.skills.rename(tx, skillId, name);
      if (!skill) throw new NotFoundException(`skill ${skillId} was not found`);
      await this.inputs.add(tx, { kind: 'config', scope: 'skill', id: skillId }, false);
      return skill;
    });
    await this.dispatcher.poke(tenantId);
    return view(renamed);
  }

  list(tenantId: string): Promise<SkillView[]> {
    return this.uow.inTenant(tenantId, async (tx) => (await this.skills.list(tx)).map(view));
  }

  async get(tenantId: string, skillId: string): Promise<SkillView> {
    const skill = await this.uow.inTenant(tenantId, (tx) => this.skills.find(tx, skillId));
    if (!skill) throw new NotFoundException(`skill ${skillId} was not found`);
    return view(skill);
  }
}
