import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, Roles } from '@parley/auth';
import { UuidParamPipe } from '@parley/http';
import { type DecisionsView, DecisionsService, type ReplayView } from './decisions.service';

/** Routing decisions: why this agent (supervisors, admins, owners). */
@ApiTags('acd')
@ApiBearerAuth()
@Roles('owner', 'admin', 'supervisor')
@Controller('acd/decisions')
export class DecisionsController {
  constructor(private readonly decisions: DecisionsService) {}

  @Get(':callId')
  @ApiOperation({ summary: 'Why this agent: every decision about the call, with candidates, scores and factors, tie-breakers and the queue configuration version' })
  explain(@CurrentTenant() tenantId: string, @Param('callId', new UuidParamPipe('callId')) callId: string): Promise<DecisionsView> {
    return this.decisions.explain(tenantId, callId);
  }

  @Post(':callId/replay')
  @HttpCode(200)
  @ApiOperation({ summary: "Recompute the call's decisions from their stored inputs and say whether each gives the stored outcome" })
  replay(@CurrentTenant() tenantId: string, @Param('callId', new UuidParamPipe('callId')) callId: string): Promise<ReplayView> {
    return this.decisions.replay(tenantId, callId);
  }
}
