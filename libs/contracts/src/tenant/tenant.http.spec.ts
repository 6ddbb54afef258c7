import { randomUUID } from 'node:crypto';
import { updateVoiceSettingsRequestSchema } from './tenant.http';
import { voiceSettingsUpdatedV1 } from './tenant.events';

/** The dotted paths zod names for a body it refuses. */
function refusedPaths(body: unknown): string[] {
  const result = updateVoiceSettingsRequestSchema.safeParse(body);
  if (result.success) throw new Error(`accepted ${JSON.stringify(body)}`);
  return result.error.issues.map((i) => i.path.join('.'));
}

describe('voice settings request', () => {
  it('accepts a number and a prompt, or nulls, and trims the prompt', () => {
    expect(updateVoiceSettingsRequestSchema.parse({ backupNumber: '+14155552671', fallbackPrompt: { text: '  Sorry.\n', locale: 'zh-CN' } })).toEqual({
      backupNumber: '+14155552671',
      fallbackPrompt: { text: 'Sorry.', locale: 'zh-CN' },
    });
    expect(updateVoiceSettingsRequestSchema.parse({ backupNumber: null, fallbackPrompt: null })).toEqual({ backupNumber: null, fallbackPrompt: null });
    expect(updateVoiceSettingsRequestSchema.parse({ backupNumber: null, fallbackPrompt: { text: 'x'.repeat(500), locale: 'en' } }).fallbackPrompt?.text).toHaveLength(500);
  });

  it('names the field it refuses', () => {
    const prompt = { text: 'Sorry.', locale: 'en' };
    expect(refusedPaths({ fallbackPrompt: prompt })).toEqual(['backupNumber']);
    expect(refusedPaths({ backupNumber: 4155552671, fallbackPrompt: prompt })).toEqual(['backupNumber']);
    expect(refusedPaths({ backupNumber: '+1'.padEnd(21, '5'), fallbackPrompt: prompt })).toEqual(['backupNumber']);
    expect(refusedPaths({ backupNumber: null, fallbackPrompt: { text: 'Salut', locale: 'fr' } })).toEqual(['fallbackPrompt.locale']);
    expect(refusedPaths({ backupNumber: null, fallbackPrompt: { text: 'x'.repeat(501), locale: 'en' } })).toEqual(['fallbackPrompt.text']);
    expect(refusedPaths({ backupNumber: null, fallbackPrompt: { text: ' \t ', locale: 'en' } })).toEqual(['fallbackPrompt.text']);
    expect(refusedPaths({ backupNumber: null, fallbackPrompt: { text: 'a\u0000b', locale: 'en' } })).toEqual(['fallbackPrompt.text']);
    expect(refusedPaths({ backupNumber: null, fallbackPrompt: { text: 'a\u001bb', locale: 'en' } })).toEqual(['fallbackPrompt.text']);
    expect(refusedPaths({ backupNumber: null, fallbackPrompt: { ...prompt, voice: 'kal' } })).toEqual(['fallbackPrompt']);
    expect(refusedPaths({ backupNumber: null, fallbackPrompt: null, extra: 1 })).toEqual(['']);
  });
});

describe('tenant.voice-settings.updated.v1', () => {
  const valid = { tenantId: randomUUID(), revision: 1, backupNumber: '+14155552671', fallbackPrompt: { text: 'Sorry.', locale: 'en' }, updatedAt: new Date().toISOString() };

  it('is keyed by tenant, so one tenant’s changes stay in order', () => {
    expect(voiceSettingsUpdatedV1.schema.parse(valid)).toEqual(valid);
    expect(voiceSettingsUpdatedV1.keyOf(voiceSettingsUpdatedV1.schema.parse(valid))).toBe(valid.tenantId);
  });

  it('refuses a backup number that is not E.164, an empty prompt and a revision below 1', () => {
    expect(voiceSettingsUpdatedV1.schema.safeParse({ ...valid, backupNumber: '14155552671' }).success).toBe(false);
    expect(voiceSettingsUpdatedV1.schema.safeParse({ ...valid, fallbackPrompt: { text: '', locale: 'en' } }).success).toBe(false);
    expect(voiceSettingsUpdatedV1.schema.safeParse({ ...valid, revision: 0 }).success).toBe(false);
    expect(voiceSettingsUpdatedV1.schema.safeParse({ ...valid, backupNumber: null, fallbackPrompt: null }).success).toBe(true);
  });
});
