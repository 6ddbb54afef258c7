import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { voiceCallStartedV1, type Envelope, type PayloadOf } from '@parley/contracts';
import { type EventBus, MessageRejectedError, type Subscription } from '@parley/messaging';
import { isUuid } from '@parley/persistence';
import { IVR_CONSUMER_GROUPS, IVR_EVENT_BUS, type IvrConsumerGroups } from '../ivr.tokens';
import { CallRunnerService } from './call-runner.service';
import { callInputTopics, voiceEventInput } from './voice-inputs';

/**
 * The call runner's subscription: voice.call.started.v1 starts a call in its flow, the call's
 * other voice events are its inputs. The ivr instances share the group's partitions. A call's
 * events are keyed by its id but travel on several topics, so more than one instance may take
 * inputs of the same call: each step reads the saved state and saves over the version it read, so
 * they apply one after the other, and any instance continues a call another one left. Only new
 * messages: a call from before the group existed is long over, or on voice's emergency path.
 */
@Injectable()
export class CallEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(IVR_EVENT_BUS) private readonly bus: EventBus,
    @Inject(IVR_CONSUMER_GROUPS) private readonly groups: IvrConsumerGroups,
    private readonly runner: CallRunnerService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      group: this.groups.callRunner,
      topics: [voiceCallStartedV1, ...callInputTopics],
      fromBeginning: false,
      handle: async ({ envelope, topic }) => {
        if (!isUuid(envelope.tenantId)) throw new MessageRejectedError(`${topic.name} ${envelope.id} has no valid tenantId`);
        if (topic.name === voiceCallStartedV1.name) {
          await this.runner.start(envelope as Envelope<PayloadOf<typeof voiceCallStartedV1>>);
          return;
        }
        const mapped = voiceEventInput(topic, envelope);
        if (mapped === undefined) return;
        await this.runner.apply(envelope.tenantId, mapped.callId, mapped.input, { kind: 'message', messageId: envelope.id });
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }
}
