import { type TopicDefinition, type PayloadOf } from '@parley/contracts';
import { createEnvelope, Outbox } from '@parley/messaging';
import { type TenantTransaction } from '@parley/persistence';
import { TENANT_SCHEMA } from './tenant.tokens';

const outbox = new Outbox(TENANT_SCHEMA);

/** Records an event in the outbox, in the caller's transaction: it is published only if the change commits. */
export async function recordEvent<T extends TopicDefinition>(tx: TenantTransaction, topic: T, payload: PayloadOf<T>): Promise<void> {
  await outbox.add(tx, createEnvelope(topic, tx.tenantId, payload));
}
