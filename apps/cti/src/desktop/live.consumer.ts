import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { acdAgentStateChangedV1, acdAgentStatsV1, acdQueueStatsV1, type PayloadOf } from '@parley/contracts';
import { type EventBus, MessageRejectedError, type ReceivedMessage, type Subscription } from '@parley/messaging';
import { isUuid, type UnitOfWork } from '@parley/persistence';
import { CTI_CONSUMER_GROUPS, CTI_EVENT_BUS, CTI_UNIT_OF_WORK, type CtiConsumerGroups } from '../cti.tokens';
import { SeatsRepository } from '../seats/seats.repository';
import { DesktopPushService } from './desktop-push.service';

/** What the live group reads: the acd's agent states and statistics. */
export const LIVE_TOPICS = [acdAgentStateChangedV1, acdQueueStatsV1, acdAgentStatsV1] as const;

/**
 * Live agent states and statistics from the acd, to the desktops of the message's tenant only:
 * supervisors (and admins, owners) get everything; an agent its own state and statistics and the
 * statistics of the queues it takes calls from. Live data: read from the end of the topics, no
 * inbox (a repeated statistic is harmless, the next one replaces it).
 */
@Injectable()
export class LiveConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(CTI_EVENT_BUS) private readonly bus: EventBus,
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CTI_CONSUMER_GROUPS) private readonly groups: CtiConsumerGroups,
    private readonly seats: SeatsRepository,
    private readonly desktops: DesktopPushService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({ group: this.groups.live, topics: [...LIVE_TOPICS], fromBeginning: false, handle: (message) => this.handle(message) });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }

  private async handle(message: ReceivedMessage): Promise<void> {
    const { tenantId } = message.envelope;
    if (!isUuid(tenantId)) throw new MessageRejectedError(`${message.topic.name} ${String(message.envelope.id)} has no valid tenantId`);
    const name = message.topic.name;
    if (name === acdAgentStateChangedV1.name) {
      const p = message.envelope.payload as PayloadOf<typeof acdAgentStateChangedV1>;
      await this.desktops.push(tenantId, { agentIds: [p.agentId], supervisors: true }, { type: 'agent.state', agentId: p.agentId, from: p.from, to: p.to, reason: p.reason, callId: p.callId, at: p.at, ...(p.acwEndsAt ? { acwEndsAt: p.acwEndsAt } : {}) });
    } else if (name === acdAgentStatsV1.name) {
      const p = message.envelope.payload as PayloadOf<typeof acdAgentStatsV1>;
      await this.desktops.push(tenantId, { agentIds: [p.agentId], supervisors: true }, { type: 'agent.stats', stats: p });
    } else if (name === acdQueueStatsV1.name) {
      const p = message.envelope.payload as PayloadOf<typeof acdQueueStatsV1>;
      const agentIds = await this.uow.inTenant(tenantId, (tx) => this.seats.agentsOfQueue(tx, p.queueId));
      await this.desktops.push(tenantId, { agentIds, supervisors: true }, { type: 'queue.stats', stats: p });
    }
  }
}
