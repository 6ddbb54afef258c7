import { z } from 'zod';
import { type Role, roleSchema } from '../tenant/roles';
import { dispositionCodeSchema } from './cti.events';

/**
 * The CTI service's HTTP API (/api/v1/cti): contacts, reveal of full numbers (audited), settings,
 * dispositions, tickets, wrap-up, call control, screen pop and the WebSocket tickets. Requests are
 * zod schemas (the service validates with them, the web app may too); answers are plain types.
 * Customers' numbers are always shown masked (`maskedNumber`); a full number only comes from a
 * reveal, which is written to the audit log.
 */

const text = (max: number) => z.string({ error: 'must be a string' }).trim().max(max, { error: `must be at most ${max} characters` });
const nonEmpty = (max: number) => text(max).min(1, { error: 'must not be empty' });
const uuid = z.uuid({ error: 'must be a UUID' });
const tag = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(40, { error: 'must be at most 40 characters' })
  .transform((t) => t.toLowerCase());

export const vipLevelSchema = z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(0, { error: 'must be 0 to 3' }).max(3, { error: 'must be 0 to 3' });

/** A phone number as a person types it: with + and the country code (the service checks and normalizes it to E.164). */
export const phoneNumberInputSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .min(3, { error: 'is too short to be a phone number' })
  .max(32, { error: 'must be at most 32 characters' });

export const contactPhoneInputSchema = z.strictObject({
  number: phoneNumberInputSchema,
  label: nonEmpty(40).optional(),
});
export type ContactPhoneInput = z.infer<typeof contactPhoneInputSchema>;

const tagsSchema = z
  .array(tag, { error: 'must be an array of strings' })
  .max(30, { error: 'must list at most 30 tags' })
  .transform((tags) => [...new Set(tags)]);

export const createContactRequestSchema = z.strictObject({
  name: nonEmpty(200),
  company: nonEmpty(200).nullable().optional(),
  vipLevel: vipLevelSchema.optional(),
  tags: tagsSchema.optional(),
  notes: text(5000).nullable().optional(),
  phones: z.array(contactPhoneInputSchema, { error: 'must be an array' }).max(10, { error: 'must list at most 10 numbers' }).optional(),
});
export type CreateContactRequest = z.infer<typeof createContactRequestSchema>;

export const updateContactRequestSchema = z
  .strictObject({
    name: nonEmpty(200).optional(),
    company: nonEmpty(200).nullable().optional(),
    vipLevel: vipLevelSchema.optional(),
    tags: tagsSchema.optional(),
    notes: text(5000).nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { error: 'must change at least one field (name, company, vipLevel, tags, notes)' });
export type UpdateContactRequest = z.infer<typeof updateContactRequestSchema>;

export const revealRequestSchema = z.strictObject({ reason: nonEmpty(500).optional() });
export type RevealRequest = z.infer<typeof revealRequestSchema>;

export interface ContactPhoneView {
  phoneId: string;
  label: string | null;
  /** Middle digits hidden: `+86 138****5678`, `+1 415 ***-2671`. */
  maskedNumber: string;
}

export interface ContactView {
  contactId: string;
  name: string;
  company: string | null;
  vipLevel: number;
  tags: string[];
  notes: string | null;
  phones: ContactPhoneView[];
  /** Whether the caller's role may reveal full numbers (POST .../reveal). */
  canReveal: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface RevealView {
  /** The full number in E.164. */
  number: string;
  revealedAt: string;
}

export interface RevealAuditView {
  id: string;
  userId: string;
  role: Role;
  target: 'contact-phone' | 'call-caller';
  contactId: string | null;
  phoneId: string | null;
  callId: string | null;
  reason: string | null;
  revealedAt: string;
}

/** Tenant settings of the CTI service. */
export const ctiSettingsRequestSchema = z.strictObject({
  /** HTTPS URL the screen pop asks about each offered call; null: no CRM. */
  crmWebhookUrl: z.url({ error: 'must be a URL' }).max(2000, { error: 'must be at most 2000 characters' }).nullable(),
  /** Roles that may reveal full numbers (default owner, admin, supervisor). */
  revealRoles: z.array(roleSchema, { error: `must be an array of roles (${roleSchema.options.join(', ')})` }).max(4).transform((roles) => [...new Set(roles)]),
});
export type CtiSettingsRequest = z.infer<typeof ctiSettingsRequestSchema>;

export interface CtiSettingsView {
  crmWebhookUrl: string | null;
  revealRoles: Role[];
  updatedAt: string | null;
}

export const createDispositionRequestSchema = z.strictObject({
  code: dispositionCodeSchema,
  label: nonEmpty(200),
  active: z.boolean({ error: 'must be true or false' }).optional(),
});
export type CreateDispositionRequest = z.infer<typeof createDispositionRequestSchema>;

export const updateDispositionRequestSchema = z
  .strictObject({ label: nonEmpty(200).optional(), active: z.boolean({ error: 'must be true or false' }).optional() })
  .refine((body) => body.label !== undefined || body.active !== undefined, { error: 'must change label or active' });
export type UpdateDispositionRequest = z.infer<typeof updateDispositionRequestSchema>;

export interface DispositionView {
  code: string;
  label: string;
  active: boolean;
  updatedAt: string;
}

export const ticketStatusSchema = z.enum(['open', 'pending', 'solved'], { error: 'must be open, pending or solved' });
export type TicketStatus = z.infer<typeof ticketStatusSchema>;
export const ticketPrioritySchema = z.enum(['low', 'normal', 'high', 'urgent'], { error: 'must be low, normal, high or urgent' });
export type TicketPriority = z.infer<typeof ticketPrioritySchema>;

export const createTicketRequestSchema = z.strictObject({
  subject: nonEmpty(300),
  status: ticketStatusSchema.optional(),
  priority: ticketPrioritySchema.optional(),
  assigneeId: uuid.nullable().optional(),
  contactId: uuid.nullable().optional(),
  description: text(10000).nullable().optional(),
});
export type CreateTicketRequest = z.infer<typeof createTicketRequestSchema>;

export const updateTicketRequestSchema = z
  .strictObject({
    subject: nonEmpty(300).optional(),
    status: ticketStatusSchema.optional(),
    priority: ticketPrioritySchema.optional(),
    assigneeId: uuid.nullable().optional(),
    contactId: uuid.nullable().optional(),
    description: text(10000).nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { error: 'must change at least one field' });
export type UpdateTicketRequest = z.infer<typeof updateTicketRequestSchema>;

export interface TicketView {
  ticketId: string;
  subject: string;
  description: string | null;
  status: TicketStatus;
  priority: TicketPriority;
  assigneeId: string | null;
  contactId: string | null;
  callId: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Wrap-up of a call by its agent: a disposition, notes, and a ticket to create (no ticketId) or update (ticketId). */
export const wrapUpRequestSchema = z.strictObject({
  disposition: dispositionCodeSchema,
  notes: text(5000).optional(),
  ticket: z
    .strictObject({
      ticketId: uuid.optional(),
      subject: nonEmpty(300).optional(),
      status: ticketStatusSchema.optional(),
      priority: ticketPrioritySchema.optional(),
      assigneeId: uuid.nullable().optional(),
      contactId: uuid.nullable().optional(),
    })
    .refine((t) => t.ticketId !== undefined || t.subject !== undefined, { error: 'a new ticket needs a subject (or give ticketId to update one)', path: ['subject'] })
    .optional(),
});
export type WrapUpRequest = z.infer<typeof wrapUpRequestSchema>;

export interface WrapUpView {
  callId: string;
  disposition: string;
  notes: string | null;
  ticketId: string | null;
  wrappedUpAt: string;
}

export const holdRequestSchema = z.strictObject({ on: z.boolean({ error: 'must be true or false' }) });
export type HoldRequest = z.infer<typeof holdRequestSchema>;

export const transferRequestSchema = z.strictObject({
  target: z.discriminatedUnion(
    'kind',
    [z.strictObject({ kind: z.literal('agent'), agentId: uuid }), z.strictObject({ kind: z.literal('number'), number: phoneNumberInputSchema })],
    { error: 'must be {kind: "agent", agentId} or {kind: "number", number}' },
  ),
});
export type TransferRequest = z.infer<typeof transferRequestSchema>;

/** Consultation (attended transfer): the caller waits on hold while the agent talks to the target. */
export const consultRequestSchema = transferRequestSchema;
export type ConsultRequest = TransferRequest;

/** Three-way conference: with a target, it is dialled and joins; without, the consulted party joins. */
export const conferenceRequestSchema = z.strictObject({ target: transferRequestSchema.shape.target.optional() });
export type ConferenceRequest = z.infer<typeof conferenceRequestSchema>;

export const monitorRequestSchema = z.strictObject({ mode: z.enum(['listen', 'whisper', 'barge'], { error: 'must be listen, whisper or barge' }) });
export type MonitorRequest = z.infer<typeof monitorRequestSchema>;

export const hangupRequestSchema = z.strictObject({ reason: nonEmpty(200).optional() });
export type HangupRequest = z.infer<typeof hangupRequestSchema>;

export interface CallCommandView {
  callId: string;
  commandId: string;
  command: 'hold' | 'transfer' | 'hangup' | 'monitor' | 'consult' | 'consult-complete' | 'consult-cancel' | 'conference';
}

export const ctiCallStateSchema = z.enum(['routed', 'offered', 'connected', 'held', 'ended']);
export type CtiCallState = z.infer<typeof ctiCallStateSchema>;

export interface CallView {
  callId: string;
  queueId: string | null;
  state: CtiCallState;
  agentId: string | null;
  callerMasked: string | null;
  contactId: string | null;
  routedAt: string | null;
  offeredAt: string | null;
  connectedAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  talkMs: number | null;
  surveyScore: number | null;
  disposition: string | null;
  wrapUpNotes: string | null;
  ticketId: string | null;
}

export type CrmAnswer =
  | { status: 'ok'; httpStatus: number; data: unknown }
  | { status: 'timeout'; detail: string }
  | { status: 'error'; detail: string }
  | { status: 'not-configured' };

/** What the agent's desktop shows when a call is offered, so nobody asks the caller twice. */
export interface ScreenPop {
  callId: string;
  queueId: string | null;
  caller: { maskedNumber: string | null; canReveal: boolean };
  contact: { contactId: string; name: string; company: string | null; vipLevel: number; tags: string[] } | null;
  lastCalls: { callId: string; at: string; queueId: string | null; agentId: string | null; disposition: string | null; surveyScore: number | null }[];
  openTickets: { ticketId: string; subject: string; status: TicketStatus; priority: TicketPriority; updatedAt: string }[];
  /** What the caller entered and the IVR learned (the routed call's attributes and variables). */
  ivr: { attributes: Record<string, string>; variables: Record<string, string> };
  crm: CrmAnswer;
  builtAt: string;
}

export const wsTicketRequestSchema = z.strictObject({
  /** agent: a desktop taking calls (needs a seat; one per agent); supervisor: a dashboard (supervisors, admins, owners). Default by role. */
  mode: z.enum(['agent', 'supervisor'], { error: 'must be agent or supervisor' }).optional(),
});
export type WsTicketRequest = z.infer<typeof wsTicketRequestSchema>;

export interface WsTicketView {
  ticket: string;
  /** Connect to `${path}?ticket=${ticket}` before this instant; the ticket works once. */
  expiresAt: string;
  path: string;
  mode: 'agent' | 'supervisor';
}
