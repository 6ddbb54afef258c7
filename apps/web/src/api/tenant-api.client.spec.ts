/**
 * @jest-environment node
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ApiError, NetworkError, UnexpectedResponseError } from './api-error';
import { fetchTransport } from './http-transport';
import { InvalidRequestError, TenantApiClient } from './tenant-api.client';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

type Handler = (seen: Seen, res: ServerResponse) => void;

/** A real HTTP server answering like the tenant service would; each test says what it answers. */
describe('TenantApiClient over fetch', () => {
  let server: Server;
  let handler: Handler;
  let seen: Seen[];
  let client: TenantApiClient;
  let root: string;

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const entry: Seen = {
          method: req.method ?? '',
          url: req.url ?? '',
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          body: text ? (JSON.parse(text) as unknown) : null,
        };
        seen.push(entry);
        handler(entry, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  });

  beforeEach(() => {
    seen = [];
    handler = () => {
      throw new Error('the test did not expect a request');
    };
    client = new TenantApiClient(fetchTransport({ apiRoot: root, fetch: (url, init) => fetch(url, init) }));
  });

  const pair = { accessToken: 'a.b.c', expiresIn: 900, refreshToken: 'r'.repeat(43), refreshExpiresAt: '2030-01-01T00:00:00.000Z', tokenType: 'Bearer' };

  it('logs in with the normalized body and returns the token pair', async () => {
    handler = (_s, res) => json(res, 200, pair);
    await expect(client.login({ tenant: 'acme', email: '  Ada@Acme.TEST ', password: 'correct horse battery' })).resolves.toEqual(pair);
    expect(seen).toEqual([
      { method: 'POST', url: '/api/v1/auth/login', authorization: undefined, contentType: 'application/json', body: { tenant: 'acme', email: 'ada@acme.test', password: 'correct horse battery' } },
    ]);
  });

  it("turns a validation answer into an ApiError carrying the API's fields", async () => {
    const body = {
      statusCode: 409,
      error: 'CONFLICT',
      message: 'invalid body: slug "acme" is already taken',
      fields: [{ path: 'slug', message: 'is already taken' }],
    };
    handler = (_s, res) => json(res, 409, body);
    const error = await client
      .signup({ companyName: 'Acme', slug: 'acme', adminName: 'Ada', adminEmail: 'ada@acme.test', password: 'correct horse battery' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(409);
    expect((error as ApiError).fields).toEqual([{ path: 'slug', message: 'is already taken' }]);
  });

  it('keeps the text of an error answer that is not in the shared shape (e.g. a proxy page)', async () => {
    handler = (_s, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
    const error = (await client.refresh(pair.refreshToken).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(502);
    expect(error.body.message).toBe('<h1>Bad gateway</h1>');
    expect(error.fields).toEqual([]);
  });

  it('sends the access token to /me and checks the answer against the contract', async () => {
    handler = (_s, res) => json(res, 200, { id: 'u1', email: 'ada@acme.test', name: 'Ada', role: 'captain', locale: 'en', active: true, hasSeat: false, createdAt: 'x' });
    const error = (await client.me('tok').catch((e: unknown) => e)) as UnexpectedResponseError;
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.message).toContain('role');
    expect(seen[0]?.authorization).toBe('Bearer tok');
  });

  it('logs out with 204 and no body', async () => {
    handler = (_s, res) => res.writeHead(204).end();
    await expect(client.logout(pair.refreshToken)).resolves.toBeUndefined();
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/auth/logout', body: { refreshToken: pair.refreshToken } });
  });

  it('refuses a body the contract refuses without sending it', async () => {
    const error = (await client
      .signup({ companyName: 'Acme', slug: 'Not A Slug', adminName: 'Ada', adminEmail: 'ada', password: 'short' })
      .catch((e: unknown) => e)) as InvalidRequestError;
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.issues.map((i) => i.path.join('.')).sort()).toEqual(['adminEmail', 'password', 'slug']);
    expect(seen).toEqual([]);
  });

  it('reports an unreachable server as a NetworkError', async () => {
    const closed = new TenantApiClient(fetchTransport({ apiRoot: 'http://127.0.0.1:9/api/v1', fetch: (url, init) => fetch(url, init) }));
    const error = (await closed.refresh(pair.refreshToken).catch((e: unknown) => e)) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toBe('POST /auth/refresh: the server could not be reached');
  });
});
