import { type Locale } from '@parley/contracts';
import { StrictMode, type ReactNode } from 'react';
import { AppRoutes } from './app.routes';
import { type AppServices } from './api/app-services';
import { ServicesProvider } from './api/app-services.provider';
import { type TenantApiClient } from './api/tenant-api.client';
import { I18nProvider } from './i18n/i18n.provider';
import { RouterProvider } from './routing/router';
import { type SessionManager } from './session/session.manager';
import { SessionProvider } from './session/session.provider';

export interface ParleyAppProps {
  api: TenantApiClient;
  manager: SessionManager;
  /** The signed-in areas' clients (acd, ivr, cti, tenant administration) and the live feed. */
  services: AppServices;
  /** The language before sign-in (the remembered choice, else the browser's); the user's own locale replaces it at sign-in. */
  initialLocale: Locale;
  onLocaleChange?: (locale: Locale) => void;
  onMissingKey?: (locale: Locale, key: string) => void;
}

/** The whole web app with its dependencies given (main.tsx wires the browser's; tests their own). */
export function ParleyApp({ api, manager, services, initialLocale, onLocaleChange, onMissingKey }: ParleyAppProps): ReactNode {
  return (
    <StrictMode>
      <I18nProvider initialLocale={initialLocale} onLocaleChange={onLocaleChange} onMissingKey={onMissingKey}>
        <SessionProvider api={api} manager={manager}>
          <ServicesProvider services={services}>
            <RouterProvider>
              <AppRoutes />
            </RouterProvider>
          </ServicesProvider>
        </SessionProvider>
      </I18nProvider>
    </StrictMode>
  );
}
