import { ApiError } from '../api/api-error';
import { TenantApiClient } from '../api/tenant-api.client';
import { FakeTenantServer, memoryStorage } from '../testing/tenant-api.fake';
import { NoSessionError, SessionManager, storageRefreshTokenStore } from './session.manager';

describe('SessionManager', () => {
  let server: FakeTenantServer;
  let api: TenantApiClient;
  let now: number;

  beforeEach(() => {
    server = new FakeTenantServer();
    server.addUser('acme', 'ada@acme.test', 'correct horse battery', 'agent');
    api = new TenantApiClient(server.transport);
    now = 1_000_000;
  });

  const manager = (storage = memoryStorage()): SessionManager => new SessionManager(api, { store: storageRefreshTokenStore(storage), now: () => now });
  const refreshes = (): number => server.requests.filter((r) => r.path === '/auth/refresh').length;

  it('uses the access token until shortly before it expires, then refreshes once and stores the rotated token', async () => {
    const storage = memoryStorage();
    const session = manager(storage);
    const first = server.openSession('acme', 'ada@acme.test');
    session.start(first);
    expect(await session.accessToken()).toBe(first.accessToken);

    now += (first.expiresIn - 29) * 1000; // inside the 30 s early-refresh window
    const [a, b, c] = await Promise.all([session.accessToken(), session.accessToken(), session.withAccess((t) => api.me(t))]);
    expect(refreshes()).toBe(1);
    expect(a).not.toBe(first.accessToken);
    expect(b).toBe(a);
    expect(c.email).toBe('ada@acme.test');
    expect(storage.getItem('parley.refreshToken')).not.toBe(first.refreshToken);
  });

  it('refreshes and retries once when the API answers 401 to a call', async () => {
    const session = manager();
    session.start(server.openSession('acme', 'ada@acme.test'));
    server.expireAccessTokens();
    const user = await session.withAccess((t) => api.me(t));
    expect(user.role).toBe('agent');
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /me', 'POST /auth/refresh', 'GET /me']);
  });

  it('does not retry a second time when the retried call answers 401 again', async () => {
    const session = manager();
    session.start(server.openSession('acme', 'ada@acme.test'));
    server.expireAccessTokens();
    server.answerNext('GET /me', 401, { statusCode: 401, error: 'UNAUTHORIZED', message: 'no' });
    server.answerNext('GET /me', 401, { statusCode: 401, error: 'UNAUTHORIZED', message: 'still no' });
    await expect(session.withAccess((t) => api.me(t))).rejects.toThrow(ApiError);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /me', 'POST /auth/refresh', 'GET /me']);
  });

  it('refreshes with the newest token another tab stored, so the server never sees a reused one', async () => {
    const storage = memoryStorage();
    storage.setItem('parley.refreshToken', server.openSession('acme', 'ada@acme.test').refreshToken);
    const tabA = manager(storage);
    const tabB = manager(storage);
    await tabA.withAccess((t) => api.me(t)); // restore in tab A: rotates the stored token
    await tabB.withAccess((t) => api.me(t)); // restore in tab B: rotates it again; tab A's copy is now stale
    now += 10_000_000;
    await expect(tabA.withAccess((t) => api.me(t))).resolves.toMatchObject({ email: 'ada@acme.test' });
    await expect(tabB.withAccess((t) => api.me(t))).resolves.toMatchObject({ email: 'ada@acme.test' });
    expect(refreshes()).toBe(4);
  });

  it('ends the session with NoSessionError and forgets the token when the refresh is refused', async () => {
    const storage = memoryStorage();
    const session = manager(storage);
    const pair = server.openSession('acme', 'ada@acme.test');
    session.start(pair);
    await api.refresh(pair.refreshToken); // someone else used it: the next use is a reuse
    now += 10_000_000;
    await expect(session.accessToken()).rejects.toThrow(NoSessionError);
    expect(storage.getItem('parley.refreshToken')).toBeNull();
    expect(session.hasStoredSession()).toBe(false);
  });

  it('signs out on the server with the stored refresh token and forgets it', async () => {
    const storage = memoryStorage();
    const session = manager(storage);
    const pair = server.openSession('acme', 'ada@acme.test');
    session.start(pair);
    await session.end();
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', path: '/auth/logout', body: { refreshToken: pair.refreshToken } });
    expect(storage.getItem('parley.refreshToken')).toBeNull();
    await expect(session.accessToken()).rejects.toThrow(NoSessionError);
  });
});
