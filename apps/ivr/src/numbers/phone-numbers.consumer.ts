import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { phoneNumberAssignedV1, phoneNumberReleasedV1, type PayloadOf } from '@parley/contracts';
import { type EventBus, idempotentHandler, Inbox, MessageRejectedError, type Subscription } from '@parley/messaging';
import { type UnitOfWork } from '@parley/persistence';
import { withLogContext } from '@parley/telemetry';
import { IVR_CONSUMER_GROUPS, IVR_EVENT_BUS, IVR_LOGGER, IVR_SCHEMA, IVR_UNIT_OF_WORK, type IvrConsumerGroups, type IvrLogger } from '../ivr.tokens';
import { NumberRepository } from './number.repository';

type NumberEvent = PayloadOf<typeof phoneNumberAssignedV1> | PayloadOf<typeof phoneNumberReleasedV1>;

/**
 * Projects the tenant service's phone-number events into ivr.phone_numbers (from the beginning of
 * the topics: it is a projection), so numbers can be bound to flows and calls found by numberId.
 * A released number loses its binding.
 */
@Injectable()
export class PhoneNumbersConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;
  private readonly inbox = new Inbox(IVR_SCHEMA);

  constructor(
    @Inject(IVR_EVENT_BUS) private readonly bus: EventBus,
    @Inject(IVR_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(IVR_CONSUMER_GROUPS) private readonly groups: IvrConsumerGroups,
    @Inject(IVR_LOGGER) private readonly logger: IvrLogger,
    private readonly numbers: NumberRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const group = this.groups.phoneNumbers;
    this.subscription = await this.bus.subscribe({
      group,
      topics: [phoneNumberAssignedV1, phoneNumberReleasedV1],
      fromBeginning: true,
      handle: idempotentHandler<NumberEvent>({
        uow: this.uow,
        inbox: this.inbox,
        group,
        handle: async ({ envelope, topic }, tx) => {
          const p = envelope.payload;
          if (p.tenantId.toLowerCase() !== tx.tenantId) throw new MessageRejectedError(`${topic.name} ${envelope.id}: payload tenantId ${p.tenantId} is not the envelope's ${tx.tenantId}`);
          await withLogContext({ tenantId: tx.tenantId }, async () => {
            if ('assignedAt' in p) {
              await this.numbers.projectAssigned(tx, { numberId: p.numberId, e164: p.e164, assignedAt: new Date(p.assignedAt) });
              this.logger.info({ numberId: p.numberId, e164: p.e164 }, 'phone number assigned');
            } else {
              const unbound = await this.numbers.projectReleased(tx, { numberId: p.numberId, e164: p.e164, releasedAt: new Date(p.releasedAt) });
              this.logger.info({ numberId: p.numberId, e164: p.e164, unbound }, 'phone number released');
            }
          });
        },
      }),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }
}
