import { z } from 'zod';
import { RoutingError } from './routing.errors';

/**
 * Routing configuration and inputs, validated with zod at the engine's edge. Config objects carry a
 * version; every decision records the version of the queue configuration it used. Durations are
 * given in seconds (as people configure them); the engine works in milliseconds.
 */

const identifier = z
  .string()
  .trim()
  .min(1, { message: 'must not be empty', abort: true })
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'may hold only letters, digits and . _ : @ -');

const proficiency = z.number().int('must be a whole number').min(1, 'must be 1 to 5').max(5, 'must be 1 to 5');
const version = z.number().int('must be a whole number').min(1, 'must be 1 or more');

export const skillSchema = z
  .object({
    skillId: identifier,
    name: z.string().trim().min(1, 'must not be empty').max(200),
  })
  .strict();
export type Skill = z.infer<typeof skillSchema>;

export const skillRequirementSchema = z
  .object({
    skillId: identifier,
    minProficiency: proficiency,
  })
  .strict();
export type SkillRequirement = z.infer<typeof skillRequirementSchema>;

export const routingStrategies = ['longest-idle', 'least-occupied', 'best-skill-match', 'round-robin', 'ring-all'] as const;
export type RoutingStrategy = (typeof routingStrategies)[number];

export const overflowTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('queue'), queueId: identifier }).strict(),
  z.object({ kind: z.literal('voicemail') }).strict(),
  z.object({ kind: z.literal('callback') }).strict(),
]);
export type OverflowTarget = z.infer<typeof overflowTargetSchema>;

/** After `afterSeconds` of waiting the requirement widens: minimums drop to at most `lowerMinProficiencyTo`, `dropSkills` stop being required. */
export const overflowStepSchema = z
  .object({
    afterSeconds: z.number().positive('must be above 0').max(86_400, 'must be at most a day'),
    lowerMinProficiencyTo: proficiency.optional(),
    dropSkills: z.array(identifier).max(50).default([]),
  })
  .strict()
  .refine((step) => step.lowerMinProficiencyTo !== undefined || step.dropSkills.length > 0, {
    message: 'an overflow step must lower the minimum proficiency or drop a skill',
  });
export type OverflowStep = z.infer<typeof overflowStepSchema>;

export const vipRuleSchema = z
  .object({
    /** The call attribute that marks a VIP (e.g. `tier`), and the values that do (e.g. `gold`). */
    attribute: identifier,
    values: z.array(z.string().min(1)).min(1, 'must list at least one value').max(50),
    priorityBoost: z.number().int().min(0).max(100),
    /** VIP calls go to agents with a higher proficiency first. */
    preferHigherProficiency: z.boolean().default(true),
  })
  .strict();
export type VipRule = z.infer<typeof vipRuleSchema>;

export const queueConfigSchema = z
  .object({
    queueId: identifier,
    version,
    name: z.string().trim().min(1, 'must not be empty').max(200),
    requiredSkills: z.array(skillRequirementSchema).max(50).default([]),
    /** Higher is served first (added to the call's own priority and a VIP boost). */
    priority: z.number().int().min(0).max(100).default(0),
    strategy: z.enum(routingStrategies),
    /** ring-all rings at most this many agents at once. */
    ringAllLimit: z.number().int().min(1).max(50).default(10),
    serviceLevel: z
      .object({
        percent: z.number().min(0).max(100),
        thresholdSeconds: z.number().positive('must be above 0').max(3_600),
      })
      .strict(),
    maxWaitSeconds: z.number().positive('must be above 0').max(86_400).optional(),
    maxQueueLength: z.number().int().positive('must be above 0').max(100_000).optional(),
    overflow: overflowTargetSchema.optional(),
    overflowSteps: z.array(overflowStepSchema).max(20).default([]),
    afterCallWorkSeconds: z.number().min(0).max(3_600).default(0),
    offerTimeoutSeconds: z.number().positive('must be above 0').max(600).default(20),
    /** After this many missed offers in a row the agent is set on break with reason `missed-offers`. */
    maxMissedOffers: z.number().int().min(1).max(100).default(3),
    /** Hold a call for the caller's last agent for this long (0: no sticky agent). */
    stickyAgentSeconds: z.number().min(0).max(3_600).default(0),
    vip: vipRuleSchema.optional(),
  })
  .strict()
  .superRefine((queue, ctx) => {
    const seen = new Set<string>();
    queue.requiredSkills.forEach((requirement, index) => {
      if (seen.has(requirement.skillId)) {
        ctx.addIssue({ code: 'custom', path: ['requiredSkills', index, 'skillId'], message: `skill ${requirement.skillId} is listed twice` });
      }
      seen.add(requirement.skillId);
    });
    if ((queue.maxWaitSeconds !== undefined || queue.maxQueueLength !== undefined) && queue.overflow === undefined) {
      ctx.addIssue({ code: 'custom', path: ['overflow'], message: 'is required when maxWaitSeconds or maxQueueLength is set' });
    }
    if (queue.overflow?.kind === 'queue' && queue.overflow.queueId === queue.queueId) {
      ctx.addIssue({ code: 'custom', path: ['overflow', 'queueId'], message: 'a queue cannot overflow into itself' });
    }
    queue.overflowSteps.forEach((step, index) => {
      const previous = queue.overflowSteps[index - 1];
      if (previous && step.afterSeconds <= previous.afterSeconds) {
        ctx.addIssue({ code: 'custom', path: ['overflowSteps', index, 'afterSeconds'], message: 'must be later than the previous step' });
      }
    });
  });
export type QueueConfig = z.infer<typeof queueConfigSchema>;
export type QueueConfigInput = z.input<typeof queueConfigSchema>;

export const agentConfigSchema = z
  .object({
    agentId: identifier,
    version,
    skills: z
      .array(z.object({ skillId: identifier, proficiency }).strict())
      .max(200)
      .default([]),
    queues: z.array(identifier).max(200).default([]),
  })
  .strict()
  .superRefine((agent, ctx) => {
    const skills = new Set<string>();
    agent.skills.forEach((skill, index) => {
      if (skills.has(skill.skillId)) ctx.addIssue({ code: 'custom', path: ['skills', index, 'skillId'], message: `skill ${skill.skillId} is listed twice` });
      skills.add(skill.skillId);
    });
    const queues = new Set<string>();
    agent.queues.forEach((queueId, index) => {
      if (queues.has(queueId)) ctx.addIssue({ code: 'custom', path: ['queues', index], message: `queue ${queueId} is listed twice` });
      queues.add(queueId);
    });
  });
export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;

export const enqueueCallSchema = z
  .object({
    callId: identifier,
    queueId: identifier,
    /** Added to the queue's priority; higher is served first. */
    priority: z.number().int().min(-100).max(100).default(0),
    /** Skills this call needs on top of the queue's (e.g. chosen in the IVR). */
    skills: z.array(skillRequirementSchema).max(50).default([]),
    attributes: z.record(z.string().max(128), z.string().max(1_000)).default({}),
    /** The caller's last agent, for the sticky-agent window. */
    lastAgentId: identifier.optional(),
    /**
     * When the call took its place (epoch ms, not in the future; default now): a callback request
     * keeps the place its caller had, a call taken over from an engine that died keeps its wait.
     */
    enqueuedAt: z.number().int('must be a whole number of ms').nonnegative('must not be negative').optional(),
    /**
     * A callback request: nobody waits on the line, so the maximum wait and the maximum queue
     * length do not apply to it (it keeps its place until an agent is free).
     */
    callback: z.boolean().default(false),
  })
  .strict();
export type EnqueueCall = z.infer<typeof enqueueCallSchema>;
export type EnqueueCallInput = z.input<typeof enqueueCallSchema>;

/** Parses `value` or throws RoutingError('invalid-input') naming every field that is wrong and why. */
export function parseRoutingInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  throw new RoutingError('invalid-input', `invalid ${what}: ${details}`);
}
