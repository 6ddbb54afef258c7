import { isUuid, tenantTableSecuritySql, type TenantTransaction, type UnitOfWork } from '@parley/persistence';
import { type ReceivedMessage, type SubscriptionSpec } from './event-bus.port';
import { MessageRejectedError } from './message.errors';
import { type MigrationStatements } from './outbox';
import { sqlIdentifier } from './sql-identifier';

/**
 * The inbox table of a service schema: one row per (consumer group, message id) handled, written in
 * the same transaction as the handler's effect, so a redelivered message has no second effect.
 */
export function inboxMigrationStatements(schema: string): MigrationStatements {
  const s = sqlIdentifier(schema);
  const table = `${s}.inbox`;
  return {
    up: [
      `CREATE TABLE ${table} (
        consumer_group text NOT NULL,
        message_id uuid NOT NULL,
        tenant_id uuid NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT inbox_pkey PRIMARY KEY (consumer_group, message_id)
      )`,
      `CREATE INDEX inbox_handled_at_idx ON ${table} (handled_at)`,
      // The system role may read (operations) and prune old rows, never write them.
      ...tenantTableSecuritySql(s, 'inbox', { systemAccess: ['SELECT', 'DELETE'] }),
    ],
    down: [`DROP TABLE IF EXISTS ${table}`],
  };
}

export type InboxResult = 'handled' | 'duplicate';

export class Inbox {
  private readonly table: string;

  constructor(readonly schema: string) {
    this.table = `${sqlIdentifier(schema)}.inbox`;
  }

  /**
   * Runs `effect` unless `group` already handled `messageId`, recording it in the same transaction:
   * if the effect throws, the transaction rolls back and the message counts as not handled. A
   * concurrent delivery of the same message waits for this transaction and then sees a duplicate.
   */
  async handleOnce(tx: TenantTransaction, group: string, messageId: string, effect: () => Promise<void>): Promise<InboxResult> {
    if (!isUuid(messageId)) throw new MessageRejectedError(`message id "${messageId}" is not a UUID`);
    const inserted: unknown[] = await tx.manager.query(
      `INSERT INTO ${this.table} (consumer_group, message_id, tenant_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING message_id`,
      [group, messageId, tx.tenantId],
    );
    if (inserted.length === 0) return 'duplicate';
    await effect();
    return 'handled';
  }

  /** Deletes inbox rows handled before `olderThan` (keep them longer than any redelivery can take). Returns how many. */
  async prune(uow: UnitOfWork, olderThan: Date): Promise<number> {
    const result = (await uow.asSystem('inbox-prune', (tx) =>
      tx.manager.query(`DELETE FROM ${this.table} WHERE handled_at < $1`, [olderThan]),
    )) as [unknown[], number];
    return result[1];
  }
}

export interface IdempotentHandlerOptions<TPayload> {
  uow: UnitOfWork;
  inbox: Inbox;
  /** The consumer group of the subscription (`<service>.<purpose>`). */
  group: string;
  /** The effect, run in the message's tenant transaction (row-level security sees that tenant only). */
  handle: (message: ReceivedMessage<TPayload>, tx: TenantTransaction) => Promise<void>;
  /** Called for a message that was already handled (e.g. to count duplicates). */
  onDuplicate?: (message: ReceivedMessage<TPayload>) => void;
}

/**
 * A subscription handler that runs `handle` at most once per message and group: in the message's
 * tenant transaction, together with its inbox row. A message without a valid tenantId is rejected
 * (to `<topic>.dlq`, not retried).
 */
export function idempotentHandler<TPayload = unknown>(options: IdempotentHandlerOptions<TPayload>): SubscriptionSpec['handle'] {
  return async (message) => {
    const { tenantId, id } = message.envelope;
    if (!isUuid(tenantId)) throw new MessageRejectedError(`message ${String(id)} has no valid tenantId`);
    const typed = message as ReceivedMessage<TPayload>;
    const result = await options.uow.inTenant(tenantId, (tx) => options.inbox.handleOnce(tx, options.group, id, () => options.handle(typed, tx)));
    if (result === 'duplicate') options.onDuplicate?.(typed);
  };
}
