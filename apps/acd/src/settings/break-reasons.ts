import { z } from 'zod';

/** A break reason code: what the agent state carries (`reason`), as the routing engine accepts it. */
export const BREAK_REASON_CODE = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const BREAK_REASON_CODE_MESSAGE = 'must be 1-64 lower-case letters, digits or "-", starting with a letter or digit';

/** The engine's own reason (too many missed offers): never in a tenant's list, never asked for. */
export const ENGINE_BREAK_REASON = 'missed-offers';

export const MAX_BREAK_REASONS = 30;

const label = z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(64, { error: 'must be at most 64 characters' });

export const breakReasonSchema = z.strictObject({
  code: z
    .string({ error: 'must be a string' })
    .regex(BREAK_REASON_CODE, { error: BREAK_REASON_CODE_MESSAGE })
    .refine((code) => code !== ENGINE_BREAK_REASON, { error: `is reserved: the acd sets ${ENGINE_BREAK_REASON} itself` }),
  labels: z.strictObject({ en: label, 'zh-CN': label }, { error: 'must be an object with en and zh-CN' }),
});
export type BreakReason = z.infer<typeof breakReasonSchema>;

/** A tenant's list: 1-30 reasons, each code once (the error names the repeated entry, e.g. `breakReasons.2.code`). */
export const breakReasonsSchema = z
  .array(breakReasonSchema, { error: 'must be a list of break reasons' })
  .min(1, { error: 'must list at least one break reason' })
  .max(MAX_BREAK_REASONS, { error: `must list at most ${MAX_BREAK_REASONS} break reasons` })
  .superRefine((reasons, ctx) => {
    const seen = new Set<string>();
    reasons.forEach((r, i) => {
      if (seen.has(r.code)) ctx.addIssue({ code: 'custom', path: [i, 'code'], message: `break reason ${r.code} is listed twice` });
      seen.add(r.code);
    });
  });

/** The reasons of a tenant that set none. */
export const DEFAULT_BREAK_REASONS: readonly BreakReason[] = [
  { code: 'lunch', labels: { en: 'Lunch', 'zh-CN': '午餐' } },
  { code: 'short-break', labels: { en: 'Short break', 'zh-CN': '短暂休息' } },
  { code: 'training', labels: { en: 'Training', 'zh-CN': '培训' } },
  { code: 'meeting', labels: { en: 'Meeting', 'zh-CN': '会议' } },
  { code: 'coaching', labels: { en: 'Coaching', 'zh-CN': '辅导' } },
];

export interface BreakReasonsView {
  breakReasons: BreakReason[];
  /** True while the tenant has set no list of its own (the defaults above apply). */
  isDefault: boolean;
}

/** The reasons in force: the tenant's own list, or the defaults. */
export function breakReasonsView(stored: BreakReason[] | null): BreakReasonsView {
  return stored ? { breakReasons: stored, isDefault: false } : { breakReasons: DEFAULT_BREAK_REASONS.map((r) => ({ code: r.code, labels: { ...r.labels } })), isDefault: true };
}
