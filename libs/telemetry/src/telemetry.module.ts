import {
  Module,
  RequestMethod,
  type DynamicModule,
  type InjectionToken,
  type MiddlewareConsumer,
  type ModuleMetadata,
  type NestModule,
  type OptionalFactoryDependency,
  type Provider,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { HttpTelemetryInterceptor } from './http-telemetry.interceptor';
import { HttpTelemetryMiddleware } from './http-telemetry.middleware';
import { TELEMETRY_LOGGER, TELEMETRY_METRICS_REGISTRY, TELEMETRY_OPTIONS } from './telemetry.constants';
import { TelemetryController } from './telemetry.controller';
import type { TelemetryModuleOptions } from './telemetry.options';

export interface TelemetryModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useFactory: (...deps: never[]) => TelemetryModuleOptions | Promise<TelemetryModuleOptions>;
}

/**
 * GET /health, /ready and /metrics (public), plus per-request spans, metrics, access logs and
 * tenant log context for every HTTP route. Import once in the app's root module; call
 * `initTracing` before creating the app.
 */
@Module({})
export class TelemetryModule implements NestModule {
  static forRoot(options: TelemetryModuleOptions): DynamicModule {
    return TelemetryModule.build([], { provide: TELEMETRY_OPTIONS, useValue: options });
  }

  /** For readiness checks that need the app's providers (data source, Kafka client...). */
  static forRootAsync(options: TelemetryModuleAsyncOptions): DynamicModule {
    return TelemetryModule.build(options.imports ?? [], { provide: TELEMETRY_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory });
  }

  private static build(imports: NonNullable<ModuleMetadata['imports']>, optionsProvider: Provider): DynamicModule {
    return {
      module: TelemetryModule,
      global: true,
      imports,
      controllers: [TelemetryController],
      providers: [
        optionsProvider,
        { provide: TELEMETRY_LOGGER, inject: [TELEMETRY_OPTIONS], useFactory: (o: TelemetryModuleOptions) => o.logger },
        { provide: TELEMETRY_METRICS_REGISTRY, inject: [TELEMETRY_OPTIONS], useFactory: (o: TelemetryModuleOptions) => o.registry },
        { provide: APP_INTERCEPTOR, useClass: HttpTelemetryInterceptor },
      ],
      exports: [TELEMETRY_OPTIONS, TELEMETRY_LOGGER, TELEMETRY_METRICS_REGISTRY],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpTelemetryMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
