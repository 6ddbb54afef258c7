import { randomUUID } from 'node:crypto';
import { DidDirectory, normalizeDialled } from './did-directory';

describe('DidDirectory', () => {
  const tenantId = randomUUID();
  const at = new Date().toISOString();

  it('routes a dialled number to its tenant until the number is released', () => {
    const directory = new DidDirectory();
    const numberId = randomUUID();
    directory.onNumberAssigned({ tenantId, numberId, e164: '+18005550100', assignedAt: at });
    expect(directory.routeFor('18005550100')).toEqual({ tenantId, numberId, e164: '+18005550100' });
    expect(directory.routeFor('+1 (800) 555-0100')?.tenantId).toBe(tenantId);
    directory.onNumberReleased({ tenantId, numberId, e164: '+18005550100', releasedAt: at });
    expect(directory.routeFor('+18005550100')).toBeUndefined();
  });

  it('keeps a newer assignment when an older release arrives late', () => {
    const directory = new DidDirectory();
    const first = randomUUID();
    const second = randomUUID();
    const other = randomUUID();
    directory.onNumberAssigned({ tenantId, numberId: first, e164: '+18005550101', assignedAt: at });
    directory.onNumberAssigned({ tenantId: other, numberId: second, e164: '+18005550101', assignedAt: at });
    directory.onNumberReleased({ tenantId, numberId: first, e164: '+18005550101', releasedAt: at });
    expect(directory.routeFor('+18005550101')?.tenantId).toBe(other);
  });

  it('finds tenants by SIP domain, following renames', () => {
    const directory = new DidDirectory();
    directory.onTenant({ tenantId, slug: 'acme', companyName: 'Acme', locale: 'en', plan: 'trial', seatLimit: 5, sipDomain: 'acme.sip.parley.local', createdAt: at });
    expect(directory.tenantByDomain('ACME.sip.parley.local')?.tenantId).toBe(tenantId);
    directory.onTenant({ tenantId, slug: 'acme', companyName: 'Acme 2', locale: 'en', plan: 'trial', seatLimit: 5, sipDomain: 'acme2.sip.parley.local', updatedAt: at });
    expect(directory.tenantByDomain('acme.sip.parley.local')).toBeUndefined();
    expect(directory.tenantByDomain('acme2.sip.parley.local')?.slug).toBe('acme');
  });

  it('refuses what is not a phone number', () => {
    expect(normalizeDialled('alice')).toBeUndefined();
    expect(normalizeDialled('+0123456')).toBeUndefined();
    expect(normalizeDialled('123')).toBeUndefined();
  });
});

describe('DidDirectory agents', () => {
  it('lets only an active, seated user of the tenant work as an agent', () => {
    const directory = new DidDirectory();
    const tenantId = randomUUID();
    const userId = randomUUID();
    expect(directory.mayWorkAsAgent(tenantId, userId)).toBe(false);
    directory.onUserCreated({ tenantId, userId });
    expect(directory.mayWorkAsAgent(tenantId, userId)).toBe(false);
    directory.onSeat({ tenantId, userId }, true);
    expect(directory.mayWorkAsAgent(tenantId, userId)).toBe(true);
    expect(directory.mayWorkAsAgent(randomUUID(), userId)).toBe(false);
    directory.onSeat({ tenantId, userId }, false);
    expect(directory.mayWorkAsAgent(tenantId, userId)).toBe(false);
    directory.onSeat({ tenantId, userId }, true);
    directory.onUserDeactivated({ tenantId, userId });
    expect(directory.mayWorkAsAgent(tenantId, userId)).toBe(false);
  });
});
