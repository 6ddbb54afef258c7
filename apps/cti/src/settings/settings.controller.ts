import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthPrincipal, CurrentPrincipal, CurrentTenant, Roles } from '@parley/auth';
import { type CtiSettingsRequest, ctiSettingsRequestSchema, type CtiSettingsView } from '@parley/contracts';
import { ApiZodBody, ZodValidationPipe } from '@parley/http';
import { actorOf } from '../http/cti-http';
import { SettingsService } from './settings.service';

@ApiTags('cti')
@ApiBearerAuth()
@Roles('owner', 'admin')
@Controller('cti/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @ApiOperation({ summary: "The tenant's CTI settings: CRM webhook, roles that may reveal full numbers" })
  get(@CurrentTenant() tenantId: string): Promise<CtiSettingsView> {
    return this.settings.get(tenantId);
  }

  @Put()
  @ApiOperation({ summary: 'Set the CRM webhook (https, public address) and the roles that may reveal full numbers' })
  @ApiZodBody(ctiSettingsRequestSchema)
  put(@CurrentTenant() tenantId: string, @CurrentPrincipal() principal: AuthPrincipal, @Body(new ZodValidationPipe(ctiSettingsRequestSchema)) body: CtiSettingsRequest): Promise<CtiSettingsView> {
    return this.settings.put(tenantId, body, actorOf(principal));
  }
}
