import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type DataSource } from 'typeorm';
import { type EventBus, OutboxRelay } from '@parley/messaging';
import { UnitOfWork } from '@parley/persistence';
import { type CounterStore } from '@parley/rate-limit';
import { createMetricsRegistry, type Registry } from '@parley/telemetry';
import { CallEventsConsumer } from './calls/call-events.consumer';
import { CallRunnerService } from './calls/call-runner.service';
import { CallStateRepository } from './calls/call-state.repository';
import { CallTimerScheduler } from './calls/call-timer.scheduler';
import { IvrMetrics } from './calls/ivr-metrics';
import { type IvrEnv } from './config/env.schema';
import { DemoFlowService } from './demo/demo-flow.service';
import { FlowRepository } from './flows/flow.repository';
import { FlowsController } from './flows/flows.controller';
import { FlowsService } from './flows/flows.service';
import {
  type Clock,
  IVR_CLOCK,
  IVR_CONFIG,
  IVR_CONSUMER_GROUPS,
  IVR_COUNTER_STORE,
  IVR_DATA_SOURCE,
  IVR_EVENT_BUS,
  IVR_LOGGER,
  IVR_METRICS,
  IVR_SCHEMA,
  IVR_UNIT_OF_WORK,
  ivrConsumerGroups,
  type IvrLogger,
} from './ivr.tokens';
import { BindingsService } from './numbers/bindings.service';
import { NumberRepository } from './numbers/number.repository';
import { NumbersController } from './numbers/numbers.controller';
import { NumbersSnapshotService } from './numbers/numbers-snapshot.service';
import { PhoneNumbersConsumer } from './numbers/phone-numbers.consumer';

/** What the ivr service needs from whoever runs it (its own main.ts, or apps/platform). */
export interface IvrServiceDeps {
  config: IvrEnv;
  /** Initialized, connected as the runtime role, with `ivrEntities` and the `ivr` schema. */
  dataSource: DataSource;
  bus: EventBus;
  /** The per-tenant simulation limit's counters (Redis, or memory in one process). */
  counters: CounterStore;
  logger: IvrLogger;
  /** The registry the ivr series go to (the app's /metrics); default: one of its own. */
  metrics?: Registry;
  clock?: Clock;
  /** Prefix of the consumer groups (default `ivr`: `ivr.call-runner`, `ivr.phone-numbers`). */
  consumerGroupPrefix?: string;
}

const IVR_OUTBOX_RELAY = Symbol.for('parley:ivr:outbox-relay');

/** Publishes the ivr outbox while the service runs; drains it on shutdown. */
class IvrOutboxRelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(IVR_OUTBOX_RELAY) private readonly relay: OutboxRelay) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

/**
 * The ivr service: the flows and numbers API under /api/v1/ivr, the phone-number projection, the
 * call runner (voice events in, voice commands and IVR events out through the outbox), its timer
 * scheduler and the outbox relay. Authentication is the hosting app's (a global AuthModule).
 */
@Module({})
export class IvrModule {
  static register(deps: IvrServiceDeps): DynamicModule {
    return {
      module: IvrModule,
      controllers: [FlowsController, NumbersController],
      providers: [
        { provide: IVR_CONFIG, useValue: deps.config },
        { provide: IVR_DATA_SOURCE, useValue: deps.dataSource },
        { provide: IVR_UNIT_OF_WORK, useValue: new UnitOfWork(deps.dataSource) },
        { provide: IVR_EVENT_BUS, useValue: deps.bus },
        { provide: IVR_LOGGER, useValue: deps.logger },
        { provide: IVR_CLOCK, useValue: deps.clock ?? (() => new Date()) },
        { provide: IVR_COUNTER_STORE, useValue: deps.counters },
        { provide: IVR_METRICS, useValue: new IvrMetrics(deps.metrics ?? createMetricsRegistry('ivr')) },
        { provide: IVR_CONSUMER_GROUPS, useValue: ivrConsumerGroups(deps.consumerGroupPrefix) },
        { provide: IVR_OUTBOX_RELAY, useFactory: () => new OutboxRelay({ dataSource: deps.dataSource, schema: IVR_SCHEMA, bus: deps.bus, logger: deps.logger }) },
        IvrOutboxRelayLifecycle,
        FlowRepository,
        NumberRepository,
        CallStateRepository,
        FlowsService,
        BindingsService,
        CallRunnerService,
        PhoneNumbersConsumer,
        CallEventsConsumer,
        CallTimerScheduler,
        DemoFlowService,
        NumbersSnapshotService,
      ],
      exports: [FlowsService, BindingsService, CallRunnerService, CallTimerScheduler, DemoFlowService, NumbersSnapshotService, IVR_UNIT_OF_WORK, IVR_METRICS],
    };
  }
}
