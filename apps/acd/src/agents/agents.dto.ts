import { z } from 'zod';
import { SLUG, SLUG_MESSAGE } from '../http/acd-params';
import { agentRequestableStates } from '../routing/agent-state.machine';
import { BREAK_REASON_CODE } from '../settings/break-reasons';

const slug = z.string({ error: 'must be a string' }).regex(SLUG, { error: SLUG_MESSAGE });

export const setAgentSkillsRequestSchema = z
  .strictObject({
    skills: z
      .array(
        z.strictObject({
          skillId: slug,
          proficiency: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be 1 to 5' }).max(5, { error: 'must be 1 to 5' }),
        }),
      )
      .max(200, { error: 'must list at most 200 skills' }),
  })
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.skills.forEach((s, i) => {
      if (seen.has(s.skillId)) ctx.addIssue({ code: 'custom', path: ['skills', i, 'skillId'], message: `skill ${s.skillId} is listed twice` });
      seen.add(s.skillId);
    });
  });
export type SetAgentSkillsRequest = z.infer<typeof setAgentSkillsRequestSchema>;

export const setAgentQueuesRequestSchema = z
  .strictObject({ queueIds: z.array(slug).max(200, { error: 'must list at most 200 queues' }) })
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.queueIds.forEach((q, i) => {
      if (seen.has(q)) ctx.addIssue({ code: 'custom', path: ['queueIds', i], message: `queue ${q} is listed twice` });
      seen.add(q);
    });
  });
export type SetAgentQueuesRequest = z.infer<typeof setAgentQueuesRequestSchema>;

export const setAgentStateRequestSchema = z
  .strictObject({
    state: z.enum(agentRequestableStates, { error: `must be one of ${agentRequestableStates.join(', ')}` }),
    reason: z
      .string({ error: 'must be a string' })
      .regex(BREAK_REASON_CODE, { error: 'must be a lower-case code such as lunch or training' })
      .optional(),
  })
  .superRefine((body, ctx) => {
    if (body.state === 'break' && body.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is required for a break' });
    if (body.state !== 'break' && body.reason !== undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is only for a break' });
  });
export type SetAgentStateRequest = z.infer<typeof setAgentStateRequestSchema>;

export interface AgentStateView {
  agentId: string;
  state: 'offline' | 'available' | 'reserved' | 'on-call' | 'after-call-work' | 'break';
  reason: string | null;
  since: string;
  /** The call the state is about (reserved, on a call, wrapping up). */
  callId: string | null;
  missedOffers: number;
  /** In after-call work: when it ends and the agent is made available. */
  acwEndsAt?: string;
}

export interface AgentView {
  agentId: string;
  version: number;
  hasSeat: boolean;
  skills: { skillId: string; proficiency: number }[];
  queueIds: string[];
  live: AgentStateView;
  updatedAt: string;
}
