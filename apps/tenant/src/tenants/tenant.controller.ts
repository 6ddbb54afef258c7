import { Body, Controller, Get, HttpCode, Ip, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { signupRequestSchema, updateTenantRequestSchema, type SignupRequest, type SignupResponse, type TenantView, type UpdateTenantRequest } from '@parley/contracts';
import { CurrentTenant, Public, Roles } from '@parley/auth';
import { ApiZodBody, ZodValidationPipe } from '@parley/http';
import { SignupService } from './signup.service';
import { TenantService } from './tenant.service';

@ApiTags('tenant')
@Controller()
export class TenantController {
  constructor(
    private readonly signups: SignupService,
    private readonly tenants: TenantService,
  ) {}

  @Public()
  @Post('signup')
  @HttpCode(201)
  @ApiOperation({ summary: 'Sign up a company: creates the tenant, its owner and a first session' })
  @ApiZodBody(signupRequestSchema)
  signup(@Body(new ZodValidationPipe(signupRequestSchema)) body: SignupRequest, @Ip() ip: string): Promise<SignupResponse> {
    return this.signups.signup(body, ip);
  }

  @Get('tenant')
  @ApiBearerAuth()
  @ApiOperation({ summary: "The caller's tenant" })
  get(@CurrentTenant() tenantId: string): Promise<TenantView> {
    return this.tenants.get(tenantId);
  }

  @Patch('tenant')
  @Roles('owner', 'admin')
  @ApiBearerAuth()
  @ApiOperation({ summary: "Change the tenant's name or default locale" })
  @ApiZodBody(updateTenantRequestSchema)
  update(@CurrentTenant() tenantId: string, @Body(new ZodValidationPipe(updateTenantRequestSchema)) body: UpdateTenantRequest): Promise<TenantView> {
    return this.tenants.update(tenantId, body);
  }
}
