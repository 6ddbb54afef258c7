import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type DirectorySnapshot, DirectorySnapshotError, fetchDirectorySnapshot } from './directory-snapshot.client';

const tenantId = randomUUID();
const snapshot: DirectorySnapshot = {
  tenants: [{ tenantId, slug: 'acme', companyName: 'Acme', locale: 'en', plan: 'trial', seatLimit: 5, sipDomain: 'acme.sip.parley.local', createdAt: '2025-01-01T00:00:00.000Z' }],
  numbers: [{ tenantId, numberId: randomUUID(), e164: '+18005550100', assignedAt: '2025-01-01T00:00:00.000Z' }],
  users: [],
  seats: [],
  voiceSettings: [{ tenantId, revision: 2, backupNumber: null, fallbackPrompt: { text: 'Sorry', locale: 'en' }, updatedAt: '2025-01-02T00:00:00.000Z' }],
};

/** A real HTTP server answering each request with the next scripted reply (the last one repeats). */
async function serve(replies: ((res: ServerResponse) => void)[]): Promise<{ url: string; requests: IncomingMessage[]; close(): Promise<void> }> {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    (replies[Math.min(requests.length - 1, replies.length - 1)] ?? ((r: ServerResponse) => r.writeHead(500).end()))(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/v1/internal/v1/voice-directory`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const json = (status: number, body: unknown) => (res: ServerResponse) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const fast = { initialBackoffMs: 10, maxBackoffMs: 20 };

describe('fetchDirectorySnapshot', () => {
  it('sends the internal token and tries again after 503s until the snapshot comes', async () => {
    const server = await serve([json(503, { message: 'starting' }), json(503, { message: 'starting' }), json(200, snapshot)]);
    try {
      const warnings: object[] = [];
      const got = await fetchDirectorySnapshot({ url: server.url, token: 'the-token', ...fast, logger: { warn: (o) => warnings.push(o) } });
      expect(got).toEqual(snapshot);
      expect(server.requests).toHaveLength(3);
      expect(server.requests.map((r) => r.headers['x-parley-internal-token'])).toEqual(['the-token', 'the-token', 'the-token']);
      expect(warnings).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('gives up after the tries it was given, naming the URL and the last status', async () => {
    const server = await serve([json(503, {})]);
    try {
      const error = await fetchDirectorySnapshot({ url: server.url, token: 't', attempts: 3, ...fast }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DirectorySnapshotError);
      expect((error as Error).message).toBe(`voice directory snapshot from ${server.url}: gave up after 3 tries; the last: HTTP 503 Service Unavailable`);
      expect(server.requests).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it('fails at once on a refused token, with a hint', async () => {
    const server = await serve([json(401, { message: 'no' })]);
    try {
      await expect(fetchDirectorySnapshot({ url: server.url, token: 'wrong', ...fast })).rejects.toThrow(
        `voice directory snapshot from ${server.url}: HTTP 401 Unauthorized (does INTERNAL_API_TOKEN match the tenant service?)`,
      );
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('refuses a body that is not a snapshot, naming the bad fields', async () => {
    const bad = { ...snapshot, numbers: [{ tenantId, numberId: 'not-a-uuid', e164: '+18005550100', assignedAt: 'yesterday' }] };
    const server = await serve([json(200, bad)]);
    try {
      const error = (await fetchDirectorySnapshot({ url: server.url, token: 't', ...fast }).catch((e: unknown) => e)) as Error;
      expect(error.message).toContain(`voice directory snapshot from ${server.url}: HTTP 200 but the body is not a voice directory snapshot`);
      expect(error.message).toContain('numbers.0.numberId');
      expect(error.message).toContain('numbers.0.assignedAt');
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('names the network error when nothing listens', async () => {
    const server = await serve([json(200, snapshot)]);
    await server.close();
    await expect(fetchDirectorySnapshot({ url: server.url, token: 't', attempts: 2, ...fast })).rejects.toThrow(/gave up after 2 tries; the last: request failed \(ECONNREFUSED\)/);
  });
});
