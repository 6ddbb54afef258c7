import { Controller, Get, Inject, Res, SetMetadata } from '@nestjs/common';
import { AUTH_PUBLIC_METADATA_KEY, QUIET_ROUTE_METADATA_KEY, TELEMETRY_OPTIONS } from './telemetry.constants';
import type { TelemetryModuleOptions } from './telemetry.options';
import { DEFAULT_READINESS_TIMEOUT_MS, runReadinessChecks } from './readiness';

interface StatusResponse {
  status(code: number): unknown;
  setHeader(name: string, value: string): unknown;
}

export interface HealthBody {
  status: 'ok';
  service: string;
  uptimeSeconds: number;
}

export interface ReadyBody {
  status: 'ready' | 'not-ready';
  checks: Record<string, string>;
}

/**
 * Probes and the Prometheus scrape endpoint. Public for libs/auth's guard (see
 * AUTH_PUBLIC_METADATA_KEY); with `app.setGlobalPrefix`, exclude these paths to keep them at the root.
 */
@SetMetadata(AUTH_PUBLIC_METADATA_KEY, true)
@SetMetadata(QUIET_ROUTE_METADATA_KEY, true)
@Controller()
export class TelemetryController {
  constructor(@Inject(TELEMETRY_OPTIONS) private readonly options: TelemetryModuleOptions) {}

  /** Liveness: the process answers. Never touches a dependency, so a database outage does not restart pods. */
  @Get('health')
  health(): HealthBody {
    return { status: 'ok', service: this.options.service, uptimeSeconds: Math.floor(process.uptime()) };
  }

  /** Readiness: 200 when every check passes, else 503 naming the failing checks. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) res: StatusResponse): Promise<ReadyBody> {
    const report = await runReadinessChecks(this.options.readinessChecks ?? [], this.options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS);
    if (!report.ready) {
      res.status(503);
      this.options.logger.warn({ checks: report.checks }, 'readiness check failed');
      return { status: 'not-ready', checks: report.checks };
    }
    return { status: 'ready', checks: report.checks };
  }

  @Get('metrics')
  async metrics(@Res({ passthrough: true }) res: StatusResponse): Promise<string> {
    res.setHeader('Content-Type', this.options.registry.contentType);
    return this.options.registry.metrics();
  }
}
