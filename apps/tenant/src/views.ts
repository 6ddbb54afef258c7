import { type PhoneNumberView, type Role, type TenantView, type UserView, type VoiceSettingsView } from '@parley/contracts';
import { type TenantEntity } from './tenants/tenant.entity';
import { type UserEntity } from './users/user.entity';
import { type PhoneNumberEntity } from './phone-numbers/phone-number.entity';
import { type VoiceSettingsEntity } from './voice-settings/voice-settings.entity';

export function toTenantView(t: TenantEntity): TenantView {
  return { id: t.id, slug: t.slug, companyName: t.companyName, locale: t.locale, plan: t.plan, seatLimit: t.seatLimit, sipDomain: t.sipDomain, createdAt: t.createdAt.toISOString() };
}

export function toUserView(u: UserEntity, hasSeat: boolean): UserView {
  return { id: u.id, email: u.email, name: u.name, role: u.role, locale: u.locale, active: u.active, hasSeat, createdAt: u.createdAt.toISOString() };
}

/** A colleague as every user of the tenant may see them (to hand a call over): no email, phone or anything else. */
export interface ColleagueView {
  userId: string;
  name: string;
  role: Role;
}

export function toColleagueView(u: Pick<UserEntity, 'id' | 'name' | 'role'>): ColleagueView {
  return { userId: u.id, name: u.name, role: u.role };
}

export function toPhoneNumberView(n: PhoneNumberEntity): PhoneNumberView {
  return { id: n.id, e164: n.e164, label: n.label, assignedAt: n.assignedAt.toISOString() };
}

/** A tenant that never set its voice settings has none: voice apologises and hangs up. */
export function toVoiceSettingsView(v: VoiceSettingsEntity | null): VoiceSettingsView {
  if (!v) return { backupNumber: null, fallbackPrompt: null, updatedAt: null };
  const fallbackPrompt = v.fallbackPromptText !== null && v.fallbackPromptLocale !== null ? { text: v.fallbackPromptText, locale: v.fallbackPromptLocale } : null;
  return { backupNumber: v.backupNumber, fallbackPrompt, updatedAt: v.updatedAt.toISOString() };
}
