import { Module, type DynamicModule, type InjectionToken, type ModuleMetadata, type OptionalFactoryDependency, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AUTH_API_KEY_VERIFIER, AUTH_TOKEN_SERVICE } from './auth.constants';
import type { ApiKeyVerifier } from './auth-principal';
import { JwtAuthGuard } from './auth.guard';
import { RolesGuard } from './roles.guard';
import type { TokenService } from './token.service';

export interface AuthModuleOptions {
  tokenService: TokenService;
  /** Enables `X-Api-Key` authentication. */
  apiKeyVerifier?: ApiKeyVerifier;
}

export interface AuthModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useFactory: (...deps: never[]) => AuthModuleOptions | Promise<AuthModuleOptions>;
}

const AUTH_MODULE_OPTIONS = Symbol.for('parley:auth:module-options');

/**
 * Makes every HTTP route of the app authenticated (`JwtAuthGuard`) and role-checked
 * (`RolesGuard`), in that order, and exports `AUTH_TOKEN_SERVICE` / `AUTH_API_KEY_VERIFIER`.
 * Import it once, in the app's root module.
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions): DynamicModule {
    return AuthModule.build([], [{ provide: AUTH_MODULE_OPTIONS, useValue: options }]);
  }

  /** For a verifier that needs the app's providers (e.g. the API-key repository). */
  static forRootAsync(options: AuthModuleAsyncOptions): DynamicModule {
    return AuthModule.build(options.imports ?? [], [{ provide: AUTH_MODULE_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory }]);
  }

  private static build(imports: NonNullable<ModuleMetadata['imports']>, optionsProviders: Provider[]): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      imports,
      providers: [
        ...optionsProviders,
        { provide: AUTH_TOKEN_SERVICE, inject: [AUTH_MODULE_OPTIONS], useFactory: (o: AuthModuleOptions) => o.tokenService },
        { provide: AUTH_API_KEY_VERIFIER, inject: [AUTH_MODULE_OPTIONS], useFactory: (o: AuthModuleOptions) => o.apiKeyVerifier ?? null },
        // Global guards run in registration order: authenticate first, then check roles.
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
      ],
      exports: [AUTH_TOKEN_SERVICE, AUTH_API_KEY_VERIFIER],
    };
  }
}
