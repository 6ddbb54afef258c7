import { BadRequestException, ForbiddenException, Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { type AuthPrincipal } from '@parley/auth';
import { type FieldError } from '@parley/http';
import { type TenantTransaction, type UnitOfWork } from '@parley/persistence';
import { ACD_LOGGER, ACD_REALTIME, ACD_UNIT_OF_WORK, type AcdLogger } from '../acd.tokens';
import { valueOrThrow, actorOf } from '../http/input-result';
import { type AcdRealtime } from '../live/acd-realtime';
import { type AgentLiveState } from '../live/agent-live-state.store';
import { QueuesRepository } from '../queues/queues.repository';
import { type AgentRequestableState } from '../routing/agent-state.machine';
import { RoutingDispatcher } from '../runtime/routing-dispatcher.service';
import { RoutingInputsRepository } from '../runtime/routing-inputs.repository';
import { type BreakReason, breakReasonsView } from '../settings/break-reasons';
import { SettingsRepository } from '../settings/settings.repository';
import { SkillsRepository } from '../skills/skills.repository';
import { type AgentStateView, type AgentView } from './agents.dto';
import { type AgentRecord, AgentsRepository, type AgentSkill } from './agents.repository';

function stateView(agent: AgentRecord, live: AgentLiveState | null): AgentStateView {
  if (!live) return { agentId: agent.agentId, state: 'offline', reason: null, since: agent.createdAt.toISOString(), callId: null, missedOffers: 0 };
  return {
    agentId: agent.agentId,
    state: live.state,
    reason: live.reason,
    since: new Date(live.since).toISOString(),
    callId: live.callId,
    missedOffers: live.missedOffers,
    ...(live.state === 'after-call-work' && live.acwEndsAt !== null ? { acwEndsAt: new Date(live.acwEndsAt).toISOString() } : {}),
  };
}

function view(agent: AgentRecord, live: AgentLiveState | null): AgentView {
  return { agentId: agent.agentId, version: agent.version, hasSeat: agent.hasSeat, skills: agent.skills, queueIds: agent.queueIds, live: stateView(agent, live), updatedAt: agent.updatedAt.toISOString() };
}

/** Who may see or change an agent's state: the agent itself, or a supervisor, admin or owner. */
function assertMayActFor(principal: AuthPrincipal, agentId: string, what: string): void {
  if (principal.role !== 'agent') return;
  if (principal.kind === 'user' && principal.userId === agentId) return;
  throw new ForbiddenException(`an agent may ${what} only their own state`);
}

/** A break names one of the tenant's reasons (the engine's own `missed-offers` is never among them): 400 listing them otherwise. */
function assertBreakReason(stored: BreakReason[] | null, reason: string): void {
  const codes = breakReasonsView(stored).breakReasons.map((r) => r.code);
  if (codes.includes(reason)) return;
  const message = `must be one of the break reasons of this company: ${codes.join(', ')}`;
  throw new BadRequestException({ message: `reason ${reason} ${message}`, fields: [{ path: 'reason', message }] });
}

/**
 * Agents: profiles (skills with proficiency, queue memberships) set by owners and admins, and
 * routing states: read from the live state, changed through the tenant's engine (which refuses
 * illegal transitions with 409).
 */
@Injectable()
export class AgentsService {
  constructor(
    @Inject(ACD_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(ACD_REALTIME) private readonly realtime: AcdRealtime,
    @Inject(ACD_LOGGER) private readonly logger: AcdLogger,
    private readonly agents: AgentsRepository,
    private readonly skills: SkillsRepository,
    private readonly queues: QueuesRepository,
    private readonly settings: SettingsRepository,
    private readonly inputs: RoutingInputsRepository,
    private readonly dispatcher: RoutingDispatcher,
  ) {}

  async list(tenantId: string): Promise<AgentView[]> {
    const agents = await this.uow.inTenant(tenantId, (tx) => this.agents.list(tx));
    const live = await this.realtime.liveState.readMany(
      tenantId,
      agents.map((a) => a.agentId),
    );
    return agents.map((a) => view(a, live.get(a.agentId) ?? null));
  }

  async get(tenantId: string, principal: AuthPrincipal, agentId: string): Promise<AgentView> {
    assertMayActFor(principal, agentId, 'read');
    const agent = await this.require(tenantId, agentId);
    return view(agent, await this.realtime.liveState.read(tenantId, agentId));
  }

  async setSkills(tenantId: string, principal: AuthPrincipal, agentId: string, skills: AgentSkill[]): Promise<AgentView> {
    const updated = await this.uow.inTenant(tenantId, async (tx) => {
      await this.requireForUpdate(tx, agentId);
      const known = await this.skills.existing(
        tx,
        skills.map((s) => s.skillId),
      );
      const fields: FieldError[] = [];
      skills.forEach((s, i) => {
        if (!known.has(s.skillId)) fields.push({ path: `skills.${i}.skillId`, message: `names unknown skill ${s.skillId}` });
      });
      if (fields.length > 0) throw new UnprocessableEntityException({ message: `agent ${agentId}: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`, fields });
      const agent = await this.agents.updateProfile(tx, agentId, { skills }, actorOf(principal));
      await this.inputs.add(tx, { kind: 'config', scope: 'agent', id: agentId }, false);
      return agent;
    });
    await this.dispatcher.poke(tenantId);
    return view(updated, await this.realtime.liveState.read(tenantId, agentId));
  }

  async setQueues(tenantId: string, principal: AuthPrincipal, agentId: string, queueIds: string[]): Promise<AgentView> {
    const updated = await this.uow.inTenant(tenantId, async (tx) => {
      await this.requireForUpdate(tx, agentId);
      const existing = new Set((await this.queues.list(tx)).map((q) => q.queueId));
      const fields: FieldError[] = [];
      queueIds.forEach((q, i) => {
        if (!existing.has(q)) fields.push({ path: `queueIds.${i}`, message: `names unknown queue ${q}` });
      });
      if (fields.length > 0) throw new UnprocessableEntityException({ message: `agent ${agentId}: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`, fields });
      const agent = await this.agents.updateProfile(tx, agentId, { queueIds }, actorOf(principal));
      await this.inputs.add(tx, { kind: 'config', scope: 'agent', id: agentId }, false);
      return agent;
    });
    await this.dispatcher.poke(tenantId);
    return view(updated, await this.realtime.liveState.read(tenantId, agentId));
  }

  async state(tenantId: string, principal: AuthPrincipal, agentId: string): Promise<AgentStateView> {
    assertMayActFor(principal, agentId, 'read');
    const agent = await this.require(tenantId, agentId);
    return stateView(agent, await this.realtime.liveState.read(tenantId, agentId));
  }

  async setState(tenantId: string, principal: AuthPrincipal, agentId: string, to: AgentRequestableState, reason: string | undefined): Promise<AgentStateView> {
    assertMayActFor(principal, agentId, 'change');
    const { agent, breakReasons } = await this.uow.inTenant(tenantId, async (tx) => ({
      agent: await this.agents.find(tx, agentId),
      breakReasons: to === 'break' ? await this.settings.breakReasons(tx) : null,
    }));
    if (!agent) throw new NotFoundException(`agent ${agentId} was not found`);
    if (to === 'break' && reason !== undefined) assertBreakReason(breakReasons, reason);
    const live = valueOrThrow(await this.dispatcher.submit(tenantId, { kind: 'agent-state', agentId, to, reason: reason ?? null }, { reply: true })) as AgentLiveState | null;
    this.logger.info({ tenantId, agentId, to, reason, by: principal.kind === 'user' ? principal.userId : principal.apiKeyId }, 'agent state requested');
    return stateView(agent, live);
  }

  private async require(tenantId: string, agentId: string): Promise<AgentRecord> {
    const agent = await this.uow.inTenant(tenantId, (tx) => this.agents.find(tx, agentId));
    if (!agent) throw new NotFoundException(`agent ${agentId} was not found`);
    return agent;
  }

  private async requireForUpdate(tx: TenantTransaction, agentId: string): Promise<AgentRecord> {
    const agent = await this.agents.findForUpdate(tx, agentId);
    if (!agent) throw new NotFoundException(`agent ${agentId} was not found`);
    return agent;
  }
}
