import { roleSchema, type SipCredentials } from '@parley/contracts';
import { z } from 'zod';
import { type ServiceApi } from './api-call';

const sipCredentialsSchema: z.ZodType<SipCredentials> = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  realm: z.string().min(1),
  expiresAt: z.number().int().positive(),
  websocketUrl: z.string().min(1),
  uri: z.string().startsWith('sip:'),
});

/** A colleague as the tenant service shows them to everyone (users/colleagues.controller.ts): no contact details. */
export const colleagueViewSchema = z.object({ userId: z.string(), name: z.string(), role: roleSchema });
export type ColleagueView = z.infer<typeof colleagueViewSchema>;

/** The tenant service's API for the signed-in agent: its softphone (/api/v1/agents/me) and its colleagues. */
export class AgentApiClient {
  constructor(private readonly api: ServiceApi) {}

  /** The tenant's active users holding a seat, by name (the people a call can be transferred to). */
  colleagues(): Promise<ColleagueView[]> {
    return this.api.call('GET', '/tenant/colleagues', 200, z.array(colleagueViewSchema));
  }

  /** Short-lived credentials for the softphone (needs a seat; 403 otherwise). */
  sipCredentials(): Promise<SipCredentials> {
    return this.api.call('POST', '/agents/me/sip-credentials', 201, sipCredentialsSchema);
  }
}
