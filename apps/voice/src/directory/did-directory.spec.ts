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

describe('DidDirectory voice settings', () => {
  const at = new Date().toISOString();
  const settings = (tenantId: string, revision: number, backupNumber: string | null, fallbackPrompt: { text: string; locale: 'en' | 'zh-CN' } | null) => ({
    tenantId,
    revision,
    backupNumber,
    fallbackPrompt,
    updatedAt: at,
  });

  it('has none for a tenant that never set them, then the tenant’s own once its event arrives', () => {
    const directory = new DidDirectory();
    const tenantId = randomUUID();
    const other = randomUUID();
    expect(directory.voiceSettingsOf(tenantId)).toEqual({ backupNumber: null, fallbackPrompt: null });

    directory.onVoiceSettings(settings(tenantId, 1, '+14155552671', { text: '我们暂时无法接听。', locale: 'zh-CN' }));
    expect(directory.voiceSettingsOf(tenantId)).toEqual({ backupNumber: '+14155552671', fallbackPrompt: { text: '我们暂时无法接听。', locale: 'zh-CN' } });
    expect(directory.voiceSettingsOf(other)).toEqual({ backupNumber: null, fallbackPrompt: null });
  });

  it('follows changes, including a setting cleared back to null', () => {
    const directory = new DidDirectory();
    const tenantId = randomUUID();
    directory.onVoiceSettings(settings(tenantId, 1, '+14155552671', { text: 'Sorry, we are closed.', locale: 'en' }));
    directory.onVoiceSettings(settings(tenantId, 2, null, { text: 'Sorry, please call back.', locale: 'en' }));
    expect(directory.voiceSettingsOf(tenantId)).toEqual({ backupNumber: null, fallbackPrompt: { text: 'Sorry, please call back.', locale: 'en' } });
    directory.onVoiceSettings(settings(tenantId, 3, '+442071838750', null));
    expect(directory.voiceSettingsOf(tenantId)).toEqual({ backupNumber: '+442071838750', fallbackPrompt: null });
  });

  it('ignores an event older than (or as old as) the settings it holds: a redelivery or a replay after a snapshot', () => {
    const directory = new DidDirectory();
    const tenantId = randomUUID();
    directory.onVoiceSettings(settings(tenantId, 5, '+14155552671', { text: 'Newest', locale: 'en' }));
    directory.onVoiceSettings(settings(tenantId, 4, '+442071838750', { text: 'Older', locale: 'en' }));
    directory.onVoiceSettings(settings(tenantId, 5, null, null));
    expect(directory.voiceSettingsOf(tenantId)).toEqual({ backupNumber: '+14155552671', fallbackPrompt: { text: 'Newest', locale: 'en' } });
  });

  it('loads the settings from a snapshot, and later events go on from there', () => {
    const directory = new DidDirectory();
    const tenantId = randomUUID();
    directory.load({
      tenants: [{ tenantId, slug: 'acme', companyName: 'Acme', locale: 'en', plan: 'trial', seatLimit: 5, sipDomain: 'acme.sip.parley.local', createdAt: at }],
      numbers: [],
      users: [],
      seats: [],
      voiceSettings: [settings(tenantId, 3, '+14155552671', { text: 'From the snapshot', locale: 'en' })],
    });
    expect(directory.voiceSettingsOf(tenantId)).toEqual({ backupNumber: '+14155552671', fallbackPrompt: { text: 'From the snapshot', locale: 'en' } });
    directory.onVoiceSettings(settings(tenantId, 1, null, null)); // replayed from the topic's beginning
    expect(directory.voiceSettingsOf(tenantId).backupNumber).toBe('+14155552671');
    directory.onVoiceSettings(settings(tenantId, 4, null, { text: 'After the snapshot', locale: 'en' }));
    expect(directory.voiceSettingsOf(tenantId)).toEqual({ backupNumber: null, fallbackPrompt: { text: 'After the snapshot', locale: 'en' } });
  });

  it('hands out settings a caller cannot change behind the directory’s back', () => {
    const directory = new DidDirectory();
    const tenantId = randomUUID();
    const prompt: { text: string; locale: 'en' | 'zh-CN' } = { text: 'Sorry', locale: 'en' };
    directory.onVoiceSettings(settings(tenantId, 1, '+14155552671', prompt));
    prompt.text = 'changed by the publisher afterwards';
    const held = directory.voiceSettingsOf(tenantId);
    expect(() => {
      (held as { backupNumber: string | null }).backupNumber = '+15555555555';
    }).toThrow(TypeError);
    expect(directory.voiceSettingsOf(tenantId)).toEqual({ backupNumber: '+14155552671', fallbackPrompt: { text: 'Sorry', locale: 'en' } });
    expect(directory.voiceSettingsOf(randomUUID())).toEqual({ backupNumber: null, fallbackPrompt: null });
  });
});
