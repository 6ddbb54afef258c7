import { type SipCredentials } from '@parley/contracts';
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

/** The tenant service's API for the signed-in agent itself (/api/v1/agents/me). */
export class AgentApiClient {
  constructor(private readonly api: ServiceApi) {}

  /** Short-lived credentials for the softphone (needs a seat; 403 otherwise). */
  sipCredentials(): Promise<SipCredentials> {
    return this.api.call('POST', '/agents/me/sip-credentials', 201, sipCredentialsSchema);
  }
}
