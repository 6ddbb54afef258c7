import { Inject, Injectable } from '@nestjs/common';
import { type UnitOfWork } from '@parley/persistence';
import { ACD_LOGGER, ACD_UNIT_OF_WORK, type AcdLogger } from '../acd.tokens';
import { AgentsRepository } from '../agents/agents.repository';
import { QueuesRepository } from '../queues/queues.repository';
import { type QueueConfig, queueConfigSchema } from '../routing/routing-config.schema';
import { RoutingDispatcher } from '../runtime/routing-dispatcher.service';
import { RoutingInputsRepository } from '../runtime/routing-inputs.repository';

/** The queues the demo IVR flow routes to. */
const DEMO_QUEUES: QueueConfig[] = [
  { queueId: 'sales', name: 'Sales' },
  { queueId: 'support', name: 'Support' },
].map(({ queueId, name }) =>
  queueConfigSchema.parse({
    queueId,
    version: 1,
    name,
    strategy: 'longest-idle',
    serviceLevel: { percent: 80, thresholdSeconds: 20 },
    offerTimeoutSeconds: 20,
    afterCallWorkSeconds: 10,
    maxWaitSeconds: 300,
    overflow: { kind: 'voicemail' },
  }),
);

/**
 * The demo tenant's contact center (the all-in-one mode): queues `sales` and `support` (those the
 * demo IVR flow routes to), with the demo agents in both. Only for a tenant that has no queue yet;
 * agents must hold their seats (the seat projection, or SeatsSnapshotService, knows them).
 */
@Injectable()
export class DemoQueuesService {
  constructor(
    @Inject(ACD_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(ACD_LOGGER) private readonly logger: AcdLogger,
    private readonly queues: QueuesRepository,
    private readonly agents: AgentsRepository,
    private readonly inputs: RoutingInputsRepository,
    private readonly dispatcher: RoutingDispatcher,
  ) {}

  async ensureDemoQueues(tenantId: string, agentIds: readonly string[]): Promise<'created' | 'exists'> {
    const outcome = await this.uow.inTenant(tenantId, async (tx) => {
      if (await this.queues.hasAny(tx)) return 'exists' as const;
      for (const queue of DEMO_QUEUES) {
        await this.queues.insert(tx, queue, null);
        await this.inputs.add(tx, { kind: 'config', scope: 'queue', id: queue.queueId }, false);
      }
      for (const agentId of agentIds) {
        if (!(await this.agents.find(tx, agentId))) await this.agents.setSeat(tx, agentId, true);
        await this.agents.updateProfile(tx, agentId, { queueIds: DEMO_QUEUES.map((q) => q.queueId) }, null);
        await this.inputs.add(tx, { kind: 'config', scope: 'agent', id: agentId }, false);
      }
      return 'created' as const;
    });
    if (outcome === 'created') {
      this.logger.info({ tenantId, queues: DEMO_QUEUES.map((q) => q.queueId), agents: agentIds.length }, 'demo queues created');
      await this.dispatcher.poke(tenantId);
    }
    return outcome;
  }
}
