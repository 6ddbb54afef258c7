import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { type AcdAgentStatistics, type AcdQueueStatistics } from '@parley/contracts';
import { type UnitOfWork } from '@parley/persistence';
import { ACD_UNIT_OF_WORK } from '../acd.tokens';
import { valueOrThrow } from '../http/input-result';
import { QueuesRepository } from '../queues/queues.repository';
import { RoutingDispatcher } from '../runtime/routing-dispatcher.service';

/** Live statistics snapshots, computed by the tenant's engine (here, or asked of the instance that runs it). */
@Injectable()
export class StatisticsService {
  constructor(
    @Inject(ACD_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    private readonly queues: QueuesRepository,
    private readonly dispatcher: RoutingDispatcher,
  ) {}

  async queue(tenantId: string, queueId: string): Promise<AcdQueueStatistics> {
    if (!(await this.uow.inTenant(tenantId, (tx) => this.queues.find(tx, queueId)))) throw new NotFoundException(`queue ${queueId} was not found`);
    return valueOrThrow(await this.dispatcher.submit(tenantId, { kind: 'queue-stats', queueId }, { reply: true })) as AcdQueueStatistics;
  }

  async agents(tenantId: string): Promise<AcdAgentStatistics[]> {
    return valueOrThrow(await this.dispatcher.submit(tenantId, { kind: 'agents-stats' }, { reply: true })) as AcdAgentStatistics[];
  }
}
