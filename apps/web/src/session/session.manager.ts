import { type TokenPair } from '@parley/contracts';
import { ApiError } from '../api/api-error';
import { type TenantApiClient } from '../api/tenant-api.client';

/** Where the refresh token survives a page reload. */
export interface RefreshTokenStore {
  load(): string | null;
  save(refreshToken: string): void;
  clear(): void;
}

const REFRESH_KEY = 'parley.refreshToken';

/** The refresh token in a Web Storage area (localStorage in the browser, shared by the site's tabs). */
export function storageRefreshTokenStore(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>): RefreshTokenStore {
  return {
    load: () => storage.getItem(REFRESH_KEY),
    save: (token) => storage.setItem(REFRESH_KEY, token),
    clear: () => storage.removeItem(REFRESH_KEY),
  };
}

/** Runs `task` while holding an exclusive lock shared by every tab (Web Locks), or just runs it. */
export type ExclusiveLock = <T>(name: string, task: () => Promise<T>) => Promise<T>;

export const noCrossTabLock: ExclusiveLock = (_name, task) => task();

/** The part of the Web Locks API (`navigator.locks`) used here. */
export interface LockRequester {
  request(name: string, options: { mode: 'exclusive' }, callback: () => Promise<unknown>): Promise<unknown>;
}

/** navigator.locks when the browser has it; otherwise only this tab's own refreshes are serialized. */
export function webLock(locks: LockRequester | undefined): ExclusiveLock {
  if (!locks) return noCrossTabLock;
  return <T>(name: string, task: () => Promise<T>) => locks.request(name, { mode: 'exclusive' }, task) as Promise<T>;
}

export interface SessionManagerOptions {
  store: RefreshTokenStore;
  lock?: ExclusiveLock;
  now?: () => number;
  /** Refresh this long before the access token expires (default 30 s). */
  earlyRefreshMs?: number;
}

/** There is no session: never signed in, signed out, or the server ended it. */
export class NoSessionError extends Error {
  override readonly name = 'NoSessionError';
}

/**
 * Holds the access token in memory and the rotating refresh token in the store. Refreshes are
 * single-flight in the tab and serialized across tabs, and always use the newest stored refresh
 * token: presenting a rotated one again makes the server revoke the whole session.
 */
export class SessionManager {
  private access: { token: string; expiresAtMs: number } | null = null;
  private refreshToken: string | null = null;
  private refreshing: Promise<string> | null = null;
  private readonly lock: ExclusiveLock;
  private readonly now: () => number;
  private readonly earlyRefreshMs: number;

  constructor(
    private readonly api: TenantApiClient,
    private readonly options: SessionManagerOptions,
  ) {
    this.lock = options.lock ?? noCrossTabLock;
    this.now = options.now ?? Date.now;
    this.earlyRefreshMs = options.earlyRefreshMs ?? 30_000;
  }

  /** Adopts a new session's tokens (after login or signup). */
  start(tokens: TokenPair): void {
    this.adopt(tokens);
  }

  /** Whether a refresh token from an earlier visit is stored. */
  hasStoredSession(): boolean {
    return this.options.store.load() !== null;
  }

  /** An access token valid for at least `earlyRefreshMs`, refreshing first when needed. */
  async accessToken(): Promise<string> {
    if (this.access && this.access.expiresAtMs - this.earlyRefreshMs > this.now()) return this.access.token;
    return this.refresh();
  }

  /**
   * Calls the API with an access token; when it answers 401 (token revoked or expired early),
   * refreshes once and calls again once. A failed refresh ends the session (NoSessionError).
   */
  async withAccess<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
    const token = await this.accessToken();
    try {
      return await call(token);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      this.access = null;
      return call(await this.refresh());
    }
  }

  /** Ends the session here and on the server; local state is cleared even if the server cannot be told. */
  async end(): Promise<void> {
    const token = this.options.store.load() ?? this.refreshToken;
    this.clear();
    if (token) await this.api.logout(token);
  }

  /** Forgets the session locally. */
  clear(): void {
    this.access = null;
    this.refreshToken = null;
    this.options.store.clear();
  }

  private refresh(): Promise<string> {
    this.refreshing ??= this.lock('parley.session.refresh', () => this.refreshNow()).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refreshNow(): Promise<string> {
    // Another tab may have rotated the token while we waited for the lock: its newest one is stored.
    const token = this.options.store.load() ?? this.refreshToken;
    if (!token) throw new NoSessionError('no session: sign in first');
    try {
      const tokens = await this.api.refresh(token);
      this.adopt(tokens);
      return tokens.accessToken;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 400)) {
        this.clear();
        throw new NoSessionError('the session has ended: sign in again', { cause: error });
      }
      throw error;
    }
  }

  private adopt(tokens: TokenPair): void {
    this.access = { token: tokens.accessToken, expiresAtMs: this.now() + tokens.expiresIn * 1000 };
    this.refreshToken = tokens.refreshToken;
    this.options.store.save(tokens.refreshToken);
  }
}
