import { createRoot } from 'react-dom/client';
import { httpServices } from './api/app-services';
import { fetchTransport } from './api/http-transport';
import { TenantApiClient } from './api/tenant-api.client';
import { pickLocale, storageLocalePreference } from './i18n/locale';
import { liveSocketUrl, RESYNC_FRAME } from './live/live-wire';
import { WebSocketLiveFeed } from './live/websocket-live-feed';
import { ParleyApp } from './parley.app';
import { NoSessionError, SessionManager, storageRefreshTokenStore, webLock } from './session/session.manager';
import { browserPhone } from './softphone/browser-phone';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

const preference = storageLocalePreference(window.localStorage);
const transport = fetchTransport({ apiRoot: '/api/v1', fetch: (url, init) => window.fetch(url, init) });
const api = new TenantApiClient(transport);
const manager = new SessionManager(api, { store: storageRefreshTokenStore(window.localStorage), lock: webLock(navigator.locks) });
const services = httpServices(transport, (call) => manager.withAccess(call), {
  openLiveFeed: (cti, mode) =>
    new WebSocketLiveFeed({
      ticket: () => cti.wsTicket(mode),
      url: (ticket) => liveSocketUrl(window.location, ticket),
      connect: (url) => new WebSocket(url),
      // An agent desktop asks again for its calls in progress after every (re)connect.
      ...(mode === 'agent' ? { greeting: RESYNC_FRAME } : {}),
      isFatal: (error) => error instanceof NoSessionError,
      onProblem: (problem, cause) => console.warn(problem, cause ?? ''),
    }),
  openPhone: (agent) => browserPhone(() => agent.sipCredentials()),
});

createRoot(root).render(
  <ParleyApp api={api} manager={manager} services={services} initialLocale={preference.load() ?? pickLocale(navigator.languages)} onLocaleChange={preference.save} />,
);
