import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthPrincipal, CurrentPrincipal, CurrentTenant, Roles } from '@parley/auth';
import { conferenceRequestSchema, consultRequestSchema, type ConferenceRequest, type ConsultRequest,
  type CallCommandView,
  type CallView,
  type HangupRequest,
  hangupRequestSchema,
  type HoldRequest,
  holdRequestSchema,
  type MonitorRequest,
  monitorRequestSchema,
  type RevealRequest,
  revealRequestSchema,
  type RevealView,
  type ScreenPop,
  type TransferRequest,
  transferRequestSchema,
  type WrapUpRequest,
  wrapUpRequestSchema,
  type WrapUpView,
} from '@parley/contracts';
import { ApiZodBody, UuidParamPipe, ZodValidationPipe } from '@parley/http';
import { CallControlService } from './call-control.service';
import { CallsService } from './calls.service';
import { WrapUpService } from './wrap-up.service';

/**
 * A call from the desktop: its record, screen pop, the caller's full number (audited), wrap-up,
 * and call control. Commands answer 202: voice carries them out and reports with its events
 * (pushed to the desktop as call.state).
 */
@ApiTags('cti')
@ApiBearerAuth()
@Roles('owner', 'admin', 'supervisor', 'agent')
@Controller('cti/calls/:callId')
export class CallsController {
  constructor(
    private readonly calls: CallsService,
    private readonly control: CallControlService,
    private readonly wrapUps: WrapUpService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The call (an agent sees the calls offered or connected to it)' })
  get(@CurrentTenant() tenantId: string, @CurrentPrincipal() principal: AuthPrincipal, @Param('callId', new UuidParamPipe('callId')) callId: string): Promise<CallView> {
    return this.calls.get(tenantId, principal, callId);
  }

  @Get('pop')
  @ApiOperation({ summary: "The call's screen pop: caller (masked), contact, last calls, open tickets, IVR data, CRM answer" })
  pop(@CurrentTenant() tenantId: string, @CurrentPrincipal() principal: AuthPrincipal, @Param('callId', new UuidParamPipe('callId')) callId: string): Promise<ScreenPop> {
    return this.calls.pop(tenantId, principal, callId);
  }

  @Post('caller/reveal')
  @HttpCode(200)
  @ApiOperation({ summary: "The caller's full number, for roles the tenant allows (403 otherwise); audited" })
  @ApiZodBody(revealRequestSchema)
  revealCaller(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('callId', new UuidParamPipe('callId')) callId: string,
    @Body(new ZodValidationPipe(revealRequestSchema)) body: RevealRequest,
  ): Promise<RevealView> {
    return this.calls.revealCaller(tenantId, principal, callId, body.reason ?? null);
  }

  @Post('wrap-up')
  @HttpCode(200)
  @Roles('owner', 'admin', 'supervisor', 'agent')
  @ApiOperation({ summary: "The agent's wrap-up: an active disposition code, notes, a ticket to create or update; publishes cti.call.wrapped-up.v1" })
  @ApiZodBody(wrapUpRequestSchema)
  wrapUp(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('callId', new UuidParamPipe('callId')) callId: string,
    @Body(new ZodValidationPipe(wrapUpRequestSchema)) body: WrapUpRequest,
  ): Promise<WrapUpView> {
    return this.wrapUps.wrapUp(tenantId, principal, callId, body);
  }

  @Post('hold')
  @HttpCode(202)
  @ApiOperation({ summary: 'Put the caller on hold (on: true) or take it off hold' })
  @ApiZodBody(holdRequestSchema)
  hold(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('callId', new UuidParamPipe('callId')) callId: string,
    @Body(new ZodValidationPipe(holdRequestSchema)) body: HoldRequest,
  ): Promise<CallCommandView> {
    return this.control.hold(tenantId, principal, callId, body.on);
  }

  @Post('transfer')
  @HttpCode(202)
  @ApiOperation({ summary: 'Blind transfer to an agent or a number (consultative: POST consult, then consult/complete)' })
  @ApiZodBody(transferRequestSchema)
  transfer(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('callId', new UuidParamPipe('callId')) callId: string,
    @Body(new ZodValidationPipe(transferRequestSchema)) body: TransferRequest,
  ): Promise<CallCommandView> {
    return this.control.transfer(tenantId, principal, callId, body);
  }

  @Post('consult')
  @HttpCode(202)
  @ApiOperation({ summary: 'Consultative transfer, step 1: the caller waits on hold (music) while the target (an agent or a number) is called and talks with the agent' })
  @ApiZodBody(consultRequestSchema)
  consult(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('callId', new UuidParamPipe('callId')) callId: string,
    @Body(new ZodValidationPipe(consultRequestSchema)) body: ConsultRequest,
  ): Promise<CallCommandView> {
    return this.control.consult(tenantId, principal, callId, body);
  }

  @Post('consult/complete')
  @HttpCode(202)
  @ApiOperation({ summary: 'Consultative transfer, step 2: the agent leaves and the caller goes on with the consulted party' })
  completeConsult(@CurrentTenant() tenantId: string, @CurrentPrincipal() principal: AuthPrincipal, @Param('callId', new UuidParamPipe('callId')) callId: string): Promise<CallCommandView> {
    return this.control.completeConsult(tenantId, principal, callId);
  }

  @Post('consult/cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Hang up the consulted (or conferenced) party: the caller is back with the agent' })
  cancelConsult(@CurrentTenant() tenantId: string, @CurrentPrincipal() principal: AuthPrincipal, @Param('callId', new UuidParamPipe('callId')) callId: string): Promise<CallCommandView> {
    return this.control.cancelConsult(tenantId, principal, callId);
  }

  @Post('conference')
  @HttpCode(202)
  @ApiOperation({ summary: 'Three-way conference: the consulted party joins the caller and the agent, or the target is called and joins' })
  @ApiZodBody(conferenceRequestSchema)
  conference(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('callId', new UuidParamPipe('callId')) callId: string,
    @Body(new ZodValidationPipe(conferenceRequestSchema)) body: ConferenceRequest,
  ): Promise<CallCommandView> {
    return this.control.conference(tenantId, principal, callId, body);
  }

  @Post('hangup')
  @HttpCode(202)
  @ApiOperation({ summary: 'Hang the call up' })
  @ApiZodBody(hangupRequestSchema)
  hangup(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('callId', new UuidParamPipe('callId')) callId: string,
    @Body(new ZodValidationPipe(hangupRequestSchema)) body: HangupRequest,
  ): Promise<CallCommandView> {
    return this.control.hangup(tenantId, principal, callId, body.reason);
  }

  @Post('monitor')
  @HttpCode(202)
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: "Listen to, whisper to the agent on, or barge into a call (the supervisor's softphone is called)" })
  @ApiZodBody(monitorRequestSchema)
  monitor(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('callId', new UuidParamPipe('callId')) callId: string,
    @Body(new ZodValidationPipe(monitorRequestSchema)) body: MonitorRequest,
  ): Promise<CallCommandView> {
    return this.control.monitor(tenantId, principal, callId, body.mode);
  }
}
