import { randomUUID } from 'node:crypto';
import { WebhookClient, type WebhookRequest } from '../src/calls/webhook.client';
import { selfSignedCertificate, startWebhookServer } from './ivr-test-kit';

function dip(url: string, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    kind: 'webhook-request',
    requestId: randomUUID(),
    nodeId: 'lookup',
    url,
    method: 'POST',
    timeoutMs: 1000,
    body: {
      callId: randomUUID(),
      flowId: randomUUID(),
      flowVersion: 3,
      nodeId: 'lookup',
      callerNumber: '+15555550123',
      dialledNumber: '+18005550100',
      locale: 'en',
      variables: { account: '1234' },
    },
    ...overrides,
  };
}

// A real HTTPS server on 127.0.0.1 with a certificate of the test's own.
describe('data-dip webhook client', () => {
  const tls = selfSignedCertificate();
  let server: Awaited<ReturnType<typeof startWebhookServer>>;
  let client: WebhookClient;

  beforeAll(async () => {
    server = await startWebhookServer(tls, (req) => {
      if (req.url.startsWith('/ok')) return { status: 200, body: JSON.stringify({ customer: { tier: 'gold' }, echo: req.method }) };
      if (req.url.startsWith('/slow')) return { status: 200, body: '{}', delayMs: 3000 };
      if (req.url.startsWith('/big')) return { status: 200, body: JSON.stringify({ blob: 'x'.repeat(5000) }) };
      if (req.url.startsWith('/html')) return { status: 200, body: '<html>hello</html>' };
      if (req.url.startsWith('/error')) return { status: 503, body: 'unavailable' };
      if (req.url.startsWith('/redirect')) return { status: 302, body: '' };
      return undefined;
    });
    client = new WebhookClient({ allowPrivateAddresses: true, maxResponseBytes: 2048, extraCa: tls.cert });
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
    tls.cleanup();
  });

  it('POSTs the call facts as JSON and returns the parsed answer', async () => {
    const request = dip(server.url('/ok'));
    const result = await client.call(request);
    expect(result).toEqual({ ok: true, status: 200, body: { customer: { tier: 'gold' }, echo: 'POST' } });
    const received = server.requests.at(-1);
    expect(JSON.parse(received?.body ?? '')).toEqual(request.body);
    expect(received?.headers).toMatchObject({ 'content-type': 'application/json', 'x-parley-request-id': request.requestId, 'x-parley-call-id': request.body.callId });
  });

  it('sends a GET as query parameters', async () => {
    const request = dip(server.url('/ok?source=ivr'), { method: 'GET' });
    expect(await client.call(request)).toMatchObject({ ok: true, status: 200, body: { echo: 'GET' } });
    const query = new URL(`https://x${server.requests.at(-1)?.url ?? ''}`).searchParams;
    expect(Object.fromEntries(query)).toEqual({
      source: 'ivr',
      callId: request.body.callId,
      flowId: request.body.flowId,
      flowVersion: '3',
      nodeId: 'lookup',
      callerNumber: '+15555550123',
      dialledNumber: '+18005550100',
      locale: 'en',
      'variables.account': '1234',
    });
  });

  it('turns slow, large, non-JSON, failing and redirecting answers into results the failure branch takes', async () => {
    const started = Date.now();
    expect(await client.call(dip(server.url('/slow'), { timeoutMs: 300 }))).toMatchObject({ ok: false, error: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await client.call(dip(server.url('/hang'), { timeoutMs: 300 }))).toMatchObject({ ok: false, error: 'timeout' });
    expect(await client.call(dip(server.url('/big')))).toMatchObject({ ok: false, error: 'too-large', status: 200 });
    expect(await client.call(dip(server.url('/html')))).toMatchObject({ ok: false, error: 'invalid-json', status: 200 });
    expect(await client.call(dip(server.url('/error')))).toEqual({ ok: true, status: 503, body: null });
    expect(await client.call(dip(server.url('/redirect')))).toEqual({ ok: true, status: 302, body: null });
  });

  it('refuses http://, credentials in the URL, and non-public addresses unless allowed', async () => {
    const strict = new WebhookClient({ allowPrivateAddresses: false, maxResponseBytes: 2048, extraCa: tls.cert });
    try {
      const count = server.requests.length;
      expect(await strict.call(dip(server.url('/ok')))).toMatchObject({ ok: false, error: 'network', detail: expect.stringContaining('127.0.0.1 is not a public address') });
      expect(await strict.call(dip(server.url('/ok').replace('127.0.0.1', 'localhost')))).toMatchObject({ ok: false, error: 'network', detail: expect.stringContaining('not a public address') });
      expect(await strict.call(dip('https://[::1]:9/ok'))).toMatchObject({ ok: false, error: 'network', detail: expect.stringContaining('::1 is not a public address') });
      expect(await strict.call(dip('https://169.254.169.254/latest/meta-data'))).toMatchObject({ ok: false, error: 'network', detail: expect.stringContaining('not a public address') });
      expect(server.requests.length).toBe(count);
    } finally {
      strict.close();
    }
    expect(await client.call(dip(server.url('/ok').replace('https:', 'http:')))).toMatchObject({ ok: false, error: 'network', detail: expect.stringContaining('only https://') });
    expect(await client.call(dip(server.url('/ok').replace('https://', 'https://user:pw@')))).toMatchObject({ ok: false, error: 'network', detail: expect.stringContaining('credentials') });
  });

  it('does not trust a certificate no configured authority signed', async () => {
    const untrusting = new WebhookClient({ allowPrivateAddresses: true, maxResponseBytes: 2048 });
    try {
      expect(await untrusting.call(dip(server.url('/ok')))).toMatchObject({ ok: false, error: 'network', detail: expect.stringMatching(/self[- ]signed/i) });
    } finally {
      untrusting.close();
    }
  });

  it('gives up a request when the instance shuts down', async () => {
    const abort = new AbortController();
    const pending = client.call(dip(server.url('/hang'), { timeoutMs: 5000 }), abort.signal);
    setTimeout(() => abort.abort(), 100);
    expect(await pending).toMatchObject({ ok: false, error: 'network', detail: 'the ivr instance is shutting down' });
  });
});
