import { Body, Controller, Get, Inject, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type AuthPrincipal, CurrentPrincipal, CurrentTenant, Roles } from '@parley/auth';
import { ApiZodBody, ZodValidationPipe } from '@parley/http';
import { type TenantTransaction, type UnitOfWork } from '@parley/persistence';
import { ACD_CONFIG, ACD_UNIT_OF_WORK } from '../acd.tokens';
import { type AcdEnv } from '../config/env.schema';
import { actorOf } from '../http/input-result';
import { RoutingDispatcher } from '../runtime/routing-dispatcher.service';
import { RoutingInputsRepository } from '../runtime/routing-inputs.repository';
import { type BreakReason, breakReasonsSchema, breakReasonsView, type BreakReasonsView } from './break-reasons';
import { SettingsRepository } from './settings.repository';

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Either setting or both; one left out keeps its value. */
export const acdSettingsRequestSchema = z
  .strictObject({
    timeZone: z.string({ error: 'must be a string' }).min(1).max(64).refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Paris' }).optional(),
    breakReasons: breakReasonsSchema.optional(),
  })
  .refine((body) => body.timeZone !== undefined || body.breakReasons !== undefined, { error: 'must set timeZone, breakReasons or both' });
type AcdSettingsRequest = z.infer<typeof acdSettingsRequestSchema>;

export interface AcdSettingsView {
  /** The time zone of "today" in the live statistics. */
  timeZone: string;
  /** The break reasons agents choose from (the defaults while the tenant has set none). */
  breakReasons: BreakReason[];
}

/** The tenant's acd settings: owners and admins set them; supervisors read them; everyone reads the break reasons. */
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
  @ApiOperation({ summary: 'The time zone of today in the statistics, and the break reasons' })
  get(@CurrentTenant() tenantId: string): Promise<AcdSettingsView> {
    return this.uow.inTenant(tenantId, (tx) => this.view(tx));
  }

  @Get('break-reasons')
  @Roles('owner', 'admin', 'supervisor', 'agent')
  @ApiOperation({ summary: 'The break reasons agents choose from, with their labels in each language (the defaults while the tenant has set none)' })
  async breakReasons(@CurrentTenant() tenantId: string): Promise<BreakReasonsView> {
    return breakReasonsView(await this.uow.inTenant(tenantId, (tx) => this.settings.breakReasons(tx)));
  }

  @Put()
  @ApiOperation({ summary: 'Set the time zone of today in the statistics and/or the break reasons (1-30, unique codes; the whole list is replaced)' })
  @ApiZodBody(acdSettingsRequestSchema)
  async put(@CurrentTenant() tenantId: string, @CurrentPrincipal() principal: AuthPrincipal, @Body(new ZodValidationPipe(acdSettingsRequestSchema)) body: AcdSettingsRequest): Promise<AcdSettingsView> {
    const view = await this.uow.inTenant(tenantId, async (tx) => {
      if (body.timeZone !== undefined) {
        await this.settings.setTimeZone(tx, body.timeZone, actorOf(principal));
        await this.inputs.add(tx, { kind: 'config', scope: 'settings', id: tenantId }, false);
      }
      if (body.breakReasons !== undefined) await this.settings.replaceBreakReasons(tx, body.breakReasons, actorOf(principal));
      return this.view(tx);
    });
    // Only the time zone is the routing engine's business; agents' breaks are checked on request.
    if (body.timeZone !== undefined) await this.dispatcher.poke(tenantId);
    return view;
  }

  private async view(tx: TenantTransaction): Promise<AcdSettingsView> {
    const timeZone = (await this.settings.timeZone(tx)) ?? this.config.ACD_DEFAULT_TIME_ZONE;
    return { timeZone, breakReasons: breakReasonsView(await this.settings.breakReasons(tx)).breakReasons };
  }
}
