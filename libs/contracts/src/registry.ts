import { type TopicDefinition } from './topic';
import { acdTopics } from './acd/acd.events';
import { ctiTopics } from './cti/cti.events';
import { ivrTopics } from './ivr/ivr.events';
import { tenantTopics } from './tenant/tenant.events';
import { voiceCommandIssuedV1 } from './voice/voice.commands';
import { voiceTopics } from './voice/voice.events';

/** Every topic Parley knows, declared once. New domains add their list here. */
export const topicRegistry: readonly TopicDefinition[] = [...tenantTopics, voiceCommandIssuedV1, ...voiceTopics, ...ivrTopics, ...acdTopics, ...ctiTopics];

const byName = new Map(topicRegistry.map((t) => [t.name, t]));
if (byName.size !== topicRegistry.length) {
  throw new Error('two topics share a name in the topic registry');
}

export function findTopic(name: string): TopicDefinition | undefined {
  return byName.get(name);
}
