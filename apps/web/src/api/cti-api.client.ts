import { holdRequestSchema, transferRequestSchema, wrapUpRequestSchema, type CallView, type ScreenPop, type TransferRequest, type WrapUpRequest, type WrapUpView } from '@parley/contracts';
import { z } from 'zod';
import { seg, validatedBody, type ServiceApi } from './api-call';
import { callCommandViewSchema, callViewSchema, screenPopSchema, wrapUpViewSchema } from './cti-desktop.schemas';

/**
 * The cti service's API as far as the admin console and the dashboard use it. The service is being
 * built at the same time (aligned with its work in progress: apps/cti dispositions, ws-tickets and
 * calls controllers); every assumption about its paths and bodies is in this one file:
 * - disposition codes {code, label, active}: GET/POST /cti/dispositions, PUT /cti/dispositions/:code ({label?, active?});
 * - WebSocket tickets: POST /cti/ws-tickets {mode: 'supervisor'} → 201 {ticket} (the socket is /api/v1/cti/ws?ticket=...);
 * - supervisor monitoring: POST /cti/calls/:callId/monitor {mode} → 202;
 * - the agent desktop (apps/cti calls/calls.controller.ts): GET /cti/calls/:callId, GET .../pop,
 *   POST .../wrap-up (200), POST .../hold, .../transfer, .../hangup (202: voice carries them out).
 */

export const dispositionCodeSchema = z.object({ code: z.string(), label: z.string(), active: z.boolean() });
export type DispositionCode = z.infer<typeof dispositionCodeSchema>;

export type MonitorMode = 'listen' | 'whisper' | 'barge';

const ticketSchema = z.object({ ticket: z.string().min(1) });

export class CtiApiClient {
  constructor(private readonly api: ServiceApi) {}

  listDispositionCodes(): Promise<DispositionCode[]> {
    return this.api.call('GET', '/cti/dispositions', 200, z.array(dispositionCodeSchema));
  }

  createDispositionCode(code: DispositionCode): Promise<DispositionCode> {
    return this.api.call('POST', '/cti/dispositions', 201, dispositionCodeSchema, code);
  }

  updateDispositionCode(code: string, change: { label: string; active: boolean }): Promise<DispositionCode> {
    return this.api.call('PUT', `/cti/dispositions/${seg(code)}`, 200, dispositionCodeSchema, change);
  }

  /** A one-time ticket that authenticates the live WebSocket (browsers cannot send headers on it). */
  async wsTicket(mode: 'agent' | 'supervisor'): Promise<string> {
    return (await this.api.call('POST', '/cti/ws-tickets', 201, ticketSchema, { mode })).ticket;
  }

  /** The call as the cti service records it (an agent sees the calls offered or connected to it). */
  call(callId: string): Promise<CallView> {
    return this.api.call('GET', `/cti/calls/${seg(callId)}`, 200, callViewSchema);
  }

  /** The screen pop: caller (masked), contact, history, open tickets, what the caller entered in the IVR, the CRM's answer. */
  pop(callId: string): Promise<ScreenPop> {
    return this.api.call('GET', `/cti/calls/${seg(callId)}/pop`, 200, screenPopSchema);
  }

  /** The agent's wrap-up: an active disposition code, notes, and a ticket to create. */
  wrapUp(callId: string, request: WrapUpRequest): Promise<WrapUpView> {
    return this.api.call('POST', `/cti/calls/${seg(callId)}/wrap-up`, 200, wrapUpViewSchema, validatedBody('/cti/calls/:id/wrap-up', wrapUpRequestSchema, request));
  }

  /** Hold through the server (when the call is not on this browser's phone). */
  async hold(callId: string, on: boolean): Promise<void> {
    await this.api.call('POST', `/cti/calls/${seg(callId)}/hold`, 202, callCommandViewSchema, validatedBody('/cti/calls/:id/hold', holdRequestSchema, { on }));
  }

  async transfer(callId: string, target: TransferRequest['target']): Promise<void> {
    await this.api.call('POST', `/cti/calls/${seg(callId)}/transfer`, 202, callCommandViewSchema, validatedBody('/cti/calls/:id/transfer', transferRequestSchema, { target }));
  }

  /** Consultative transfer, step 1: the caller waits on hold while this agent talks to the target. */
  async consult(callId: string, target: TransferRequest['target']): Promise<void> {
    await this.api.call('POST', `/cti/calls/${seg(callId)}/consult`, 202, callCommandViewSchema, validatedBody('/cti/calls/:id/consult', transferRequestSchema, { target }));
  }

  /** Step 2: this agent leaves, the caller goes on with the consulted party. */
  async completeConsult(callId: string): Promise<void> {
    await this.api.call('POST', `/cti/calls/${seg(callId)}/consult/complete`, 202, callCommandViewSchema, {});
  }

  /** The consulted party is hung up; the caller is back with this agent. */
  async cancelConsult(callId: string): Promise<void> {
    await this.api.call('POST', `/cti/calls/${seg(callId)}/consult/cancel`, 202, callCommandViewSchema, {});
  }

  /** Three-way: the consulted party joins (no target), or the target is called and joins. */
  async conference(callId: string, target?: TransferRequest['target']): Promise<void> {
    await this.api.call('POST', `/cti/calls/${seg(callId)}/conference`, 202, callCommandViewSchema, target === undefined ? {} : { target });
  }

  async hangup(callId: string): Promise<void> {
    await this.api.call('POST', `/cti/calls/${seg(callId)}/hangup`, 202, callCommandViewSchema, {});
  }

  /** Joins the supervisor's softphone to an agent's call: listen, whisper (agent hears) or barge (both hear). */
  async monitor(callId: string, mode: MonitorMode): Promise<void> {
    await this.api.call('POST', `/cti/calls/${seg(callId)}/monitor`, 202, z.unknown(), { mode });
  }
}
