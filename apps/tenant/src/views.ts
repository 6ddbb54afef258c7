import { type PhoneNumberView, type TenantView, type UserView } from '@parley/contracts';
import { type TenantEntity } from './tenants/tenant.entity';
import { type UserEntity } from './users/user.entity';
import { type PhoneNumberEntity } from './phone-numbers/phone-number.entity';

export function toTenantView(t: TenantEntity): TenantView {
  return { id: t.id, slug: t.slug, companyName: t.companyName, locale: t.locale, plan: t.plan, seatLimit: t.seatLimit, sipDomain: t.sipDomain, createdAt: t.createdAt.toISOString() };
}

export function toUserView(u: UserEntity, hasSeat: boolean): UserView {
  return { id: u.id, email: u.email, name: u.name, role: u.role, locale: u.locale, active: u.active, hasSeat, createdAt: u.createdAt.toISOString() };
}

export function toPhoneNumberView(n: PhoneNumberEntity): PhoneNumberView {
  return { id: n.id, e164: n.e164, label: n.label, assignedAt: n.assignedAt.toISOString() };
}
