import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type PayloadOf, seatAssignedV1, seatReleasedV1, userDeactivatedV1 } from '@parley/contracts';
import { type EventBus, idempotentHandler, Inbox, MessageRejectedError, type Subscription } from '@parley/messaging';
import { type UnitOfWork } from '@parley/persistence';
import { CTI_CONSUMER_GROUPS, CTI_EVENT_BUS, CTI_LOGGER, CTI_SCHEMA, CTI_UNIT_OF_WORK, type CtiConsumerGroups, type CtiLogger } from '../cti.tokens';
import { DesktopPushService } from '../desktop/desktop-push.service';
import { SeatsRepository } from './seats.repository';

type SeatEvent = PayloadOf<typeof seatAssignedV1> | PayloadOf<typeof seatReleasedV1> | PayloadOf<typeof userDeactivatedV1>;

/**
 * Projects the tenant service's seats into cti.seats (from the beginning of the topics: it is a
 * projection): a user works as an agent while it holds a seat. A seat released closes the agent's
 * desktop.
 */
@Injectable()
export class SeatsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;
  private readonly inbox = new Inbox(CTI_SCHEMA);

  constructor(
    @Inject(CTI_EVENT_BUS) private readonly bus: EventBus,
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CTI_CONSUMER_GROUPS) private readonly groups: CtiConsumerGroups,
    @Inject(CTI_LOGGER) private readonly logger: CtiLogger,
    private readonly seats: SeatsRepository,
    private readonly desktops: DesktopPushService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      group: this.groups.seats,
      topics: [seatAssignedV1, seatReleasedV1, userDeactivatedV1],
      fromBeginning: true,
      handle: async (message) => {
        const unseated: string[] = [];
        await this.projection(unseated)(message);
        for (const agentId of unseated) await this.desktops.revokeDesktop(message.envelope.tenantId.toLowerCase(), agentId);
      },
    });
  }

  /** Applies one seat event once; collects the agents it unseated. */
  private projection(unseated: string[]) {
    return idempotentHandler<SeatEvent>({
      uow: this.uow,
      inbox: this.inbox,
      group: this.groups.seats,
      handle: async ({ envelope, topic }, tx) => {
        const p = envelope.payload;
        if (p.tenantId.toLowerCase() !== tx.tenantId) throw new MessageRejectedError(`${topic.name} ${envelope.id}: payload tenantId ${p.tenantId} is not the envelope's ${tx.tenantId}`);
        const seated = topic.name === seatAssignedV1.name;
        if (await this.seats.setSeat(tx, p.userId, seated)) {
          this.logger.info({ tenantId: tx.tenantId, agentId: p.userId, seated }, seated ? 'agent seated' : 'agent unseated');
          if (!seated) unseated.push(p.userId);
        }
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }
}
