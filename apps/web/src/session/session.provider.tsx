import { type LoginRequest, type SignupRequest, type UserView } from '@parley/contracts';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { type TenantApiClient } from '../api/tenant-api.client';
import { useI18n } from '../i18n/i18n.provider';
import { NoSessionError, type SessionManager } from './session.manager';

export type SessionState =
  | { status: 'restoring' }
  | { status: 'signed-out'; notice: 'session-ended' | 'unreachable' | null }
  | { status: 'signed-in'; user: UserView };

export interface SessionContextValue {
  state: SessionState;
  /** Signs in; rejects with the API's error (ApiError, NetworkError) for the form to show. */
  login(request: LoginRequest): Promise<void>;
  /** Signs up a company and signs its owner in. */
  signup(request: SignupRequest): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export interface SessionProviderProps {
  api: TenantApiClient;
  manager: SessionManager;
  children: ReactNode;
}

/** The signed-in user (restored from a stored refresh token on load); the UI switches to their language. */
export function SessionProvider({ api, manager, children }: SessionProviderProps): ReactNode {
  const { setLocale } = useI18n();
  const [state, setState] = useState<SessionState>(() => (manager.hasStoredSession() ? { status: 'restoring' } : { status: 'signed-out', notice: null }));

  const signedIn = useCallback(
    (user: UserView) => {
      setLocale(user.locale);
      setState({ status: 'signed-in', user });
    },
    [setLocale],
  );

  useEffect(() => {
    if (state.status !== 'restoring') return;
    let current = true;
    manager
      .withAccess((token) => api.me(token))
      .then((user) => current && signedIn(user))
      .catch((error: unknown) => {
        if (!current) return;
        if (!(error instanceof NoSessionError)) console.error('could not restore the session', error);
        setState({ status: 'signed-out', notice: error instanceof NoSessionError ? 'session-ended' : 'unreachable' });
      });
    return () => {
      current = false;
    };
  }, [api, manager, signedIn, state.status]);

  const login = useCallback(
    async (request: LoginRequest) => {
      manager.start(await api.login(request));
      signedIn(await manager.withAccess((token) => api.me(token)));
    },
    [api, manager, signedIn],
  );

  const signup = useCallback(
    async (request: SignupRequest) => {
      const answer = await api.signup(request);
      manager.start(answer.tokens);
      signedIn(answer.user);
    },
    [api, manager, signedIn],
  );

  const logout = useCallback(async () => {
    try {
      await manager.end();
    } catch (error) {
      // Forgotten here either way; the server's copy expires on its own.
      console.error('the server could not be told about the sign-out', error);
    }
    setState({ status: 'signed-out', notice: null });
  }, [manager]);

  const value = useMemo<SessionContextValue>(() => ({ state, login, signup, logout }), [state, login, signup, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession() needs a <SessionProvider> above it');
  return value;
}
