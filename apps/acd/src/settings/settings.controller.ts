import { Body, Controller, Get, Inject, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type AuthPrincipal, CurrentPrincipal, CurrentTenant, Roles } from '@parley/auth';
import { ApiZodBody, ZodValidationPipe } from '@parley/http';
import { type UnitOfWork } from '@parley/persistence';
import { ACD_CONFIG, ACD_UNIT_OF_WORK } from '../acd.tokens';
import { type AcdEnv } from '../config/env.schema';
import { actorOf } from '../http/input-result';
import { RoutingDispatcher } from '../runtime/routing-dispatcher.service';
import { RoutingInputsRepository } from '../runtime/routing-inputs.repository';
import { SettingsRepository } from './settings.repository';

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const acdSettingsRequestSchema = z.strictObject({
  timeZone: z.string({ error: 'must be a string' }).min(1).max(64).refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Paris' }),
});
type AcdSettingsRequest = z.infer<typeof acdSettingsRequestSchema>;

export interface AcdSettingsView {
  /** The time zone of "today" in the live statistics. */
  timeZone: string;
}

/** The tenant's acd settings. */
@ApiTags('acd')
@ApiBearerAuth()
@Roles('owner', 'admin')
@Controller('acd/settings')
export class SettingsController {
  constructor(
    @Inject(ACD_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(ACD_CONFIG) private readonly config: AcdEnv,
    private readonly settings: SettingsRepository,
    private readonly inputs: RoutingInputsRepository,
    private readonly dispatcher: RoutingDispatcher,
  ) {}

  @Get()
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: 'The time zone of today in the statistics' })
  async get(@CurrentTenant() tenantId: string): Promise<AcdSettingsView> {
    return { timeZone: (await this.uow.inTenant(tenantId, (tx) => this.settings.timeZone(tx))) ?? this.config.ACD_DEFAULT_TIME_ZONE };
  }

  @Put()
  @ApiOperation({ summary: 'Set the time zone of today in the statistics' })
  @ApiZodBody(acdSettingsRequestSchema)
  async put(@CurrentTenant() tenantId: string, @CurrentPrincipal() principal: AuthPrincipal, @Body(new ZodValidationPipe(acdSettingsRequestSchema)) body: AcdSettingsRequest): Promise<AcdSettingsView> {
    await this.uow.inTenant(tenantId, async (tx) => {
      await this.settings.setTimeZone(tx, body.timeZone, actorOf(principal));
      await this.inputs.add(tx, { kind: 'config', scope: 'settings', id: tenantId }, false);
    });
    await this.dispatcher.poke(tenantId);
    return { timeZone: body.timeZone };
  }
}
