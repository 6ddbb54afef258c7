import { ticketPrioritySchema, ticketStatusSchema, type CallView, type ScreenPop, type WrapUpView } from '@parley/contracts';
import { z } from 'zod';

/**
 * Checks for the cti service's answers and pushes that the agent desktop reads (libs/contracts
 * declares them as plain types, apps/cti calls/calls.controller.ts and desktop/*): the screen pop
 * (`GET /cti/calls/:id/pop` and the `pop` push), the call record and the wrap-up's answer.
 */

const crmAnswerSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok'), httpStatus: z.number().int(), data: z.unknown() }),
  z.object({ status: z.literal('timeout'), detail: z.string() }),
  z.object({ status: z.literal('error'), detail: z.string() }),
  z.object({ status: z.literal('not-configured') }),
]);

export const screenPopSchema: z.ZodType<ScreenPop> = z.object({
  callId: z.string().min(1),
  queueId: z.string().nullable(),
  caller: z.object({ maskedNumber: z.string().nullable(), canReveal: z.boolean() }),
  contact: z
    .object({ contactId: z.string(), name: z.string(), company: z.string().nullable(), vipLevel: z.number().int(), tags: z.array(z.string()) })
    .nullable(),
  lastCalls: z.array(
    z.object({
      callId: z.string(),
      at: z.string(),
      queueId: z.string().nullable(),
      agentId: z.string().nullable(),
      disposition: z.string().nullable(),
      surveyScore: z.number().nullable(),
    }),
  ),
  openTickets: z.array(z.object({ ticketId: z.string(), subject: z.string(), status: ticketStatusSchema, priority: ticketPrioritySchema, updatedAt: z.string() })),
  ivr: z.object({ attributes: z.record(z.string(), z.string()), variables: z.record(z.string(), z.string()) }),
  crm: crmAnswerSchema,
  builtAt: z.string(),
});

export const callViewSchema: z.ZodType<CallView> = z.object({
  callId: z.string(),
  queueId: z.string().nullable(),
  state: z.enum(['routed', 'offered', 'connected', 'held', 'ended']),
  agentId: z.string().nullable(),
  callerMasked: z.string().nullable(),
  contactId: z.string().nullable(),
  routedAt: z.string().nullable(),
  offeredAt: z.string().nullable(),
  connectedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  endReason: z.string().nullable(),
  talkMs: z.number().nullable(),
  surveyScore: z.number().nullable(),
  disposition: z.string().nullable(),
  wrapUpNotes: z.string().nullable(),
  ticketId: z.string().nullable(),
});

export const wrapUpViewSchema: z.ZodType<WrapUpView> = z.object({
  callId: z.string(),
  disposition: z.string(),
  notes: z.string().nullable(),
  ticketId: z.string().nullable(),
  wrappedUpAt: z.string(),
});

export const callCommandViewSchema = z.object({ callId: z.string(), commandId: z.string(), command: z.string() });
