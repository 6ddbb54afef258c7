import { type Binding, type BindingStore } from './binding-store.port';

/** Registrations of one process (all-in-one mode and unit tests). */
export class MemoryBindingStore implements BindingStore {
  private readonly aors = new Map<string, Map<string, Binding>>();

  async upsert(binding: Binding): Promise<void> {
    const key = `${binding.tenantId}/${binding.userId}`;
    const contacts = this.aors.get(key) ?? new Map<string, Binding>();
    contacts.set(binding.contact, { ...binding });
    this.aors.set(key, contacts);
  }

  async remove(tenantId: string, userId: string, contact: string): Promise<boolean> {
    const contacts = this.aors.get(`${tenantId}/${userId}`);
    const removed = contacts?.delete(contact) ?? false;
    if (contacts && contacts.size === 0) this.aors.delete(`${tenantId}/${userId}`);
    return removed;
  }

  async list(tenantId: string, userId: string, now = Date.now()): Promise<Binding[]> {
    const contacts = this.aors.get(`${tenantId}/${userId}`);
    if (!contacts) return [];
    for (const [contact, binding] of contacts) if (binding.expiresAt <= now) contacts.delete(contact);
    return [...contacts.values()].map((b) => ({ ...b }));
  }
}
