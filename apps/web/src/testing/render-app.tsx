import { type Locale, type Role } from '@parley/contracts';
import { render } from '@testing-library/react';
import { httpServices, type AppServices } from '../api/app-services';
import { TenantApiClient } from '../api/tenant-api.client';
import { ParleyApp } from '../parley.app';
import { SessionManager, storageRefreshTokenStore } from '../session/session.manager';
import { FakeLiveFeed } from './live-feed.fake';
import { FakeParleyBackend } from './parley-backend.fake';
import { FakePhone } from './phone.fake';
import { memoryStorage } from './tenant-api.fake';

export const PASSWORD = 'correct horse battery';
/** The clock of the rendered app: ten seconds after the fakes' statistics were taken. */
export const TEST_NOW = Date.parse('2025-06-02T10:00:10.000Z');

export interface Rendered {
  backend: FakeParleyBackend;
  feed: FakeLiveFeed;
  phone: FakePhone;
  missing: string[];
  localeChanges: Locale[];
  services: AppServices;
}

export interface RenderOptions {
  locale: Locale;
  path: string;
  backend?: FakeParleyBackend;
  storage?: ReturnType<typeof memoryStorage>;
  /** Replaces some of the services (e.g. call control). */
  services?: Partial<AppServices>;
}

/** Test-only: the whole app on the fakes, at `path`. */
export function renderApp(options: RenderOptions): Rendered {
  const backend = options.backend ?? new FakeParleyBackend();
  const feed = new FakeLiveFeed();
  const phone = new FakePhone(() => TEST_NOW);
  const missing: string[] = [];
  const localeChanges: Locale[] = [];
  const api = new TenantApiClient(backend.transport);
  const manager = new SessionManager(api, { store: storageRefreshTokenStore(options.storage ?? memoryStorage()) });
  const services: AppServices = {
    ...httpServices(backend.transport, (call) => manager.withAccess(call), { openLiveFeed: () => feed, openPhone: () => phone }),
    now: () => TEST_NOW,
    ...options.services,
  };
  window.history.replaceState(null, '', options.path);
  render(
    <ParleyApp
      api={api}
      manager={manager}
      services={services}
      initialLocale={options.locale}
      onLocaleChange={(l) => localeChanges.push(l)}
      onMissingKey={(l, key) => missing.push(`${l}:${key}`)}
    />,
  );
  return { backend, feed, phone, missing, localeChanges, services };
}

/** A session stored as after an earlier visit by a user with this role and locale (the user is `<role>@acme.test`). */
export function signedIn(role: Role, locale: Locale, backend = new FakeParleyBackend()): { backend: FakeParleyBackend; storage: ReturnType<typeof memoryStorage> } {
  backend.tenant.addUser('acme', `${role}@acme.test`, PASSWORD, role, locale);
  const storage = memoryStorage();
  storage.setItem('parley.refreshToken', backend.tenant.openSession('acme', `${role}@acme.test`).refreshToken);
  return { backend, storage };
}
