import {
  type Locale,
  type PayloadOf,
  type phoneNumberAssignedV1,
  type phoneNumberReleasedV1,
  type tenantCreatedV1,
  type tenantUpdatedV1,
  type voiceSettingsUpdatedV1,
} from '@parley/contracts';

export interface TenantSipInfo {
  tenantId: string;
  slug: string;
  sipDomain: string;
}

/** What voice does with a new call of the tenant that no service commands in time (the emergency path). */
export interface VoiceSettings {
  /** E.164; where the call is forwarded after the prompt. null: hang up politely. */
  readonly backupNumber: string | null;
  /** Said first. null: voice's built-in apology. */
  readonly fallbackPrompt: { readonly text: string; readonly locale: Locale } | null;
}

/** A tenant that never set its voice settings (or whose event has not arrived yet). */
const NO_VOICE_SETTINGS: VoiceSettings = Object.freeze({ backupNumber: null, fallbackPrompt: null });

export interface NumberRoute {
  tenantId: string;
  numberId: string;
  e164: string;
}

/**
 * voice's local projection of the tenant service's events: which tenant a dialled number (DID)
 * belongs to, and which tenant a SIP domain is. Built from `tenant.*` events, so a call is routed
 * without asking another service while it rings.
 */
export class DidDirectory {
  private readonly numbers = new Map<string, NumberRoute>();
  private readonly tenantsById = new Map<string, TenantSipInfo>();
  private readonly tenantsByDomain = new Map<string, TenantSipInfo>();
  /** userId → tenantId of active users, and which of them hold an agent seat. */
  private readonly users = new Map<string, string>();
  private readonly seated = new Set<string>();
  /** tenantId → its voice emergency settings and the revision they came with. */
  private readonly voiceSettings = new Map<string, { revision: number; settings: VoiceSettings }>();

  onTenant(event: PayloadOf<typeof tenantCreatedV1> | PayloadOf<typeof tenantUpdatedV1>): void {
    const previous = this.tenantsById.get(event.tenantId);
    if (previous) this.tenantsByDomain.delete(previous.sipDomain);
    const info = { tenantId: event.tenantId, slug: event.slug, sipDomain: event.sipDomain.toLowerCase() };
    this.tenantsById.set(info.tenantId, info);
    this.tenantsByDomain.set(info.sipDomain, info);
  }

  onNumberAssigned(event: PayloadOf<typeof phoneNumberAssignedV1>): void {
    this.numbers.set(event.e164, { tenantId: event.tenantId, numberId: event.numberId, e164: event.e164 });
  }

  onNumberReleased(event: PayloadOf<typeof phoneNumberReleasedV1>): void {
    const current = this.numbers.get(event.e164);
    // Only the release of the assignment we hold removes it (a later re-assignment may already be here).
    if (current && current.numberId === event.numberId) this.numbers.delete(event.e164);
  }

  onUserCreated(event: { tenantId: string; userId: string }): void {
    this.users.set(event.userId, event.tenantId);
  }

  onUserDeactivated(event: { tenantId: string; userId: string }): void {
    this.users.delete(event.userId);
    this.seated.delete(event.userId);
  }

  onSeat(event: { tenantId: string; userId: string }, held: boolean): void {
    if (held) this.seated.add(event.userId);
    else this.seated.delete(event.userId);
  }

  onVoiceSettings(event: PayloadOf<typeof voiceSettingsUpdatedV1>): void {
    const held = this.voiceSettings.get(event.tenantId);
    // One tenant's changes share a partition key, so they arrive in order; but a snapshot loaded
    // before the topic is replayed, or a redelivery, may hold newer settings than the event.
    if (held && held.revision >= event.revision) return;
    const fallbackPrompt = event.fallbackPrompt ? Object.freeze({ text: event.fallbackPrompt.text, locale: event.fallbackPrompt.locale }) : null;
    this.voiceSettings.set(event.tenantId, { revision: event.revision, settings: Object.freeze({ backupNumber: event.backupNumber, fallbackPrompt }) });
  }

  /** The tenant's voice emergency settings; none set (both null) when the tenant never set them. */
  voiceSettingsOf(tenantId: string): VoiceSettings {
    return this.voiceSettings.get(tenantId)?.settings ?? NO_VOICE_SETTINGS;
  }

  /** Whether the user is an active user of the tenant holding an agent seat (the licence to take calls). */
  mayWorkAsAgent(tenantId: string, userId: string): boolean {
    return this.users.get(userId) === tenantId && this.seated.has(userId);
  }

  /** Loads a snapshot of the tenant directory (when the events it would be built from are gone). */
  load(snapshot: {
    tenants: Parameters<DidDirectory['onTenant']>[0][];
    numbers: Parameters<DidDirectory['onNumberAssigned']>[0][];
    users: { tenantId: string; userId: string }[];
    seats: { tenantId: string; userId: string }[];
    voiceSettings: Parameters<DidDirectory['onVoiceSettings']>[0][];
  }): void {
    for (const t of snapshot.tenants) this.onTenant(t);
    for (const n of snapshot.numbers) this.onNumberAssigned(n);
    for (const u of snapshot.users) this.onUserCreated(u);
    for (const s of snapshot.seats) this.onSeat(s, true);
    for (const v of snapshot.voiceSettings) this.onVoiceSettings(v);
  }

  /** The tenant a dialled number belongs to; accepts `+1800...`, `1800...` with a leading + added, or `tel:`/`sip:` user parts. */
  routeFor(dialled: string): NumberRoute | undefined {
    const normalized = normalizeDialled(dialled);
    return normalized ? this.numbers.get(normalized) : undefined;
  }

  tenantByDomain(domain: string): TenantSipInfo | undefined {
    return this.tenantsByDomain.get(domain.toLowerCase());
  }

  tenantById(tenantId: string): TenantSipInfo | undefined {
    return this.tenantsById.get(tenantId);
  }

  get size(): { numbers: number; tenants: number } {
    return { numbers: this.numbers.size, tenants: this.tenantsById.size };
  }
}

/** `+18005550100`, `18005550100`, `+1 (800) 555-0100` → `+18005550100`; anything else → undefined. */
export function normalizeDialled(dialled: string): string | undefined {
  const digits = dialled.replace(/[\s().-]/g, '');
  const match = /^\+?([1-9][0-9]{6,14})$/.exec(digits);
  return match ? `+${match[1]}` : undefined;
}
