import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthPrincipal, CurrentPrincipal, CurrentTenant, Roles } from '@parley/auth';
import { type QueueTransferRequest, queueTransferRequestSchema, type QueueTransferView, type TransferTargetsView } from '@parley/contracts';
import { ApiZodBody, UuidParamPipe, ZodValidationPipe } from '@parley/http';
import { valueOrThrow } from '../http/input-result';
import { RoutingDispatcher } from '../runtime/routing-dispatcher.service';

/**
 * Transfers through the acd: a connected call to a queue (blind), and what may be transferred to.
 * An agent transfers only the call it is on; supervisors, admins and owners any call.
 */
@ApiTags('acd')
@ApiBearerAuth()
@Roles('owner', 'admin', 'supervisor', 'agent')
@Controller('acd')
export class TransfersController {
  constructor(private readonly dispatcher: RoutingDispatcher) {}

  @Post('calls/:callId/transfer')
  @HttpCode(202)
  @ApiOperation({ summary: 'Transfer a connected call to a queue: the agent leaves, the caller waits there with music for the next agent (404 unknown call or queue, 409 not connected or not your call)' })
  @ApiZodBody(queueTransferRequestSchema)
  async transfer(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('callId', new UuidParamPipe('callId')) callId: string,
    @Body(new ZodValidationPipe(queueTransferRequestSchema)) body: QueueTransferRequest,
  ): Promise<QueueTransferView> {
    const agentId = principal.role === 'agent' ? (principal.kind === 'user' ? principal.userId : null) : null;
    const requestedBy = principal.kind === 'user' ? principal.userId : principal.apiKeyId;
    const result = await this.dispatcher.submit(tenantId, { kind: 'queue-transfer', callId, queueId: body.queueId, agentId, requestedBy }, { reply: true });
    return valueOrThrow(result) as QueueTransferView;
  }

  @Get('transfer-targets')
  @ApiOperation({ summary: "Where a call can be transferred: the tenant's queues with waiting calls and available agents, and every seated agent's state" })
  async targets(@CurrentTenant() tenantId: string): Promise<TransferTargetsView> {
    return valueOrThrow(await this.dispatcher.submit(tenantId, { kind: 'transfer-targets' }, { reply: true })) as TransferTargetsView;
  }
}
