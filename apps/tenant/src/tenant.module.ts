import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type DataSource } from 'typeorm';
import { type EventBus, OutboxRelay } from '@parley/messaging';
import { UnitOfWork } from '@parley/persistence';
import { type TenantEnv } from './config/env.schema';
import { type CounterStore } from '@parley/rate-limit';
import { COUNTER_STORE } from './rate-limit/tenant-counters';
import { type Clock, TENANT_CLOCK, TENANT_CONFIG, TENANT_DATA_SOURCE, TENANT_EVENT_BUS, TENANT_LOGGER, TENANT_SCHEMA, TENANT_TOKEN_SERVICE, TENANT_UNIT_OF_WORK, type TenantLogger } from './tenant.tokens';
import { AuthModule, type TokenService } from '@parley/auth';
import { TenantRepository } from './tenants/tenant.repository';
import { UserRepository } from './users/user.repository';
import { SeatRepository } from './seats/seat.repository';
import { RefreshTokenRepository } from './identity/refresh-token.repository';
import { PhoneNumberRepository } from './phone-numbers/phone-number.repository';
import { ApiKeyRepository } from './api-keys/api-key.repository';
import { SessionService } from './identity/session.service';
import { LoginService } from './identity/login.service';
import { SignupService } from './tenants/signup.service';
import { TenantService } from './tenants/tenant.service';
import { DirectorySnapshotService } from './tenants/directory-snapshot.service';
import { UsersService } from './users/users.service';
import { SeatsService } from './seats/seats.service';
import { PhoneNumbersService } from './phone-numbers/phone-numbers.service';
import { ApiKeysService } from './api-keys/api-keys.service';
import { SipCredentialsService } from './sip-credentials/sip-credentials.service';
import { TenantController } from './tenants/tenant.controller';
import { InternalDirectoryController } from './tenants/internal-directory.controller';
import { AuthController } from './identity/auth.controller';
import { UsersController } from './users/users.controller';
import { ColleaguesController } from './users/colleagues.controller';
import { PhoneNumbersController } from './phone-numbers/phone-numbers.controller';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { SipCredentialsController } from './sip-credentials/sip-credentials.controller';
import { VoiceSettingsRepository } from './voice-settings/voice-settings.repository';
import { VoiceSettingsService } from './voice-settings/voice-settings.service';
import { VoiceSettingsController } from './voice-settings/voice-settings.controller';

/** What the tenant service needs from whoever runs it (its own main.ts, or apps/platform). */
export interface TenantServiceDeps {
  config: TenantEnv;
  /** Initialized, connected as the runtime role. */
  dataSource: DataSource;
  bus: EventBus;
  tokenService: TokenService;
  counters: CounterStore;
  logger: TenantLogger;
  clock?: Clock;
}

const TENANT_OUTBOX_RELAY = Symbol.for('parley:tenant:outbox-relay');

/** Publishes the outbox while the service runs; drains it on shutdown. */
class OutboxRelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(TENANT_OUTBOX_RELAY) private readonly relay: OutboxRelay) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

@Module({})
export class TenantModule {
  static register(deps: TenantServiceDeps): DynamicModule {
    return {
      module: TenantModule,
      controllers: [TenantController, AuthController, UsersController, ColleaguesController, PhoneNumbersController, ApiKeysController, SipCredentialsController, VoiceSettingsController, InternalDirectoryController],
      providers: [
        { provide: TENANT_CONFIG, useValue: deps.config },
        { provide: TENANT_DATA_SOURCE, useValue: deps.dataSource },
        { provide: TENANT_UNIT_OF_WORK, useValue: new UnitOfWork(deps.dataSource) },
        { provide: TENANT_EVENT_BUS, useValue: deps.bus },
        { provide: TENANT_TOKEN_SERVICE, useValue: deps.tokenService },
        { provide: TENANT_LOGGER, useValue: deps.logger },
        { provide: TENANT_CLOCK, useValue: deps.clock ?? (() => new Date()) },
        { provide: COUNTER_STORE, useValue: deps.counters },
        {
          provide: TENANT_OUTBOX_RELAY,
          useFactory: () => new OutboxRelay({ dataSource: deps.dataSource, schema: TENANT_SCHEMA, bus: deps.bus, logger: deps.logger }),
        },
        OutboxRelayLifecycle,
        TenantRepository,
        UserRepository,
        SeatRepository,
        RefreshTokenRepository,
        PhoneNumberRepository,
        ApiKeyRepository,
        VoiceSettingsRepository,
        SessionService,
        LoginService,
        SignupService,
        TenantService,
        UsersService,
        SeatsService,
        PhoneNumbersService,
        ApiKeysService,
        SipCredentialsService,
        VoiceSettingsService,
        DirectorySnapshotService,
      ],
      exports: [ApiKeysService, DirectorySnapshotService, SignupService, PhoneNumbersService, UsersService, SeatsService, TENANT_UNIT_OF_WORK],
    };
  }
}

/** Authentication for an app that hosts the tenant service: access tokens, and API keys checked against its key table. */
export function tenantAuthModule(tenantModule: DynamicModule, tokenService: TokenService): DynamicModule {
  return AuthModule.forRootAsync({
    imports: [tenantModule],
    inject: [ApiKeysService],
    useFactory: (apiKeys: ApiKeysService) => ({ tokenService, apiKeyVerifier: apiKeys }),
  });
}
