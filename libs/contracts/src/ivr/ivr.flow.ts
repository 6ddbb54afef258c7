import { z } from 'zod';
import { localeSchema } from '../tenant/tenant.events';
import { promptSchema } from '../voice/voice.commands';

/**
 * The IVR flow document: a graph of nodes stored as JSON. The web editor, the HTTP API and the ivr
 * service all parse it with these schemas. Shape rules live here; graph rules (reachability,
 * dangling branches, loops with no way out, prompts missing for a locale) are the ivr service's
 * validator, which answers with the issue codes declared at the end of this file.
 */

export const FLOW_SCHEMA_VERSION = 1;

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'] as const;
export const dtmfDigitSchema = z.enum(DIGITS, { error: 'must be one DTMF digit 0-9 * # A-D' });
export type DtmfDigit = z.infer<typeof dtmfDigitSchema>;

const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, { error: 'must be an E.164 number such as +18005550100' });

export const flowNodeIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, {
  error: 'must be 1-64 letters, digits, "-" or "_", starting with a letter or digit',
});

/** A flow variable. Templates may also read the built-ins `call.id`, `call.from`, `call.to` and `call.locale`. */
export const flowVariableNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, {
  error: 'must be 1-64 letters, digits or "_", not starting with a digit',
});

const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'must be 1-64 lower-case letters, digits, "-" or "_"' });

function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** A JavaScript regular expression, as text. */
export const flowPatternSchema = z.string().min(1).max(200).refine(compiles, { error: 'must be a valid regular expression' });

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSchema = z.string().min(1).max(64).refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Paris' });

/**
 * Text with `{{variable}}` placeholders (`{{call.from}}` and the other built-ins too); a variable
 * nobody set reads as an empty string.
 */
export const flowTemplateSchema = z.string().max(1000);

/** The prompts of a node, keyed by locale; each locale plays its list in order. */
export const localizedPromptsSchema = z.partialRecord(localeSchema, z.array(promptSchema).min(1).max(20));
export type LocalizedPrompts = z.infer<typeof localizedPromptsSchema>;

const nodeBase = {
  id: flowNodeIdSchema,
  /** What the editor shows; not used when the flow runs. */
  label: z.string().max(200).optional(),
  position: z.object({ x: z.number(), y: z.number() }).optional(),
};

const retries = z.number().int().min(0).max(5).default(2);
const firstDigitTimeoutMs = z.number().int().min(1000).max(120_000).default(5000);
const interDigitTimeoutMs = z.number().int().min(500).max(60_000).default(3000);
const priority = z.number().int().min(0).max(100).default(0);

export const requiredSkillSchema = z.object({ skill: slug, minProficiency: z.number().int().min(1).max(5).default(1) });
export type RequiredSkill = z.infer<typeof requiredSkillSchema>;

/** Plays prompts, then goes on. */
export const playNodeSchema = z.object({
  ...nodeBase,
  type: z.literal('play'),
  prompt: localizedPromptsSchema,
  /** Whether a key press cuts the prompts short. */
  bargeIn: z.boolean().default(false),
  next: flowNodeIdSchema,
});

/** Asks for one key and branches on it. */
export const menuNodeSchema = z.object({
  ...nodeBase,
  type: z.literal('menu'),
  prompt: localizedPromptsSchema,
  options: z.partialRecord(dtmfDigitSchema, flowNodeIdSchema).refine((options) => Object.keys(options).length > 0, { error: 'a menu needs at least one option' }),
  timeoutMs: firstDigitTimeoutMs,
  /** How many more times the menu is asked after a wrong key or silence (counted together). */
  maxRetries: retries,
  /** Played before the menu is asked again after a wrong key. */
  invalidPrompt: localizedPromptsSchema.optional(),
  /** Played before the menu is asked again after silence. */
  noInputPrompt: localizedPromptsSchema.optional(),
  /** Where the caller goes when the retries are used up by a wrong key. */
  onInvalid: flowNodeIdSchema,
  /** Where the caller goes when the retries are used up by silence; `onInvalid` when absent. */
  onNoInput: flowNodeIdSchema.optional(),
});

/** Collects digits into a variable. */
export const collectNodeSchema = z
  .object({
    ...nodeBase,
    type: z.literal('collect'),
    prompt: localizedPromptsSchema,
    variable: flowVariableNameSchema,
    minLength: z.number().int().min(1).max(64).default(1),
    maxLength: z.number().int().min(1).max(64),
    /** The key that ends the input early (not part of the value). */
    terminator: dtmfDigitSchema.optional(),
    /** The whole input must match it, e.g. `[0-9]{4}`. */
    pattern: flowPatternSchema.optional(),
    firstDigitTimeoutMs,
    interDigitTimeoutMs,
    maxRetries: retries,
    invalidPrompt: localizedPromptsSchema.optional(),
    noInputPrompt: localizedPromptsSchema.optional(),
    next: flowNodeIdSchema,
    onInvalid: flowNodeIdSchema,
    onNoInput: flowNodeIdSchema.optional(),
  })
  .refine((node) => node.minLength <= node.maxLength, { error: 'must not be greater than maxLength', path: ['minLength'] });

const CLOCK_TIME = /^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/;
const clockTime = z.string().regex(CLOCK_TIME, { error: 'must be a time HH:MM between 00:00 and 24:00' });
export const weekdaySchema = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export type Weekday = z.infer<typeof weekdaySchema>;

function isCalendarDate(value: string): boolean {
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

export const openingHoursSchema = z
  .object({ day: weekdaySchema, open: clockTime, close: clockTime })
  .refine((hours) => !CLOCK_TIME.test(hours.open) || !CLOCK_TIME.test(hours.close) || hours.open < hours.close, { error: 'must be later than open (split a night across two days)', path: ['close'] });

export const businessHoursTestSchema = z.object({
  kind: z.literal('business-hours'),
  timeZone: timeZoneSchema,
  /** Open periods in the time zone's local time; a day with none is closed. */
  weekly: z.array(openingHoursSchema).max(70),
  /** Closed all day, in the time zone's local calendar. */
  holidays: z
    .array(z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine(isCalendarDate, { error: 'must be a calendar date YYYY-MM-DD' }), name: z.string().max(100).optional() }))
    .max(366)
    .default([]),
});

export const callerNumberTestSchema = z.object({ kind: z.literal('caller-number'), pattern: flowPatternSchema });

export const comparisonOperatorSchema = z.enum(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'contains', 'matches', 'exists', 'not-exists']);
export type ComparisonOperator = z.infer<typeof comparisonOperatorSchema>;

/** `lt`..`gte` compare numbers (false when either side is not a number); `matches` takes a regular expression. */
export const variableComparisonSchema = z
  .object({ variable: flowVariableNameSchema, op: comparisonOperatorSchema, value: z.string().max(200).optional() })
  .refine((c) => c.op === 'exists' || c.op === 'not-exists' || c.value !== undefined, { error: 'is required by this operator', path: ['value'] })
  .refine((c) => c.op !== 'matches' || c.value === undefined || compiles(c.value), { error: 'must be a valid regular expression', path: ['value'] })
  .refine((c) => !['lt', 'lte', 'gt', 'gte'].includes(c.op) || c.value === undefined || Number.isFinite(Number(c.value)), {
    error: 'must be a number for lt, lte, gt and gte',
    path: ['value'],
  });

export const variablesTestSchema = z.object({ kind: z.literal('variables'), match: z.enum(['all', 'any']).default('all'), comparisons: z.array(variableComparisonSchema).min(1).max(20) });

export const conditionTestSchema = z.discriminatedUnion('kind', [businessHoursTestSchema, callerNumberTestSchema, variablesTestSchema]);
export type ConditionTest = z.infer<typeof conditionTestSchema>;

/** Branches on business hours, the caller's number or variables. */
export const conditionNodeSchema = z.object({
  ...nodeBase,
  type: z.literal('condition'),
  test: conditionTestSchema,
  /** Where the call goes when the test holds (business hours: open). */
  whenTrue: flowNodeIdSchema,
  whenFalse: flowNodeIdSchema,
});

/** `customer.tier` or `accounts.0.id`: object keys and array indexes separated by dots. */
export const jsonPathSchema = z.string().regex(/^[A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*$/, { error: 'must be keys and array indexes separated by dots, e.g. customer.tier' });

/** Calls the tenant's HTTPS webhook and maps its JSON answer into variables. */
export const dataDipNodeSchema = z.object({
  ...nodeBase,
  type: z.literal('data-dip'),
  url: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).max(2000),
  method: z.enum(['GET', 'POST']).default('POST'),
  timeoutMs: z.number().int().min(100).max(10_000).default(3000),
  /** Variables sent with the request (the call id, caller and dialled numbers are always sent). */
  sendVariables: z.array(flowVariableNameSchema).max(50).default([]),
  /** Scalar values of the answer copied into variables; a missing `required` one is a failure. */
  map: z.array(z.object({ path: jsonPathSchema, variable: flowVariableNameSchema, required: z.boolean().default(false) })).max(50).default([]),
  next: flowNodeIdSchema,
  /** Timeout, network error, a non-2xx status, an answer that is not JSON, a missing required value. */
  onFailure: flowNodeIdSchema,
});

export const setVariableNodeSchema = z.object({
  ...nodeBase,
  type: z.literal('set-variable'),
  variable: flowVariableNameSchema,
  value: flowTemplateSchema,
  next: flowNodeIdSchema,
});

/** Hands the call to a queue: the end of the IVR part unless `afterAgent` continues it (e.g. a survey). */
export const enqueueNodeSchema = z.object({
  ...nodeBase,
  type: z.literal('enqueue'),
  queue: slug,
  priority,
  skills: z.array(requiredSkillSchema).max(20).default([]),
  /** Attributes for routing and the agent's screen pop; values are templates. */
  attributes: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), flowTemplateSchema).default({}),
  /** Played before the call is handed over ("please hold"). */
  prompt: localizedPromptsSchema.optional(),
  /** Where the caller goes when the agent hangs up first (e.g. a survey); absent: the call ends with the agent. */
  afterAgent: flowNodeIdSchema.optional(),
  /**
   * Where the caller goes when the queue gives the call back to the IVR (acd.call.overflowed.v1 with
   * its overflow set to voicemail or a callback offer), by the queue's overflow action; an action with
   * no node here: an apology and goodbye.
   */
  onOverflow: z.strictObject({ voicemail: flowNodeIdSchema.optional(), callback: flowNodeIdSchema.optional() }).optional(),
});

export const transferTargetSchema = z.discriminatedUnion('kind', [z.object({ kind: z.literal('number'), number: e164 }), z.object({ kind: z.literal('agent'), agentId: z.uuid() })]);

/** Connects the caller to an outside number or one agent. */
export const transferNodeSchema = z.object({
  ...nodeBase,
  type: z.literal('transfer'),
  target: transferTargetSchema,
  prompt: localizedPromptsSchema.optional(),
  ringTimeoutMs: z.number().int().min(1000).max(120_000).default(30_000),
  /** Where the caller goes when nobody answers or the target cannot be reached; absent: the call ends. */
  onFailure: flowNodeIdSchema.optional(),
  /** Where the caller goes when the other party hangs up first; absent: the call ends with them. */
  afterHangup: flowNodeIdSchema.optional(),
});

/** Greets, records a message until the finish key or the time limit, thanks, hangs up. */
export const voicemailNodeSchema = z.object({
  ...nodeBase,
  type: z.literal('voicemail'),
  prompt: localizedPromptsSchema,
  mailbox: slug,
  maxSeconds: z.number().int().min(5).max(120).default(120),
  finishKey: dtmfDigitSchema.default('#'),
  thanksPrompt: localizedPromptsSchema.optional(),
});

/** Offers a callback instead of waiting: the accept key routes a callback request and hangs up. */
export const callbackOfferNodeSchema = z.object({
  ...nodeBase,
  type: z.literal('callback-offer'),
  prompt: localizedPromptsSchema,
  acceptDigit: dtmfDigitSchema.default('1'),
  timeoutMs: firstDigitTimeoutMs,
  queue: slug,
  priority,
  skills: z.array(requiredSkillSchema).max(20).default([]),
  /** The variable holding the number to call back; absent: the caller's number. */
  numberVariable: flowVariableNameSchema.optional(),
  confirmPrompt: localizedPromptsSchema.optional(),
  /** Any other key, silence, or no E.164 number to call back. */
  onDecline: flowNodeIdSchema,
});

/** Asks for a score from 1 to 5 (after the agent has hung up) and saves it. */
export const surveyNodeSchema = z.object({
  ...nodeBase,
  type: z.literal('survey'),
  prompt: localizedPromptsSchema,
  variable: flowVariableNameSchema.default('surveyScore'),
  timeoutMs: firstDigitTimeoutMs,
  maxRetries: retries,
  invalidPrompt: localizedPromptsSchema.optional(),
  next: flowNodeIdSchema,
});

export const hangupNodeSchema = z.object({
  ...nodeBase,
  type: z.literal('hangup'),
  /** Played before hanging up ("goodbye"). */
  prompt: localizedPromptsSchema.optional(),
  reason: z.string().max(200).optional(),
});

export const flowNodeSchema = z.discriminatedUnion('type', [
  playNodeSchema,
  menuNodeSchema,
  collectNodeSchema,
  conditionNodeSchema,
  dataDipNodeSchema,
  setVariableNodeSchema,
  enqueueNodeSchema,
  transferNodeSchema,
  voicemailNodeSchema,
  callbackOfferNodeSchema,
  surveyNodeSchema,
  hangupNodeSchema,
]);
export type FlowNode = z.infer<typeof flowNodeSchema>;
export type FlowNodeType = FlowNode['type'];
export type FlowNodeOf<T extends FlowNodeType> = Extract<FlowNode, { type: T }>;

export const flowDocumentSchema = z
  .object({
    schemaVersion: z.literal(FLOW_SCHEMA_VERSION),
    name: z.string().min(1).max(200),
    /** The locales the flow speaks; every prompt needs each of them. */
    locales: z.array(localeSchema).min(1),
    /** A call in a locale the flow does not speak hears this one. */
    defaultLocale: localeSchema,
    startNodeId: flowNodeIdSchema,
    nodes: z.array(flowNodeSchema).min(1).max(500),
  })
  .refine((flow) => new Set(flow.locales).size === flow.locales.length, { error: 'must not list a locale twice', path: ['locales'] });
export type FlowDocument = z.infer<typeof flowDocumentSchema>;
/** A flow document as written (defaults not applied yet). */
export type FlowDocumentInput = z.input<typeof flowDocumentSchema>;

/** Validation issue codes; stable, so the editor can key its messages on them. */
export const flowErrorCodeSchema = z.enum([
  /** The document does not have the shape of a flow (a missing field, a wrong type, a bad value). */
  'invalid-document',
  'duplicate-node-id',
  /** `startNodeId` names no node. */
  'missing-start-node',
  /** `defaultLocale` is not one of `locales`. */
  'default-locale-not-listed',
  /** A branch points at a node that does not exist. */
  'dangling-branch',
  /** No path from the start node leads there. */
  'unreachable-node',
  /** From this node no ending (hangup, enqueue, transfer, voicemail, callback offer) can be reached. */
  'loop-without-exit',
  /** A prompt has nothing for one of the flow's locales. */
  'missing-prompt',
]);
export const flowWarningCodeSchema = z.enum([
  /** A menu is the fourth (or deeper) menu on a path: callers get lost. */
  'menu-too-deep',
  /** A text prompt filed under one locale is spoken in another. */
  'prompt-locale-mismatch',
  /** A template or condition reads a variable that no node sets. */
  'variable-never-set',
  /** An enqueue node names no node for a queue's overflow to voicemail or a callback offer: such a caller hears an apology and is hung up. */
  'overflow-not-handled',
]);
export type FlowErrorCode = z.infer<typeof flowErrorCodeSchema>;
export type FlowWarningCode = z.infer<typeof flowWarningCodeSchema>;

const issue = {
  /** The node the issue is about; absent for flow-level fields. */
  nodeId: z.string().optional(),
  /** The field, as a dotted path inside the node (or the flow), e.g. `options.1`, `prompt.zh-CN`. */
  field: z.string(),
  message: z.string(),
};
export const flowErrorSchema = z.object({ code: flowErrorCodeSchema, ...issue });
export const flowWarningSchema = z.object({ code: flowWarningCodeSchema, ...issue });
export type FlowError = z.infer<typeof flowErrorSchema>;
export type FlowWarning = z.infer<typeof flowWarningSchema>;

export const flowValidationResultSchema = z.object({ errors: z.array(flowErrorSchema), warnings: z.array(flowWarningSchema) });
export type FlowValidationResult = z.infer<typeof flowValidationResultSchema>;
