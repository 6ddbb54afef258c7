import {
  acdAgentStatisticsSchema,
  acdQueueStatisticsSchema,
  queueConsultRequestSchema,
  queueConsultViewSchema,
  queueTransferRequestSchema,
  queueTransferViewSchema,
  transferTargetsViewSchema,
  type AcdAgentStatistics,
  type AcdQueueStatistics,
  type QueueConsultView,
  type QueueTransferView,
  type TransferTargetsView,
} from '@parley/contracts';
import { z } from 'zod';
import { seg, validatedBody, type ServiceApi } from './api-call';
import {
  acdSettingsViewSchema,
  breakReasonsViewSchema,
  type BreakReason,
  type BreakReasonsView,
  agentStateViewSchema,
  agentViewSchema,
  queueVersionSummarySchema,
  queueViewSchema,
  skillViewSchema,
  type AcdSettingsView,
  type AgentStateView,
  type AgentView,
  type QueueConfigBody,
  type QueueVersionSummary,
  type QueueView,
  type RequestableAgentState,
  type SkillView,
} from './acd-api.types';

/** The acd service's API (/api/v1/acd): queues, skills, agents, live statistics, settings, transfers to and consultations with a queue. */
export class AcdApiClient {
  constructor(private readonly api: ServiceApi) {}

  listQueues(): Promise<QueueView[]> {
    return this.api.call('GET', '/acd/queues', 200, z.array(queueViewSchema));
  }

  getQueue(queueId: string): Promise<QueueView> {
    return this.api.call('GET', `/acd/queues/${seg(queueId)}`, 200, queueViewSchema);
  }

  createQueue(config: QueueConfigBody): Promise<QueueView> {
    return this.api.call('POST', '/acd/queues', 201, queueViewSchema, config);
  }

  /** Saves the whole configuration as the next version; 409 when `baseVersion` is no longer the current one. */
  updateQueue(queueId: string, config: QueueConfigBody, baseVersion?: number): Promise<QueueView> {
    return this.api.call('PUT', `/acd/queues/${seg(queueId)}`, 200, queueViewSchema, { ...config, ...(baseVersion !== undefined ? { baseVersion } : {}) });
  }

  queueVersions(queueId: string): Promise<QueueVersionSummary[]> {
    return this.api.call('GET', `/acd/queues/${seg(queueId)}/versions`, 200, z.array(queueVersionSummarySchema));
  }

  queueStats(queueId: string): Promise<AcdQueueStatistics> {
    return this.api.call('GET', `/acd/queues/${seg(queueId)}/stats`, 200, acdQueueStatisticsSchema);
  }

  listSkills(): Promise<SkillView[]> {
    return this.api.call('GET', '/acd/skills', 200, z.array(skillViewSchema));
  }

  createSkill(skillId: string, name: string): Promise<SkillView> {
    return this.api.call('POST', '/acd/skills', 201, skillViewSchema, { skillId, name });
  }

  renameSkill(skillId: string, name: string): Promise<SkillView> {
    return this.api.call('PUT', `/acd/skills/${seg(skillId)}`, 200, skillViewSchema, { name });
  }

  listAgents(): Promise<AgentView[]> {
    return this.api.call('GET', '/acd/agents', 200, z.array(agentViewSchema));
  }

  agentStats(): Promise<AcdAgentStatistics[]> {
    return this.api.call('GET', '/acd/agents/stats', 200, z.array(acdAgentStatisticsSchema));
  }

  setAgentSkills(agentId: string, skills: { skillId: string; proficiency: number }[]): Promise<AgentView> {
    return this.api.call('PUT', `/acd/agents/${seg(agentId)}/skills`, 200, agentViewSchema, { skills });
  }

  setAgentQueues(agentId: string, queueIds: string[]): Promise<AgentView> {
    return this.api.call('PUT', `/acd/agents/${seg(agentId)}/queues`, 200, agentViewSchema, { queueIds });
  }

  /** An agent's routing state (an agent may read only its own). */
  agentState(agentId: string): Promise<AgentStateView> {
    return this.api.call('GET', `/acd/agents/${seg(agentId)}/state`, 200, agentStateViewSchema);
  }

  /** Asks for a state (a supervisor may set any agent's); `reason` is required for a break only. */
  setAgentState(agentId: string, state: RequestableAgentState, reason?: string): Promise<AgentStateView> {
    return this.api.call('PUT', `/acd/agents/${seg(agentId)}/state`, 200, agentStateViewSchema, { state, ...(reason !== undefined ? { reason } : {}) });
  }

  settings(): Promise<AcdSettingsView> {
    return this.api.call('GET', '/acd/settings', 200, acdSettingsViewSchema);
  }

  /** The break reasons agents choose from (every role may read them). */
  breakReasons(): Promise<BreakReasonsView> {
    return this.api.call('GET', '/acd/settings/break-reasons', 200, breakReasonsViewSchema);
  }

  /** Replaces the tenant's whole list (owners and admins); 400 names the entry, e.g. `breakReasons.2.code`. */
  setBreakReasons(breakReasons: BreakReason[]): Promise<AcdSettingsView> {
    return this.api.call('PUT', '/acd/settings', 200, acdSettingsViewSchema, { breakReasons });
  }

  /** Where the agent's call can go: the queues with their load, and the agents' live states. */
  transferTargets(): Promise<TransferTargetsView> {
    return this.api.call('GET', '/acd/transfer-targets', 200, transferTargetsViewSchema);
  }

  /** Blind transfer of the agent's connected call to a queue (202: the caller waits there for the next agent). */
  transferToQueue(callId: string, queueId: string): Promise<QueueTransferView> {
    return this.api.call('POST', `/acd/calls/${seg(callId)}/transfer`, 202, queueTransferViewSchema, validatedBody('/acd/calls/:id/transfer', queueTransferRequestSchema, { queueId }));
  }

  /**
   * Consultation with a queue (warm transfer): the acd picks an available agent of the queue and rings
   * them while the caller waits on hold (202). The rest (complete, cancel, conference) goes through the
   * cti's consult endpoints. 409 when no agent of the queue is free or the call is not this agent's.
   * Async so that a body the contract refuses rejects like any other failure instead of throwing.
   */
  async consultQueue(callId: string, queueId: string): Promise<QueueConsultView> {
    return this.api.call('POST', `/acd/calls/${seg(callId)}/consult`, 202, queueConsultViewSchema, validatedBody('/acd/calls/:id/consult', queueConsultRequestSchema, { queueId }));
  }
}
