import { acdAgentStateSchema } from '@parley/contracts';
import { z } from 'zod';

/**
 * The acd service's HTTP bodies that libs/contracts does not export (they are internal to
 * apps/acd: routing/routing-config.schema.ts, queues/queues.dto.ts, skills/skills.dto.ts,
 * agents/agents.dto.ts, settings/settings.controller.ts, settings/break-reasons.ts). Mirrored here for the web client; keep in step.
 */

export const ROUTING_STRATEGIES = ['longest-idle', 'least-occupied', 'best-skill-match', 'round-robin', 'ring-all'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

export const OVERFLOW_KINDS = ['queue', 'voicemail', 'callback'] as const;

const skillRequirementSchema = z.object({ skillId: z.string(), minProficiency: z.number().int() });

const overflowTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('queue'), queueId: z.string() }),
  z.object({ kind: z.literal('voicemail') }),
  z.object({ kind: z.literal('callback') }),
]);
export type OverflowTarget = z.infer<typeof overflowTargetSchema>;

const overflowStepSchema = z.object({
  afterSeconds: z.number(),
  lowerMinProficiencyTo: z.number().int().optional(),
  dropSkills: z.array(z.string()).default([]),
});
export type OverflowStep = z.infer<typeof overflowStepSchema>;

const vipRuleSchema = z.object({
  attribute: z.string(),
  values: z.array(z.string()),
  priorityBoost: z.number().int(),
  preferHigherProficiency: z.boolean().default(true),
});
export type VipRule = z.infer<typeof vipRuleSchema>;

/** A queue's configuration as the acd stores it (durations in seconds). */
export const queueConfigSchema = z.object({
  queueId: z.string(),
  version: z.number().int(),
  name: z.string(),
  requiredSkills: z.array(skillRequirementSchema).default([]),
  priority: z.number().int().default(0),
  strategy: z.enum(ROUTING_STRATEGIES),
  ringAllLimit: z.number().int().default(10),
  serviceLevel: z.object({ percent: z.number(), thresholdSeconds: z.number() }),
  maxWaitSeconds: z.number().optional(),
  maxQueueLength: z.number().int().optional(),
  overflow: overflowTargetSchema.optional(),
  overflowSteps: z.array(overflowStepSchema).default([]),
  afterCallWorkSeconds: z.number().default(0),
  offerTimeoutSeconds: z.number().default(20),
  maxMissedOffers: z.number().int().default(3),
  stickyAgentSeconds: z.number().default(0),
  vip: vipRuleSchema.optional(),
});
export type QueueConfig = z.infer<typeof queueConfigSchema>;

/** What POST /acd/queues and PUT /acd/queues/:id take: the whole configuration without its version. */
export type QueueConfigBody = Omit<QueueConfig, 'version'>;

export const queueViewSchema = z.object({
  queueId: z.string(),
  version: z.number().int(),
  config: queueConfigSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
});
export type QueueView = z.infer<typeof queueViewSchema>;

export const queueVersionSummarySchema = z.object({ version: z.number().int(), createdAt: z.string(), createdBy: z.string().nullable() });
export type QueueVersionSummary = z.infer<typeof queueVersionSummarySchema>;

export const skillViewSchema = z.object({ skillId: z.string(), name: z.string(), createdAt: z.string(), updatedAt: z.string() });
export type SkillView = z.infer<typeof skillViewSchema>;

export const agentStateViewSchema = z.object({
  agentId: z.string(),
  state: acdAgentStateSchema,
  reason: z.string().nullable(),
  since: z.string(),
  callId: z.string().nullable(),
  missedOffers: z.number().int(),
});
export type AgentStateView = z.infer<typeof agentStateViewSchema>;

export const agentViewSchema = z.object({
  agentId: z.string(),
  version: z.number().int(),
  hasSeat: z.boolean(),
  skills: z.array(z.object({ skillId: z.string(), proficiency: z.number().int() })),
  queueIds: z.array(z.string()),
  live: agentStateViewSchema,
  updatedAt: z.string(),
});
export type AgentView = z.infer<typeof agentViewSchema>;

/** A break reason code with its label in each UI language (settings/break-reasons.ts). */
export const breakReasonSchema = z.object({ code: z.string().min(1), labels: z.object({ en: z.string(), 'zh-CN': z.string() }) });
export type BreakReason = z.infer<typeof breakReasonSchema>;

/** GET /acd/settings/break-reasons: the tenant's list, or the acd's defaults while it has set none. */
export const breakReasonsViewSchema = z.object({ breakReasons: z.array(breakReasonSchema), isDefault: z.boolean() });
export type BreakReasonsView = z.infer<typeof breakReasonsViewSchema>;

export const acdSettingsViewSchema = z.object({ timeZone: z.string(), breakReasons: z.array(breakReasonSchema) });
export type AcdSettingsView = z.infer<typeof acdSettingsViewSchema>;

/** The states an agent (or a supervisor for them) may ask for. */
export type RequestableAgentState = 'available' | 'break' | 'offline';
