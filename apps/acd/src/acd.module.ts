import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type DataSource } from 'typeorm';
import { type EventBus, OutboxRelay } from '@parley/messaging';
import { UnitOfWork } from '@parley/persistence';
import { createMetricsRegistry, type Registry } from '@parley/telemetry';
import {
  ACD_CONFIG,
  ACD_CONSUMER_GROUPS,
  ACD_DATA_SOURCE,
  ACD_EVENT_BUS,
  ACD_INSTANCE,
  ACD_LOGGER,
  ACD_METRICS,
  ACD_REALTIME,
  ACD_SCHEMA,
  ACD_UNIT_OF_WORK,
  acdConsumerGroups,
  type AcdLogger,
} from './acd.tokens';
import { AgentsController } from './agents/agents.controller';
import { AgentsRepository } from './agents/agents.repository';
import { AgentsService } from './agents/agents.service';
import { SeatsSnapshotService } from './agents/seats-snapshot.service';
import { SeatsConsumer } from './agents/seats.consumer';
import { CallEventsConsumer } from './calls/call-events.consumer';
import { CallerDataCipher } from './calls/caller-data.cipher';
import { CallsRepository } from './calls/calls.repository';
import { type AcdEnv } from './config/env.schema';
import { DecisionsController } from './decisions/decisions.controller';
import { DemoQueuesService } from './demo/demo-queues.service';
import { DecisionsRepository } from './decisions/decisions.repository';
import { DecisionsService } from './decisions/decisions.service';
import { type AcdRealtime } from './live/acd-realtime';
import { QueuesController } from './queues/queues.controller';
import { QueuesRepository } from './queues/queues.repository';
import { QueuesService } from './queues/queues.service';
import { AcdMetrics } from './runtime/acd-metrics';
import { acdInstance, RoutingDispatcher } from './runtime/routing-dispatcher.service';
import { RoutingInputsRepository } from './runtime/routing-inputs.repository';
import { SettingsController } from './settings/settings.controller';
import { TransfersController } from './calls/transfers.controller';
import { SettingsRepository } from './settings/settings.repository';
import { SkillsController } from './skills/skills.controller';
import { SkillsRepository } from './skills/skills.repository';
import { SkillsService } from './skills/skills.service';
import { DailyStatsRepository } from './stats/daily-stats.repository';
import { StatisticsService } from './stats/statistics.service';

/** What the acd service needs from whoever runs it (its own main.ts, or apps/platform). */
export interface AcdServiceDeps {
  config: AcdEnv;
  /** Initialized, connected as the runtime role, on the `acd` schema (no entities: the repositories use SQL). */
  dataSource: DataSource;
  bus: EventBus;
  /** Redis (several acd instances) or memory (one process): `redisRealtime(redis)` or `memoryRealtime()`. */
  realtime: AcdRealtime;
  logger: AcdLogger;
  /** The registry the acd series go to (the app's /metrics); default: one of its own. */
  metrics?: Registry;
  /** Prefix of the consumer groups (default `acd`: `acd.routing`, `acd.seats`). */
  consumerGroupPrefix?: string;
  /** The seat projection's group, when not `<prefix>.seats`. */
  seatsConsumerGroup?: string;
}

const ACD_OUTBOX_RELAY = Symbol.for('parley:acd:outbox-relay');

/** Publishes the acd outbox while the service runs; drains it on shutdown. */
class AcdOutboxRelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(ACD_OUTBOX_RELAY) private readonly relay: OutboxRelay) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

/**
 * The acd service: skills, queues, agents, agent states, decisions and live statistics under
 * /api/v1/acd; the seat projection; the routing engines of the tenants this instance holds, fed by
 * routed calls and voice events, publishing through the outbox. Authentication is the hosting
 * app's (a global AuthModule).
 */
@Module({})
export class AcdModule {
  static register(deps: AcdServiceDeps): DynamicModule {
    const metrics = new AcdMetrics(deps.metrics ?? createMetricsRegistry('acd'));
    return {
      module: AcdModule,
      controllers: [SkillsController, QueuesController, AgentsController, DecisionsController, SettingsController, TransfersController],
      providers: [
        { provide: ACD_CONFIG, useValue: deps.config },
        { provide: ACD_DATA_SOURCE, useValue: deps.dataSource },
        { provide: ACD_UNIT_OF_WORK, useValue: new UnitOfWork(deps.dataSource) },
        { provide: ACD_EVENT_BUS, useValue: deps.bus },
        { provide: ACD_LOGGER, useValue: deps.logger },
        { provide: ACD_REALTIME, useValue: deps.realtime },
        { provide: ACD_METRICS, useValue: metrics },
        { provide: ACD_CONSUMER_GROUPS, useValue: acdConsumerGroups(deps.consumerGroupPrefix, deps.seatsConsumerGroup) },
        { provide: ACD_INSTANCE, useValue: acdInstance(deps.config.ACD_INSTANCE_ID) },
        { provide: CallerDataCipher, useValue: new CallerDataCipher(deps.config.ACD_DATA_KEY) },
        {
          provide: ACD_OUTBOX_RELAY,
          useFactory: () =>
            new OutboxRelay({
              dataSource: deps.dataSource,
              schema: ACD_SCHEMA,
              bus: deps.bus,
              logger: deps.logger,
              onPublished: (rows) => {
                for (const row of rows) metrics.outboxLagSeconds.observe({ topic: row.topic }, (row.publishedAt.getTime() - row.createdAt.getTime()) / 1000);
              },
            }),
        },
        AcdOutboxRelayLifecycle,
        SkillsRepository,
        QueuesRepository,
        AgentsRepository,
        CallsRepository,
        DecisionsRepository,
        SettingsRepository,
        DailyStatsRepository,
        RoutingInputsRepository,
        RoutingDispatcher,
        SkillsService,
        QueuesService,
        AgentsService,
        DecisionsService,
        StatisticsService,
        CallEventsConsumer,
        SeatsConsumer,
        SeatsSnapshotService,
        DemoQueuesService,
      ],
      exports: [RoutingDispatcher, SeatsSnapshotService, DemoQueuesService, ACD_UNIT_OF_WORK, ACD_METRICS],
    };
  }
}
