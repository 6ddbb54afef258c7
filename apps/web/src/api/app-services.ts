import { AcdApiClient } from './acd-api.client';
import { AgentApiClient } from './agent-api.client';
import { ServiceApi, type WithAccess } from './api-call';
import { CtiApiClient } from './cti-api.client';
import { type HttpTransport } from './http-transport';
import { IvrApiClient } from './ivr-api.client';
import { TenantAdminClient } from './tenant-admin.client';
import { type CallControl } from '../live/call-control';
import { type LiveFeed } from '../live/live-feed';
import { type Phone } from '../softphone/phone';

/** Who a live feed is for: a supervisor's dashboard, or an agent's desktop (its own offers and calls; one per agent). */
export type LiveFeedMode = 'agent' | 'supervisor';

/** The clients the signed-in areas use; main.tsx builds the browser's, tests build fakes. */
export interface AppServices {
  tenantAdmin: TenantAdminClient;
  acd: AcdApiClient;
  ivr: IvrApiClient;
  cti: CtiApiClient;
  agent: AgentApiClient;
  callControl: CallControl;
  /** A new live feed for one screen; the screen starts and stops it. */
  openLiveFeed(mode: LiveFeedMode): LiveFeed;
  /** A new softphone for the agent desktop; the desktop starts and stops it. */
  openPhone(): Phone;
  /** The clock of time-in-state displays (ms since the epoch). */
  now(): number;
}

export interface DeviceFactories {
  openLiveFeed(cti: CtiApiClient, mode: LiveFeedMode): LiveFeed;
  openPhone(agent: AgentApiClient): Phone;
}

/** Every HTTP client over one transport, each request with the session's access token. */
export function httpServices(transport: HttpTransport, withAccess: WithAccess, devices: DeviceFactories): AppServices {
  const api = new ServiceApi(transport, withAccess);
  const cti = new CtiApiClient(api);
  const agent = new AgentApiClient(api);
  return {
    tenantAdmin: new TenantAdminClient(api),
    acd: new AcdApiClient(api),
    ivr: new IvrApiClient(api),
    cti,
    agent,
    callControl: { monitor: ({ callId, mode }) => cti.monitor(callId, mode) },
    openLiveFeed: (mode) => devices.openLiveFeed(cti, mode),
    openPhone: () => devices.openPhone(agent),
    now: () => Date.now(),
  };
}
