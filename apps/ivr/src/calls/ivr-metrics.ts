import { createCounter, createHistogram, type Counter, type Histogram, type Registry } from '@parley/telemetry';

/** The ivr service's Prometheus series (on the registry of whoever runs it). */
export class IvrMetrics {
  /** New calls seen, by what became of them: started, no-flow, stale, not-inbound, no-number, duplicate. */
  readonly callStarts: Counter<'result'>;
  /** Calls whose IVR part ended, by outcome. */
  readonly callsCompleted: Counter<'outcome'>;
  /** Executor steps by input type and result (applied or ignored). */
  readonly steps: Counter<'input' | 'result'>;
  readonly stepSeconds: Histogram<'input'>;
  /** Steps that found the call's state changed under them and ran again. */
  readonly stateConflicts: Counter;
  /** Data-dip webhook calls by result (2xx, 4xx, 5xx, timeout, network, invalid-json, too-large). */
  readonly webhooks: Counter<'result'>;
  readonly timersFired: Counter;

  constructor(registry: Registry) {
    this.callStarts = createCounter(registry, { name: 'ivr_call_starts_total', help: 'voice.call.started.v1 messages handled, by result', labelNames: ['result'] });
    this.callsCompleted = createCounter(registry, { name: 'ivr_calls_completed_total', help: 'Calls whose IVR part ended, by outcome', labelNames: ['outcome'] });
    this.steps = createCounter(registry, { name: 'ivr_executor_steps_total', help: 'Executor steps, by input type and result', labelNames: ['input', 'result'] });
    this.stepSeconds = createHistogram(registry, {
      name: 'ivr_step_duration_seconds',
      help: 'Time to load, step, save and queue the outputs of one call input',
      labelNames: ['input'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    this.stateConflicts = createCounter(registry, { name: 'ivr_call_state_conflicts_total', help: 'Steps retried because another step saved the call first' });
    this.webhooks = createCounter(registry, { name: 'ivr_webhook_requests_total', help: 'Data-dip webhook calls, by result', labelNames: ['result'] });
    this.timersFired = createCounter(registry, { name: 'ivr_timers_fired_total', help: 'Call timers fired by the scheduler' });
  }
}
