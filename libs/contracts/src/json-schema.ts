import { z } from 'zod';
import { type JsonValue } from './compatibility';
import { type TopicDefinition } from './topic';

/** The JSON Schema of a topic's payload, as checked in under libs/contracts/schemas/<topic>.json. */
export function topicJsonSchema(topic: Pick<TopicDefinition, 'name' | 'description'> & { schema: z.ZodType }): JsonValue {
  const schema = z.toJSONSchema(topic.schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonValue;
  return { title: topic.name, description: topic.description, ...(schema as { [k: string]: JsonValue }) };
}
