import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, Roles } from '@parley/auth';
import { type ColleagueView } from '../views';
import { UsersService } from './users.service';

/** The people of the tenant a call can go to, for every role (agents pick a transfer target by name). */
@ApiTags('tenant')
@ApiBearerAuth()
@Roles('owner', 'admin', 'supervisor', 'agent')
@Controller('tenant/colleagues')
export class ColleaguesController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: "The tenant's active users holding a seat: user id, name and role only" })
  list(@CurrentTenant() tenantId: string): Promise<ColleagueView[]> {
    return this.users.colleagues(tenantId);
  }
}
