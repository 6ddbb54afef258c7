import { type z } from 'zod';

/**
 * A topic is declared once, with its schema and the rule that picks the partition key,
 * so producers and consumers cannot drift apart.
 * `published` contracts are frozen: only optional fields may be added (checked against the
 * JSON-Schema snapshot in libs/contracts/schemas). Anything else needs a new `.v<major+1>` topic.
 */
export interface TopicDefinition<TSchema extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly version: number;
  readonly schema: TSchema;
  readonly status: 'draft' | 'published';
  readonly description: string;
  /** The partition key of a payload (callId, agentId, tenantId...). */
  readonly keyOf: (payload: z.infer<TSchema>) => string;
}

export type PayloadOf<T> = T extends TopicDefinition<infer S> ? z.infer<S> : never;

const TOPIC_NAME = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.v([1-9][0-9]*)$/;

export function defineTopic<TSchema extends z.ZodType>(definition: {
  name: string;
  schema: TSchema;
  status?: 'draft' | 'published';
  description: string;
  keyOf: (payload: z.infer<TSchema>) => string;
}): TopicDefinition<TSchema> {
  const match = TOPIC_NAME.exec(definition.name);
  if (!match) {
    throw new Error(`topic name "${definition.name}" must look like <domain>.<entity>.<event>.v<major>`);
  }
  return Object.freeze({
    name: definition.name,
    version: Number(match[1]),
    schema: definition.schema,
    status: definition.status ?? 'published',
    description: definition.description,
    keyOf: definition.keyOf,
  });
}

/** The dead-letter topic of a topic. */
export function deadLetterTopicOf(topicName: string): string {
  return `${topicName}.dlq`;
}
