import { type ApiErrorBody, type Role, type TokenPair, type UserView } from '@parley/contracts';
import { type HttpRequest, type HttpResponse, type HttpTransport } from '../api/http-transport';

/**
 * Test-only: an in-memory stand-in for the tenant service's session endpoints with its rules —
 * rotating refresh tokens, a reused (rotated) token revokes the whole session, access tokens that
 * the test can expire. Answers any other request with an error the test sees; an answer can be
 * forced for the next call of a route with `answerNext`.
 */
export class FakeTenantServer {
  readonly requests: HttpRequest[] = [];
  private readonly users = new Map<string, { password: string; view: UserView; tenant: string }>();
  private readonly refreshTokens = new Map<string, { sessionId: string; userId: string; rotated: boolean }>();
  private readonly accessTokens = new Map<string, { userId: string; valid: boolean }>();
  private readonly revokedSessions = new Set<string>();
  private readonly forced = new Map<string, HttpResponse[]>();
  private counter = 0;

  addUser(tenant: string, email: string, password: string, role: Role, locale: UserView['locale'] = 'en'): UserView {
    const view: UserView = { id: `00000000-0000-4000-8000-${String(this.users.size + 1).padStart(12, '0')}`, email, name: '李雷', role, locale, active: true, hasSeat: role === 'agent', createdAt: '2025-01-01T00:00:00.000Z' };
    this.users.set(`${tenant}/${email}`, { password, view, tenant });
    return view;
  }

  /** The next request to `METHOD /path` gets this answer instead of the normal one. */
  answerNext(route: string, status: number, body: unknown): void {
    this.forced.set(route, [...(this.forced.get(route) ?? []), { status, body }]);
  }

  /** Makes every access token issued so far answer 401 (as after its expiry). */
  expireAccessTokens(): void {
    for (const entry of this.accessTokens.values()) entry.valid = false;
  }

  /** A session opened directly (as a login would) for `email`. */
  openSession(tenant: string, email: string): TokenPair {
    const user = this.users.get(`${tenant}/${email}`);
    if (!user) throw new Error(`FakeTenantServer: no user ${tenant}/${email}`);
    return this.issue(user.view.id, `session-${++this.counter}`);
  }

  /** The user an access token was issued to, while it is valid (for fakes of the other services). */
  userOf(accessToken: string | undefined): UserView | null {
    const entry = accessToken ? this.accessTokens.get(accessToken) : undefined;
    if (!entry?.valid) return null;
    return [...this.users.values()].find((u) => u.view.id === entry.userId)?.view ?? null;
  }

  /** Every user added, as the tenant service lists them. */
  allUsers(): UserView[] {
    return [...this.users.values()].map((u) => u.view);
  }

  readonly transport: HttpTransport = async (request) => {
    this.requests.push(request);
    const route = `${request.method} ${request.path}`;
    const forced = this.forced.get(route)?.shift();
    if (forced) return forced;
    switch (route) {
      case 'POST /auth/login':
        return this.login(request.body as { tenant: string; email: string; password: string });
      case 'POST /auth/refresh':
        return this.refresh((request.body as { refreshToken: string }).refreshToken);
      case 'POST /auth/logout':
        return { status: 204, body: null };
      case 'GET /me':
        return this.me(request.accessToken);
      default:
        throw new Error(`FakeTenantServer: no answer set up for ${route}`);
    }
  };

  private login(body: { tenant: string; email: string; password: string }): HttpResponse {
    const user = this.users.get(`${body.tenant}/${body.email}`);
    if (!user || user.password !== body.password) return error(401, 'UNAUTHORIZED', 'the company, email or password is not correct');
    return { status: 200, body: this.issue(user.view.id, `session-${++this.counter}`) };
  }

  private refresh(token: string): HttpResponse {
    const row = this.refreshTokens.get(token);
    if (!row || this.revokedSessions.has(row.sessionId)) return error(401, 'UNAUTHORIZED', 'the refresh token is not valid');
    if (row.rotated) {
      this.revokedSessions.add(row.sessionId);
      return error(401, 'UNAUTHORIZED', 'the refresh token is not valid');
    }
    row.rotated = true;
    return { status: 200, body: this.issue(row.userId, row.sessionId) };
  }

  private me(accessToken: string | undefined): HttpResponse {
    const entry = accessToken ? this.accessTokens.get(accessToken) : undefined;
    if (!entry?.valid) return error(401, 'UNAUTHORIZED', 'missing or invalid access token');
    const user = [...this.users.values()].find((u) => u.view.id === entry.userId);
    if (!user) return error(404, 'NOT_FOUND', 'user not found');
    return { status: 200, body: user.view };
  }

  private issue(userId: string, sessionId: string): TokenPair {
    const n = ++this.counter;
    const accessToken = `access-${n}`;
    const refreshToken = `refresh-token-${n}-${'x'.repeat(24)}`;
    this.accessTokens.set(accessToken, { userId, valid: true });
    this.refreshTokens.set(refreshToken, { sessionId, userId, rotated: false });
    return { accessToken, expiresIn: 900, refreshToken, refreshExpiresAt: '2030-01-01T00:00:00.000Z', tokenType: 'Bearer' };
  }
}

export function error(statusCode: number, errorName: string, message: string, fields?: ApiErrorBody['fields']): HttpResponse {
  return { status: statusCode, body: { statusCode, error: errorName, message, ...(fields ? { fields } : {}) } };
}

/** A Web Storage area in memory (what localStorage offers the session). */
export function memoryStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}
