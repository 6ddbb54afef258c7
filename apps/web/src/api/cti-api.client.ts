import { z } from 'zod';
import { seg, type ServiceApi } from './api-call';

/**
 * The cti service's API as far as the admin console and the dashboard use it. The service is being
 * built at the same time (aligned with its work in progress: apps/cti dispositions, ws-tickets and
 * calls controllers); every assumption about its paths and bodies is in this one file:
 * - disposition codes {code, label, active}: GET/POST /cti/dispositions, PUT /cti/dispositions/:code ({label?, active?});
 * - WebSocket tickets: POST /cti/ws-tickets {mode: 'supervisor'} → 201 {ticket} (the socket is /api/v1/cti/ws?ticket=...);
 * - supervisor monitoring: POST /cti/calls/:callId/monitor {mode} → 202.
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

  /** Joins the supervisor's softphone to an agent's call: listen, whisper (agent hears) or barge (both hear). */
  async monitor(callId: string, mode: MonitorMode): Promise<void> {
    await this.api.call('POST', `/cti/calls/${seg(callId)}/monitor`, 202, z.unknown(), { mode });
  }
}
