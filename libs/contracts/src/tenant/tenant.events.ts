import { z } from 'zod';
import { defineTopic } from '../topic';
import { roleSchema } from './roles';

const isoInstant = z.iso.datetime({ offset: true });

export const planIdSchema = z.enum(['trial', 'team', 'business', 'enterprise']);
export type PlanId = z.infer<typeof planIdSchema>;

export const localeSchema = z.enum(['en', 'zh-CN']);
export type Locale = z.infer<typeof localeSchema>;

const tenantFacts = {
  tenantId: z.uuid(),
  slug: z.string(),
  companyName: z.string(),
  locale: localeSchema,
  plan: planIdSchema,
  seatLimit: z.number().int().nonnegative(),
  /** The tenant's SIP domain, `<slug>.<PARLEY_SIP_DOMAIN>`. */
  sipDomain: z.string(),
};

export const tenantCreatedV1 = defineTopic({
  name: 'tenant.tenant.created.v1',
  description: 'A company signed up and its tenant exists.',
  schema: z.object({ ...tenantFacts, createdAt: isoInstant }),
  keyOf: (p) => p.tenantId,
});

export const tenantUpdatedV1 = defineTopic({
  name: 'tenant.tenant.updated.v1',
  description: "A tenant's name, locale, plan or seat limit changed; the payload is the new state.",
  schema: z.object({ ...tenantFacts, updatedAt: isoInstant }),
  keyOf: (p) => p.tenantId,
});

const userFacts = {
  tenantId: z.uuid(),
  userId: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  locale: localeSchema,
};

export const userCreatedV1 = defineTopic({
  name: 'tenant.user.created.v1',
  description: 'A user was created in a tenant.',
  schema: z.object({ ...userFacts, createdAt: isoInstant }),
  keyOf: (p) => p.userId,
});

export const userUpdatedV1 = defineTopic({
  name: 'tenant.user.updated.v1',
  description: "A user's name, role or locale changed; the payload is the new state.",
  schema: z.object({ ...userFacts, updatedAt: isoInstant }),
  keyOf: (p) => p.userId,
});

export const userDeactivatedV1 = defineTopic({
  name: 'tenant.user.deactivated.v1',
  description: 'A user was deactivated: they can no longer sign in, and any seat was released first.',
  schema: z.object({ tenantId: z.uuid(), userId: z.uuid(), deactivatedAt: isoInstant }),
  keyOf: (p) => p.userId,
});

const seatFacts = {
  tenantId: z.uuid(),
  userId: z.uuid(),
  /** Seats held in the tenant after this change (billing meters this). */
  seatsInUse: z.number().int().nonnegative(),
  seatLimit: z.number().int().nonnegative(),
};

export const seatAssignedV1 = defineTopic({
  name: 'tenant.seat.assigned.v1',
  description: 'An agent seat (the licence to work as an agent) was assigned to a user.',
  schema: z.object({ ...seatFacts, assignedAt: isoInstant }),
  keyOf: (p) => p.tenantId,
});

export const seatReleasedV1 = defineTopic({
  name: 'tenant.seat.released.v1',
  description: 'An agent seat was released.',
  schema: z.object({ ...seatFacts, releasedAt: isoInstant }),
  keyOf: (p) => p.tenantId,
});

export const phoneNumberAssignedV1 = defineTopic({
  name: 'tenant.phone-number.assigned.v1',
  description: 'A DID (E.164) now belongs to the tenant; voice routes calls to it there.',
  schema: z.object({ tenantId: z.uuid(), numberId: z.uuid(), e164: z.string(), assignedAt: isoInstant }),
  keyOf: (p) => p.e164,
});

export const phoneNumberReleasedV1 = defineTopic({
  name: 'tenant.phone-number.released.v1',
  description: 'A DID no longer belongs to the tenant.',
  schema: z.object({ tenantId: z.uuid(), numberId: z.uuid(), e164: z.string(), releasedAt: isoInstant }),
  keyOf: (p) => p.e164,
});

/** An E.164 number as the tenant service stores it: `+`, country code, 7 to 15 digits in all. */
const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/);

export const voiceSettingsUpdatedV1 = defineTopic({
  name: 'tenant.voice-settings.updated.v1',
  description:
    "A tenant's voice emergency settings changed (what voice does with a new call no service commands: the prompt it plays and the number it forwards to); the payload is the new state.",
  schema: z.object({
    tenantId: z.uuid(),
    /** Grows by one with every change of the tenant's settings: a projection keeps the highest it has seen. */
    revision: z.number().int().positive(),
    /** Where voice forwards the call after the prompt; null: it hangs up politely instead. */
    backupNumber: e164.nullable(),
    /** What voice says first; null: its built-in apology. */
    fallbackPrompt: z.object({ text: z.string().min(1), locale: localeSchema }).nullable(),
    updatedAt: isoInstant,
  }),
  keyOf: (p) => p.tenantId,
});

export const tenantTopics = [
  tenantCreatedV1,
  tenantUpdatedV1,
  userCreatedV1,
  userUpdatedV1,
  userDeactivatedV1,
  seatAssignedV1,
  seatReleasedV1,
  phoneNumberAssignedV1,
  phoneNumberReleasedV1,
  voiceSettingsUpdatedV1,
] as const;
