import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AcdQueueStatistics } from '@parley/contracts';
import { type AuthPrincipal, CurrentPrincipal, CurrentTenant, Roles } from '@parley/auth';
import { ApiZodBody } from '@parley/http';
import { PositiveIntParamPipe, SlugParamPipe } from '../http/acd-params';
import { actorOf } from '../http/input-result';
import { StatisticsService } from '../stats/statistics.service';
import { type QueueBody, QueueBodyPipe, queueBodySchema, type QueueVersionView, type QueueView } from './queues.dto';
import { QueuesService } from './queues.service';

/** Queues: owners and admins configure them; supervisors read them and their live statistics. */
@ApiTags('acd')
@ApiBearerAuth()
@Roles('owner', 'admin')
@Controller('acd/queues')
export class QueuesController {
  constructor(
    private readonly queues: QueuesService,
    private readonly statistics: StatisticsService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a queue (version 1): strategy, skills, service level, maximum wait and overflow, offer timeout, after-call work, sticky agent, VIP' })
  @ApiZodBody(queueBodySchema)
  create(@CurrentTenant() tenantId: string, @CurrentPrincipal() actor: AuthPrincipal, @Body(new QueueBodyPipe()) body: QueueBody): Promise<QueueView> {
    return this.queues.create(tenantId, actorOf(actor), body.config);
  }

  @Get()
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: "The tenant's queues, each at its current version" })
  list(@CurrentTenant() tenantId: string): Promise<QueueView[]> {
    return this.queues.list(tenantId);
  }

  @Get(':queueId')
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: 'A queue at its current version' })
  get(@CurrentTenant() tenantId: string, @Param('queueId', new SlugParamPipe('queueId')) queueId: string): Promise<QueueView> {
    return this.queues.get(tenantId, queueId);
  }

  @Put(':queueId')
  @ApiOperation({ summary: 'Change a queue: the whole configuration, saved as the next version (409 when baseVersion is given and another change was saved since)' })
  @ApiZodBody(queueBodySchema)
  update(@CurrentTenant() tenantId: string, @CurrentPrincipal() actor: AuthPrincipal, @Param('queueId', new SlugParamPipe('queueId')) queueId: string, @Body() body: unknown): Promise<QueueView> {
    const parsed = QueueBodyPipe.forUpdate(queueId).transform(body);
    return this.queues.update(tenantId, actorOf(actor), parsed.config, parsed.baseVersion);
  }

  @Get(':queueId/versions')
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: "The queue's versions, oldest first" })
  versions(@CurrentTenant() tenantId: string, @Param('queueId', new SlugParamPipe('queueId')) queueId: string): Promise<{ version: number; createdAt: string; createdBy: string | null }[]> {
    return this.queues.versions(tenantId, queueId);
  }

  @Get(':queueId/versions/:version')
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: 'One version of the queue configuration (the one a decision names)' })
  version(@CurrentTenant() tenantId: string, @Param('queueId', new SlugParamPipe('queueId')) queueId: string, @Param('version', new PositiveIntParamPipe('version')) version: number): Promise<QueueVersionView> {
    return this.queues.version(tenantId, queueId, version);
  }

  @Get(':queueId/stats')
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: 'Live statistics of the queue: waiting, longest wait, agents by state, service level, abandoned and answered today' })
  stats(@CurrentTenant() tenantId: string, @Param('queueId', new SlugParamPipe('queueId')) queueId: string): Promise<AcdQueueStatistics> {
    return this.statistics.queue(tenantId, queueId);
  }
}
