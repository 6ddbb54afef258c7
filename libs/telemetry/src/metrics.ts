import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

/** Seconds; the OpenTelemetry HTTP semantic-conventions buckets. */
export const HTTP_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
export const HTTP_SERVER_DURATION_METRIC = 'http_server_request_duration_seconds';

export type HttpDurationLabel = 'method' | 'route' | 'status_code';

/**
 * A fresh Prometheus registry for one service: Node.js default metrics (event loop, GC, memory)
 * and `service="<name>"` on every series. One per service, so the all-in-one process exposes
 * each service's metrics separately.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

interface MetricConfig<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

function existing<M extends Metric>(registry: Registry, name: string, type: abstract new (...args: never[]) => M): M | undefined {
  const found = registry.getSingleMetric(name);
  if (found === undefined) return undefined;
  if (!(found instanceof type)) throw new Error(`Metric "${name}" is already registered with another type`);
  return found;
}

/** Get-or-create a counter on `registry` (creating twice returns the first; another type throws). */
export function createCounter<L extends string = never>(registry: Registry, config: MetricConfig<L>): Counter<L> {
  return (
    existing<Counter<L>>(registry, config.name, Counter) ??
    new Counter<L>({ name: config.name, help: config.help, labelNames: config.labelNames ?? [], registers: [registry] })
  );
}

/** Get-or-create a histogram on `registry`. */
export function createHistogram<L extends string = never>(registry: Registry, config: MetricConfig<L> & { buckets?: readonly number[] }): Histogram<L> {
  return (
    existing<Histogram<L>>(registry, config.name, Histogram) ??
    new Histogram<L>({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames ?? [],
      ...(config.buckets ? { buckets: [...config.buckets] } : {}),
      registers: [registry],
    })
  );
}

/** Get-or-create a gauge on `registry`. */
export function createGauge<L extends string = never>(registry: Registry, config: MetricConfig<L>): Gauge<L> {
  return (
    existing<Gauge<L>>(registry, config.name, Gauge) ??
    new Gauge<L>({ name: config.name, help: config.help, labelNames: config.labelNames ?? [], registers: [registry] })
  );
}

/** `http_server_request_duration_seconds{method,route,status_code}` on `registry` (get-or-create). */
export function httpServerDurationHistogram(registry: Registry): Histogram<HttpDurationLabel> {
  return createHistogram<HttpDurationLabel>(registry, {
    name: HTTP_SERVER_DURATION_METRIC,
    help: 'Duration of HTTP server requests, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_DURATION_BUCKETS,
  });
}

export type { Registry, Counter, Gauge, Histogram };
