import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createApiKeyRequestSchema, type CreateApiKeyRequest } from '@parley/contracts';
import { CurrentPrincipal, CurrentTenant, Roles, type AuthPrincipal } from '@parley/auth';
import { ApiZodBody, ZodValidationPipe } from '@parley/http';
import { ApiKeysService, type ApiKeyView } from './api-keys.service';

@ApiTags('api-keys')
@ApiBearerAuth()
@Roles('owner', 'admin')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  list(@CurrentTenant() tenantId: string): Promise<ApiKeyView[]> {
    return this.keys.list(tenantId);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an API key for an integration; the key is shown only in this answer' })
  @ApiZodBody(createApiKeyRequestSchema)
  create(@CurrentTenant() tenantId: string, @CurrentPrincipal() actor: AuthPrincipal, @Body(new ZodValidationPipe(createApiKeyRequestSchema)) body: CreateApiKeyRequest): Promise<ApiKeyView & { key: string }> {
    return this.keys.create(tenantId, body.name, actor.kind === 'user' ? actor.userId : null);
  }

  @Delete(':id')
  @HttpCode(204)
  revoke(@CurrentTenant() tenantId: string, @Param('id') id: string): Promise<void> {
    return this.keys.revoke(tenantId, id);
  }
}
