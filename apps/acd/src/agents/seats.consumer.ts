import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type PayloadOf, seatAssignedV1, seatReleasedV1, userDeactivatedV1 } from '@parley/contracts';
import { type EventBus, idempotentHandler, Inbox, MessageRejectedError, type Subscription } from '@parley/messaging';
import { type UnitOfWork } from '@parley/persistence';
import { ACD_CONSUMER_GROUPS, ACD_EVENT_BUS, ACD_LOGGER, ACD_SCHEMA, ACD_UNIT_OF_WORK, type AcdConsumerGroups, type AcdLogger } from '../acd.tokens';
import { RoutingDispatcher } from '../runtime/routing-dispatcher.service';
import { RoutingInputsRepository } from '../runtime/routing-inputs.repository';
import { AgentsRepository } from './agents.repository';

type SeatEvent = PayloadOf<typeof seatAssignedV1> | PayloadOf<typeof seatReleasedV1> | PayloadOf<typeof userDeactivatedV1>;

/**
 * Projects the tenant service's seats into acd.agents (from the beginning of the topics: it is a
 * projection): a user is an agent for routing while it holds a seat. A change reaches the tenant's
 * engine as a configuration input saved in the same transaction.
 */
@Injectable()
export class SeatsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;
  private readonly inbox = new Inbox(ACD_SCHEMA);

  constructor(
    @Inject(ACD_EVENT_BUS) private readonly bus: EventBus,
    @Inject(ACD_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(ACD_CONSUMER_GROUPS) private readonly groups: AcdConsumerGroups,
    @Inject(ACD_LOGGER) private readonly logger: AcdLogger,
    private readonly agents: AgentsRepository,
    private readonly inputs: RoutingInputsRepository,
    private readonly dispatcher: RoutingDispatcher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const group = this.groups.seats;
    const project = idempotentHandler<SeatEvent>({
      uow: this.uow,
      inbox: this.inbox,
      group,
      handle: async ({ envelope, topic }, tx) => {
        const p = envelope.payload;
        if (p.tenantId.toLowerCase() !== tx.tenantId) throw new MessageRejectedError(`${topic.name} ${envelope.id}: payload tenantId ${p.tenantId} is not the envelope's ${tx.tenantId}`);
        const seated = topic.name === seatAssignedV1.name;
        // A deactivated user lost any seat first; the event only makes sure.
        if (topic.name === userDeactivatedV1.name && (await this.agents.find(tx, p.userId)) === null) return;
        const changed = await this.agents.setSeat(tx, p.userId, seated);
        if (changed) {
          await this.inputs.add(tx, { kind: 'config', scope: 'agent', id: p.userId }, false);
          this.logger.info({ tenantId: tx.tenantId, agentId: p.userId, seated }, seated ? 'agent seated' : 'agent unseated');
        }
      },
    });
    this.subscription = await this.bus.subscribe({
      group,
      topics: [seatAssignedV1, seatReleasedV1, userDeactivatedV1],
      fromBeginning: true,
      handle: async (message) => {
        await project(message);
        await this.dispatcher.poke(message.envelope.tenantId.toLowerCase());
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }
}
