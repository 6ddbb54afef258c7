import { AcdApiClient } from './acd-api.client';
import { ServiceApi, type WithAccess } from './api-call';
import { CtiApiClient } from './cti-api.client';
import { type HttpTransport } from './http-transport';
import { IvrApiClient } from './ivr-api.client';
import { TenantAdminClient } from './tenant-admin.client';
import { type CallControl } from '../live/call-control';
import { type LiveFeed } from '../live/live-feed';

/** The clients the signed-in areas use; main.tsx builds the browser's, tests build fakes. */
export interface AppServices {
  tenantAdmin: TenantAdminClient;
  acd: AcdApiClient;
  ivr: IvrApiClient;
  cti: CtiApiClient;
  callControl: CallControl;
  /** A new live feed for one dashboard; the dashboard starts and stops it. */
  openLiveFeed(): LiveFeed;
  /** The clock of time-in-state displays (ms since the epoch). */
  now(): number;
}

/** Every HTTP client over one transport, each request with the session's access token. */
export function httpServices(transport: HttpTransport, withAccess: WithAccess, openLiveFeed: (cti: CtiApiClient) => LiveFeed): AppServices {
  const api = new ServiceApi(transport, withAccess);
  const cti = new CtiApiClient(api);
  return {
    tenantAdmin: new TenantAdminClient(api),
    acd: new AcdApiClient(api),
    ivr: new IvrApiClient(api),
    cti,
    callControl: { monitor: ({ callId, mode }) => cti.monitor(callId, mode) },
    openLiveFeed: () => openLiveFeed(cti),
    now: () => Date.now(),
  };
}
