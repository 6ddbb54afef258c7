import { createRoot } from 'react-dom/client';
import { fetchTransport } from './api/http-transport';
import { TenantApiClient } from './api/tenant-api.client';
import { pickLocale, storageLocalePreference } from './i18n/locale';
import { ParleyApp } from './parley.app';
import { SessionManager, storageRefreshTokenStore, webLock } from './session/session.manager';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

const preference = storageLocalePreference(window.localStorage);
const api = new TenantApiClient(fetchTransport({ apiRoot: '/api/v1', fetch: (url, init) => window.fetch(url, init) }));
const manager = new SessionManager(api, { store: storageRefreshTokenStore(window.localStorage), lock: webLock(navigator.locks) });

createRoot(root).render(
  <ParleyApp api={api} manager={manager} initialLocale={preference.load() ?? pickLocale(navigator.languages)} onLocaleChange={preference.save} />,
);
