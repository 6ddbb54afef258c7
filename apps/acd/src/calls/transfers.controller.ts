import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthPrincipal, CurrentPrincipal, CurrentTenant, Roles } from '@parley/auth';
import { type QueueConsultRequest, queueConsultRequestSchema, type QueueConsultView, type QueueTransferRequest, queueTransferRequestSchema, type QueueTransferView, type TransferTargetsView } from '@parley/contracts';
import { ApiZodBody, UuidParamPipe, ZodValidationPipe } from '@parley/http';
import { valueOrThrow } from '../http/input-result';
import { RoutingDispatcher } from '../runtime/routing-dispatcher.service';

/** An agent acts only on its own call (agentId); supervisors, admins, owners and API keys on any. */
function requester(principal: AuthPrincipal): { agentId: string | null; requestedBy: string } {
  return {
    agentId: principal.role === 'agent' && principal.kind === 'user' ? principal.userId : null,
    requestedBy: principal.kind === 'user' ? principal.userId : principal.apiKeyId,
  };
}

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
    const result = await this.dispatcher.submit(tenantId, { kind: 'queue-transfer', callId, queueId: body.queueId, ...requester(principal) }, { reply: true });
    return valueOrThrow(result) as QueueTransferView;
  }

  @Post('calls/:callId/consult')
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Consult the best available agent of a queue (warm transfer): the caller waits on hold while that agent's phone rings; then complete, cancel or conference through the cti's consult endpoints (409 when nobody in the queue is free)",
  })
  @ApiZodBody(queueConsultRequestSchema)
  async consult(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('callId', new UuidParamPipe('callId')) callId: string,
    @Body(new ZodValidationPipe(queueConsultRequestSchema)) body: QueueConsultRequest,
  ): Promise<QueueConsultView> {
    const result = await this.dispatcher.submit(tenantId, { kind: 'queue-consult', callId, queueId: body.queueId, ...requester(principal) }, { reply: true });
    return valueOrThrow(result) as QueueConsultView;
  }

  @Get('transfer-targets')
  @ApiOperation({ summary: "Where a call can be transferred: the tenant's queues with waiting calls and available agents, and every seated agent's state" })
  async targets(@CurrentTenant() tenantId: string): Promise<TransferTargetsView> {
    return valueOrThrow(await this.dispatcher.submit(tenantId, { kind: 'transfer-targets' }, { reply: true })) as TransferTargetsView;
  }
}
