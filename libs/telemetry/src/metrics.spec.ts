import { createCounter, createGauge, createHistogram, createMetricsRegistry, HTTP_SERVER_DURATION_METRIC, httpServerDurationHistogram } from './metrics';

/** The value of the sample `name{labels}` in Prometheus text, whatever the label order; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    const same = Object.keys(found).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => found[k] === v);
    if (same) return Number(match[3]);
  }
  return undefined;
}

describe('metrics', () => {
  it('gives each service its own registry with default metrics and a service label', async () => {
    const tenant = createMetricsRegistry('tenant');
    const acd = createMetricsRegistry('acd');
    createCounter(tenant, { name: 'parley_signups_total', help: 'Signups.' }).inc();
    const text = await tenant.metrics();
    expect(sample(text, 'parley_signups_total', { service: 'tenant' })).toBe(1);
    expect(text).toMatch(/process_resident_memory_bytes\{service="tenant"\} \d+/);
    expect(await acd.metrics()).not.toContain('parley_signups_total');
  });

  it('get-or-creates metrics by name and refuses a name reused with another type', async () => {
    const registry = createMetricsRegistry('acd');
    const a = createCounter(registry, { name: 'parley_offers_total', help: 'Offers.', labelNames: ['queue'] });
    const b = createCounter(registry, { name: 'parley_offers_total', help: 'Offers.', labelNames: ['queue'] });
    expect(b).toBe(a);
    a.inc({ queue: 'sales' }, 2);
    b.inc({ queue: 'sales' });
    expect(sample(await registry.metrics(), 'parley_offers_total', { queue: 'sales', service: 'acd' })).toBe(3);
    expect(() => createGauge(registry, { name: 'parley_offers_total', help: 'x' })).toThrow(/another type/);

    createGauge(registry, { name: 'parley_agents_ready', help: 'Ready agents.' }).set(4);
    createHistogram(registry, { name: 'parley_wait_seconds', help: 'Wait.', buckets: [1, 5] }).observe(3);
    const text = await registry.metrics();
    expect(sample(text, 'parley_agents_ready', { service: 'acd' })).toBe(4);
    expect(sample(text, 'parley_wait_seconds_bucket', { le: '5', service: 'acd' })).toBe(1);
    expect(sample(text, 'parley_wait_seconds_bucket', { le: '1', service: 'acd' })).toBe(0);
  });

  it('defines the HTTP server histogram with method, route and status_code', async () => {
    const registry = createMetricsRegistry('web');
    const histogram = httpServerDurationHistogram(registry);
    expect(httpServerDurationHistogram(registry)).toBe(histogram);
    histogram.observe({ method: 'GET', route: '/users/:id', status_code: '200' }, 0.02);
    const text = await registry.metrics();
    expect(text).toContain(`# TYPE ${HTTP_SERVER_DURATION_METRIC} histogram`);
    const labels = { method: 'GET', route: '/users/:id', status_code: '200', service: 'web' };
    expect(sample(text, 'http_server_request_duration_seconds_bucket', { ...labels, le: '0.025' })).toBe(1);
    expect(sample(text, 'http_server_request_duration_seconds_bucket', { ...labels, le: '0.01' })).toBe(0);
    expect(sample(text, 'http_server_request_duration_seconds_count', labels)).toBe(1);
  });
});
