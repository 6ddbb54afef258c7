import { createCounter, createGauge, createHistogram, type Counter, type Gauge, type Histogram, type Registry } from '@parley/telemetry';

/** The cti service's Prometheus series (on the registry of whoever runs it). */
export class CtiMetrics {
  readonly wsConnections: Gauge<'mode'>;
  readonly wsRefused: Counter<'reason'>;
  readonly pushes: Counter<'type'>;
  readonly crmRequests: Counter<'status'>;
  readonly popSeconds: Histogram;
  readonly commands: Counter<'command'>;
  readonly outboxLagSeconds: Histogram<'topic'>;

  constructor(registry: Registry) {
    this.wsConnections = createGauge(registry, { name: 'cti_ws_connections', help: 'Desktops connected to this instance, by mode', labelNames: ['mode'] });
    this.wsRefused = createCounter(registry, { name: 'cti_ws_refused_total', help: 'Desktop connections refused, by reason (ticket, role, seat)', labelNames: ['reason'] });
    this.pushes = createCounter(registry, { name: 'cti_pushes_total', help: 'Messages pushed to desktops of this instance, by type', labelNames: ['type'] });
    this.crmRequests = createCounter(registry, { name: 'cti_crm_requests_total', help: "Screen pops' CRM webhook calls, by outcome", labelNames: ['status'] });
    this.popSeconds = createHistogram(registry, { name: 'cti_screen_pop_seconds', help: 'Time to build a screen pop (the CRM answer included)', buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3] });
    this.commands = createCounter(registry, { name: 'cti_call_commands_total', help: 'Voice commands issued for desktops, by command', labelNames: ['command'] });
    this.outboxLagSeconds = createHistogram(registry, {
      name: 'cti_outbox_lag_seconds',
      help: 'Time from the transaction that queued a message to its publication',
      labelNames: ['topic'],
      buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
  }
}
