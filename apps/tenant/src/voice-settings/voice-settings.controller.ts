import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { updateVoiceSettingsRequestSchema, type UpdateVoiceSettingsRequest, type VoiceSettingsView } from '@parley/contracts';
import { CurrentTenant, Roles } from '@parley/auth';
import { ApiZodBody, ZodValidationPipe } from '@parley/http';
import { VoiceSettingsService } from './voice-settings.service';

@ApiTags('tenant')
@ApiBearerAuth()
@Controller('tenant/voice-settings')
export class VoiceSettingsController {
  constructor(private readonly settings: VoiceSettingsService) {}

  @Get()
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: "The tenant's voice emergency settings: backup number and fallback prompt" })
  get(@CurrentTenant() tenantId: string): Promise<VoiceSettingsView> {
    return this.settings.get(tenantId);
  }

  @Put()
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Replace the voice emergency settings: what a caller hears, and where the call goes, when no IVR takes a new call within 3 s' })
  @ApiZodBody(updateVoiceSettingsRequestSchema)
  replace(@CurrentTenant() tenantId: string, @Body(new ZodValidationPipe(updateVoiceSettingsRequestSchema)) body: UpdateVoiceSettingsRequest): Promise<VoiceSettingsView> {
    return this.settings.replace(tenantId, body);
  }
}
