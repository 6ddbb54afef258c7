import { createCounter, createGauge, createHistogram, type Counter, type Gauge, type Histogram, type Registry } from '@parley/telemetry';

/** The acd service's Prometheus series (on the registry of whoever runs it). */
export class AcdMetrics {
  /** Inputs applied by a tenant's engine, by kind and result (applied, refused, failed). */
  readonly inputs: Counter<'kind' | 'result'>;
  /** Time to apply one input: the engine's decision, the saved state, the queued messages. */
  readonly inputSeconds: Histogram<'kind'>;
  /** Inputs passed to the instance that runs the tenant's engine. */
  readonly forwarded: Counter<'kind'>;
  /** Tenants whose engine runs here. */
  readonly tenantsOwned: Gauge;
  /** Engines rebuilt from the durable state (a tenant taken over, or restarted after a failure). */
  readonly recoveries: Counter<'result'>;
  readonly offers: Counter;
  readonly callsEnded: Counter<'outcome'>;
  /** From a message's transaction to its publication by the outbox relay, by topic. */
  readonly outboxLagSeconds: Histogram<'topic'>;

  constructor(registry: Registry) {
    this.inputs = createCounter(registry, { name: 'acd_inputs_total', help: "Inputs applied by a tenant's routing engine, by kind and result", labelNames: ['kind', 'result'] });
    this.inputSeconds = createHistogram(registry, {
      name: 'acd_input_duration_seconds',
      help: 'Time to apply one input: decide, save the state, queue the messages',
      labelNames: ['kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    });
    this.forwarded = createCounter(registry, { name: 'acd_forwarded_inputs_total', help: "Inputs passed to the instance that runs the tenant's engine", labelNames: ['kind'] });
    this.tenantsOwned = createGauge(registry, { name: 'acd_tenants_owned', help: 'Tenants whose routing engine runs in this instance' });
    this.recoveries = createCounter(registry, { name: 'acd_engine_recoveries_total', help: 'Routing engines built from the durable state', labelNames: ['result'] });
    this.offers = createCounter(registry, { name: 'acd_offers_total', help: 'Calls offered to agents' });
    this.callsEnded = createCounter(registry, { name: 'acd_calls_finished_total', help: 'Calls that left the acd, by outcome', labelNames: ['outcome'] });
    this.outboxLagSeconds = createHistogram(registry, {
      name: 'acd_outbox_lag_seconds',
      help: 'Time from the transaction that queued a message (event or voice command) to its publication',
      labelNames: ['topic'],
      buckets: [0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5],
    });
  }
}
