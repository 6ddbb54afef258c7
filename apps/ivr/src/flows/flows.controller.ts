import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type SimulationTrace } from '@parley/contracts';
import { type AuthPrincipal, CurrentPrincipal, CurrentTenant, Roles } from '@parley/auth';
import { ApiZodBody, UuidParamPipe } from '@parley/http';
import { IvrBodyPipe } from '../http/ivr-body.pipe';
import { PositiveIntParamPipe } from '../http/positive-int-param.pipe';
import {
  createFlowRequestSchema,
  publishFlowRequestSchema,
  simulateFlowRequestSchema,
  updateDraftRequestSchema,
  type CreateFlowRequest,
  type FlowSummaryView,
  type FlowValidationView,
  type FlowVersionSummaryView,
  type FlowVersionView,
  type FlowView,
  type PublishFlowRequest,
  type SimulateFlowRequest,
  type UpdateDraftRequest,
} from './dto/flow.dto';
import { FlowsService } from './flows.service';

function actorOf(principal: AuthPrincipal): string | null {
  return principal.kind === 'user' ? principal.userId : null;
}

/** IVR flows: owners and admins manage them; supervisors may read, validate and simulate. */
@ApiTags('ivr')
@ApiBearerAuth()
@Roles('owner', 'admin')
@Controller('ivr/flows')
export class FlowsController {
  constructor(private readonly flows: FlowsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a flow from a flow document (its draft); the answer carries what the validator says about it' })
  @ApiZodBody(createFlowRequestSchema)
  create(@CurrentTenant() tenantId: string, @CurrentPrincipal() actor: AuthPrincipal, @Body(new IvrBodyPipe(createFlowRequestSchema)) body: CreateFlowRequest): Promise<FlowView> {
    return this.flows.create(tenantId, actorOf(actor), body.document);
  }

  @Get()
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: "The tenant's flows" })
  list(@CurrentTenant() tenantId: string): Promise<FlowSummaryView[]> {
    return this.flows.list(tenantId);
  }

  @Get(':id')
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: 'A flow with its draft and what the validator says about the draft' })
  get(@CurrentTenant() tenantId: string, @Param('id', new UuidParamPipe()) id: string): Promise<FlowView> {
    return this.flows.get(tenantId, id);
  }

  @Put(':id/draft')
  @ApiOperation({ summary: 'Replace the draft (409 when baseRevision is given and another edit was saved since)' })
  @ApiZodBody(updateDraftRequestSchema)
  updateDraft(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() actor: AuthPrincipal,
    @Param('id', new UuidParamPipe()) id: string,
    @Body(new IvrBodyPipe(updateDraftRequestSchema)) body: UpdateDraftRequest,
  ): Promise<FlowView> {
    return this.flows.updateDraft(tenantId, actorOf(actor), id, body.document, body.baseRevision);
  }

  @Post(':id/validate')
  @HttpCode(200)
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: "Validate the draft: errors (which stop publishing) and warnings, also grouped by node" })
  validate(@CurrentTenant() tenantId: string, @Param('id', new UuidParamPipe()) id: string): Promise<FlowValidationView> {
    return this.flows.validate(tenantId, id);
  }

  @Post(':id/publish')
  @HttpCode(201)
  @ApiOperation({ summary: 'Publish the draft as the next immutable version (422 naming the nodes when it has errors)' })
  @ApiZodBody(publishFlowRequestSchema)
  publish(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() actor: AuthPrincipal,
    @Param('id', new UuidParamPipe()) id: string,
    @Body(new IvrBodyPipe(publishFlowRequestSchema, { optional: true })) body: PublishFlowRequest,
  ): Promise<FlowVersionView> {
    return this.flows.publish(tenantId, actorOf(actor), id, body.baseRevision);
  }

  @Get(':id/versions')
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: "The flow's published versions, oldest first" })
  listVersions(@CurrentTenant() tenantId: string, @Param('id', new UuidParamPipe()) id: string): Promise<FlowVersionSummaryView[]> {
    return this.flows.listVersions(tenantId, id);
  }

  @Get(':id/versions/:version')
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: 'One published version with its document' })
  getVersion(@CurrentTenant() tenantId: string, @Param('id', new UuidParamPipe()) id: string, @Param('version', new PositiveIntParamPipe('version')) version: number): Promise<FlowVersionView> {
    return this.flows.getVersion(tenantId, id, version);
  }

  @Post(':id/simulate')
  @HttpCode(200)
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: 'Run the draft (or a version) for one scripted call in the live executor; returns the deterministic trace' })
  @ApiZodBody(simulateFlowRequestSchema)
  simulate(@CurrentTenant() tenantId: string, @Param('id', new UuidParamPipe()) id: string, @Body(new IvrBodyPipe(simulateFlowRequestSchema)) body: SimulateFlowRequest): Promise<SimulationTrace> {
    return this.flows.simulate(tenantId, id, body);
  }
}
