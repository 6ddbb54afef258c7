import { type TopicDefinition, type PayloadOf } from '@parley/contracts';
import { createEnvelope, Outbox } from '@parley/messaging';
import { type TenantTransaction } from '@parley/persistence';
import { TENANT_SCHEMA } from './tenant.tokens';
import { type TenantEntity } from './tenants/tenant.entity';
import { type UserEntity } from './users/user.entity';

const outbox = new Outbox(TENANT_SCHEMA);

/** Records an event in the outbox, in the caller's transaction: it is published only if the change commits. */
export async function recordEvent<T extends TopicDefinition>(tx: TenantTransaction, topic: T, payload: PayloadOf<T>): Promise<void> {
  await outbox.add(tx, createEnvelope(topic, tx.tenantId, payload));
}

/** The tenant's state as every tenant event states it. */
export function tenantFacts(t: TenantEntity): { tenantId: string; slug: string; companyName: string; locale: TenantEntity['locale']; plan: TenantEntity['plan']; seatLimit: number; sipDomain: string } {
  return { tenantId: t.id, slug: t.slug, companyName: t.companyName, locale: t.locale, plan: t.plan, seatLimit: t.seatLimit, sipDomain: t.sipDomain };
}

/** The user's state as every user event states it. */
export function userFacts(u: UserEntity): { tenantId: string; userId: string; email: string; name: string; role: UserEntity['role']; locale: UserEntity['locale'] } {
  return { tenantId: u.tenantId, userId: u.id, email: u.email, name: u.name, role: u.role, locale: u.locale };
}
