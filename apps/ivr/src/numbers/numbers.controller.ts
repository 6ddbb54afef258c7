import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthPrincipal, CurrentPrincipal, CurrentTenant, Roles } from '@parley/auth';
import { ApiZodBody, UuidParamPipe } from '@parley/http';
import { IvrBodyPipe } from '../http/ivr-body.pipe';
import { BindingsService } from './bindings.service';
import { bindNumberRequestSchema, type BindingView, type BindNumberRequest, type IvrNumberView } from './dto/binding.dto';

/** The tenant's phone numbers and the flows bound to them: owners and admins bind, supervisors may read. */
@ApiTags('ivr')
@ApiBearerAuth()
@Roles('owner', 'admin')
@Controller('ivr/numbers')
export class NumbersController {
  constructor(private readonly bindings: BindingsService) {}

  @Get()
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: "The tenant's phone numbers with the flow bound to each" })
  list(@CurrentTenant() tenantId: string): Promise<IvrNumberView[]> {
    return this.bindings.list(tenantId);
  }

  @Get(':numberId')
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: 'One phone number with the flow bound to it' })
  get(@CurrentTenant() tenantId: string, @Param('numberId', new UuidParamPipe('numberId')) numberId: string): Promise<IvrNumberView> {
    return this.bindings.get(tenantId, numberId);
  }

  @Put(':numberId/binding')
  @ApiOperation({ summary: 'Bind the number to a flow: a pinned published version, or "latest" (every new call takes the newest published version)' })
  @ApiZodBody(bindNumberRequestSchema)
  bind(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() actor: AuthPrincipal,
    @Param('numberId', new UuidParamPipe('numberId')) numberId: string,
    @Body(new IvrBodyPipe(bindNumberRequestSchema)) body: BindNumberRequest,
  ): Promise<BindingView> {
    return this.bindings.bind(tenantId, actor.kind === 'user' ? actor.userId : null, numberId, body);
  }

  @Delete(':numberId/binding')
  @HttpCode(204)
  @ApiOperation({ summary: "Unbind the number: its calls take voice's emergency path" })
  unbind(@CurrentTenant() tenantId: string, @Param('numberId', new UuidParamPipe('numberId')) numberId: string): Promise<void> {
    return this.bindings.unbind(tenantId, numberId);
  }
}
