import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AcdAgentStatistics } from '@parley/contracts';
import { type AuthPrincipal, CurrentPrincipal, CurrentTenant, Roles } from '@parley/auth';
import { ApiZodBody, UuidParamPipe, ZodValidationPipe } from '@parley/http';
import { StatisticsService } from '../stats/statistics.service';
import {
  type AgentStateView,
  type AgentView,
  type SetAgentQueuesRequest,
  setAgentQueuesRequestSchema,
  type SetAgentSkillsRequest,
  setAgentSkillsRequestSchema,
  type SetAgentStateRequest,
  setAgentStateRequestSchema,
} from './agents.dto';
import { AgentsService } from './agents.service';

/**
 * Agents (users with a seat): owners and admins set skills and queues; supervisors read everything
 * and may set any agent's state; an agent reads and sets only its own state.
 */
@ApiTags('acd')
@ApiBearerAuth()
@Roles('owner', 'admin', 'supervisor')
@Controller('acd/agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly statistics: StatisticsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every agent of the tenant, with skills, queues and live state' })
  list(@CurrentTenant() tenantId: string): Promise<AgentView[]> {
    return this.agents.list(tenantId);
  }

  @Get('stats')
  @ApiOperation({ summary: "Live statistics of every agent: state, time in state, today's calls and handle time" })
  stats(@CurrentTenant() tenantId: string): Promise<AcdAgentStatistics[]> {
    return this.statistics.agents(tenantId);
  }

  @Get(':agentId')
  @Roles('owner', 'admin', 'supervisor', 'agent')
  @ApiOperation({ summary: 'One agent (an agent may read only itself)' })
  get(@CurrentTenant() tenantId: string, @CurrentPrincipal() principal: AuthPrincipal, @Param('agentId', new UuidParamPipe('agentId')) agentId: string): Promise<AgentView> {
    return this.agents.get(tenantId, principal, agentId);
  }

  @Put(':agentId/skills')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: "Set the agent's skills with proficiency 1-5 (a new profile version)" })
  @ApiZodBody(setAgentSkillsRequestSchema)
  setSkills(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('agentId', new UuidParamPipe('agentId')) agentId: string,
    @Body(new ZodValidationPipe(setAgentSkillsRequestSchema)) body: SetAgentSkillsRequest,
  ): Promise<AgentView> {
    return this.agents.setSkills(tenantId, principal, agentId, body.skills);
  }

  @Put(':agentId/queues')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: "Set the queues the agent takes calls from (a new profile version)" })
  @ApiZodBody(setAgentQueuesRequestSchema)
  setQueues(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('agentId', new UuidParamPipe('agentId')) agentId: string,
    @Body(new ZodValidationPipe(setAgentQueuesRequestSchema)) body: SetAgentQueuesRequest,
  ): Promise<AgentView> {
    return this.agents.setQueues(tenantId, principal, agentId, body.queueIds);
  }

  @Get(':agentId/state')
  @Roles('owner', 'admin', 'supervisor', 'agent')
  @ApiOperation({ summary: "The agent's routing state (an agent may read only its own)" })
  state(@CurrentTenant() tenantId: string, @CurrentPrincipal() principal: AuthPrincipal, @Param('agentId', new UuidParamPipe('agentId')) agentId: string): Promise<AgentStateView> {
    return this.agents.state(tenantId, principal, agentId);
  }

  @Put(':agentId/state')
  @Roles('owner', 'admin', 'supervisor', 'agent')
  @ApiOperation({ summary: 'Ask for available, break (with a reason code) or offline; 409 naming from and to when the transition is illegal (an agent may change only its own)' })
  @ApiZodBody(setAgentStateRequestSchema)
  setState(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('agentId', new UuidParamPipe('agentId')) agentId: string,
    @Body(new ZodValidationPipe(setAgentStateRequestSchema)) body: SetAgentStateRequest,
  ): Promise<AgentStateView> {
    return this.agents.setState(tenantId, principal, agentId, body.state, body.reason);
  }
}
