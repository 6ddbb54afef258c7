import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { type DataSource } from 'typeorm';
import { type EventBus, OutboxRelay } from '@parley/messaging';
import { UnitOfWork } from '@parley/persistence';
import { createMetricsRegistry, type Registry } from '@parley/telemetry';
import { CallControlService } from './calls/call-control.service';
import { CallEventsConsumer } from './calls/call-events.consumer';
import { CallsController } from './calls/calls.controller';
import { CallsRepository } from './calls/calls.repository';
import { CallsService } from './calls/calls.service';
import { ScreenPopService } from './calls/screen-pop.service';
import { WrapUpService } from './calls/wrap-up.service';
import { type CtiEnv } from './config/env.schema';
import { ContactsController } from './contacts/contacts.controller';
import { ContactsRepository } from './contacts/contacts.repository';
import { ContactsService } from './contacts/contacts.service';
import { CrmClient } from './crm/crm.client';
import {
  CTI_CLOCK,
  CTI_CONFIG,
  CTI_CONSUMER_GROUPS,
  CTI_DATA_SOURCE,
  CTI_EVENT_BUS,
  CTI_LOGGER,
  CTI_METRICS,
  CTI_REALTIME,
  CTI_SCHEMA,
  CTI_UNIT_OF_WORK,
  type CtiClock,
  ctiConsumerGroups,
  type CtiLogger,
} from './cti.tokens';
import { DesktopPushService } from './desktop/desktop-push.service';
import { DesktopResyncService } from './desktop/desktop-resync.service';
import { DesktopGateway } from './desktop/desktop.gateway';
import { LiveConsumer } from './desktop/live.consumer';
import { WsTicketsController } from './desktop/ws-tickets.controller';
import { DispositionsController } from './dispositions/dispositions.controller';
import { DispositionsRepository } from './dispositions/dispositions.repository';
import { PhoneNumberCipher } from './phone/phone-number.cipher';
import { type CtiRealtime } from './realtime/cti-realtime.port';
import { RevealAuditController } from './reveal/reveal-audit.controller';
import { RevealAuditRepository } from './reveal/reveal-audit.repository';
import { CtiMetrics } from './runtime/cti-metrics';
import { SeatsSnapshotService } from './seats/seats-snapshot.service';
import { SeatsConsumer } from './seats/seats.consumer';
import { SeatsRepository } from './seats/seats.repository';
import { SettingsController } from './settings/settings.controller';
import { SettingsRepository } from './settings/settings.repository';
import { SettingsService } from './settings/settings.service';
import { TicketsController } from './tickets/tickets.controller';
import { TicketsRepository } from './tickets/tickets.repository';
import { TicketsService } from './tickets/tickets.service';

/** What the cti service needs from whoever runs it (its own main.ts, or apps/platform). */
export interface CtiServiceDeps {
  config: CtiEnv;
  /** Initialized, connected as the runtime role, on the `cti` schema (no entities: the repositories use SQL). */
  dataSource: DataSource;
  bus: EventBus;
  logger: CtiLogger;
  /** The registry the cti series go to (the app's /metrics); default: one of its own. */
  metrics?: Registry;
  /** Redis (several cti instances: `redisCtiRealtime(redis)`) or memory (one process, the default: `memoryCtiRealtime()`). */
  realtime: CtiRealtime;
  /** Prefix of the consumer groups (default `cti`: `cti.calls`, `cti.seats`, `cti.live`). */
  consumerGroupPrefix?: string;
  /** The seat projection's group, when not `<prefix>.seats`. */
  seatsConsumerGroup?: string;
  clock?: CtiClock;
}

const CTI_OUTBOX_RELAY = Symbol.for('parley:cti:outbox-relay');

/** Publishes the cti outbox while the service runs; drains it on shutdown. Closes the CRM client's sockets. */
class CtiLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(CTI_OUTBOX_RELAY) private readonly relay: OutboxRelay,
    private readonly crm: CrmClient,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    this.crm.close();
  }
}

/**
 * The cti service: contacts (numbers encrypted, masked, revealed with an audit), settings,
 * dispositions, tickets, the call projection with screen pops and wrap-up, call control through
 * voice commands, and the desktop WebSocket with its pushes, under /api/v1/cti. Authentication is
 * the hosting app's (a global AuthModule).
 */
@Module({})
export class CtiModule {
  static register(deps: CtiServiceDeps): DynamicModule {
    const metrics = new CtiMetrics(deps.metrics ?? createMetricsRegistry('cti'));
    const config = deps.config;
    return {
      module: CtiModule,
      controllers: [ContactsController, RevealAuditController, SettingsController, DispositionsController, TicketsController, CallsController, WsTicketsController],
      providers: [
        { provide: CTI_CONFIG, useValue: config },
        { provide: CTI_DATA_SOURCE, useValue: deps.dataSource },
        { provide: CTI_UNIT_OF_WORK, useValue: new UnitOfWork(deps.dataSource) },
        { provide: CTI_EVENT_BUS, useValue: deps.bus },
        { provide: CTI_LOGGER, useValue: deps.logger },
        { provide: CTI_METRICS, useValue: metrics },
        { provide: CTI_REALTIME, useValue: deps.realtime },
        { provide: CTI_CLOCK, useValue: deps.clock ?? (() => new Date()) },
        { provide: CTI_CONSUMER_GROUPS, useValue: ctiConsumerGroups(deps.consumerGroupPrefix, deps.seatsConsumerGroup) },
        { provide: PhoneNumberCipher, useValue: new PhoneNumberCipher(config.CTI_DATA_KEY) },
        {
          provide: CrmClient,
          useFactory: () =>
            new CrmClient({
              timeoutMs: config.CTI_CRM_TIMEOUT_MS,
              allowPrivateAddresses: config.CTI_CRM_ALLOW_PRIVATE === 'true',
              maxResponseBytes: config.CTI_CRM_MAX_RESPONSE_BYTES,
              ...(config.CTI_CRM_CA_FILE !== undefined ? { extraCa: readFileSync(config.CTI_CRM_CA_FILE, 'utf8') } : {}),
            }),
        },
        {
          provide: CTI_OUTBOX_RELAY,
          useFactory: () =>
            new OutboxRelay({
              dataSource: deps.dataSource,
              schema: CTI_SCHEMA,
              bus: deps.bus,
              logger: deps.logger,
              onPublished: (rows) => {
                for (const row of rows) metrics.outboxLagSeconds.observe({ topic: row.topic }, (row.publishedAt.getTime() - row.createdAt.getTime()) / 1000);
              },
            }),
        },
        CtiLifecycle,
        ContactsRepository,
        SettingsRepository,
        RevealAuditRepository,
        CallsRepository,
        TicketsRepository,
        DispositionsRepository,
        SeatsRepository,
        SettingsService,
        ContactsService,
        TicketsService,
        ScreenPopService,
        CallsService,
        CallControlService,
        WrapUpService,
        DesktopPushService,
        DesktopResyncService,
        DesktopGateway,
        CallEventsConsumer,
        LiveConsumer,
        SeatsConsumer,
        SeatsSnapshotService,
      ],
      exports: [SeatsSnapshotService, DesktopGateway, CTI_UNIT_OF_WORK],
    };
  }
}
