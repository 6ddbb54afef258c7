import { voiceCommandSchema } from './voice.commands';

const agentId = '7b0f8c52-2a4e-4f6b-9a57-0d7c3e1f5a21';

/** The first issue's path and message, as a 400 answer would name them. */
function refusal(input: unknown): { path: string; message: string } | undefined {
  const result = voiceCommandSchema.safeParse(input);
  if (result.success) return undefined;
  const issue = result.error.issues[0]!;
  return { path: issue.path.join('.'), message: issue.message };
}

describe('voice commands: consultation and conference', () => {
  it('takes a consult to an agent or a number, with a 30 s ring timeout by default', () => {
    expect(voiceCommandSchema.parse({ type: 'consult', target: { kind: 'agent', agentId } })).toEqual({ type: 'consult', target: { kind: 'agent', agentId }, ringTimeoutMs: 30_000 });
    expect(voiceCommandSchema.parse({ type: 'consult', target: { kind: 'number', number: '+14155550100' }, ringTimeoutMs: 5000 })).toEqual({
      type: 'consult',
      target: { kind: 'number', number: '+14155550100' },
      ringTimeoutMs: 5000,
    });
  });

  it('refuses a consult without a usable target, naming the field', () => {
    expect(refusal({ type: 'consult' })?.path).toBe('target');
    expect(refusal({ type: 'consult', target: { kind: 'agent', agentId: 'agent-1' } })?.path).toBe('target.agentId');
    expect(refusal({ type: 'consult', target: { kind: 'number', number: '4155550100' } })).toEqual({ path: 'target.number', message: 'must be an E.164 number' });
    expect(refusal({ type: 'consult', target: { kind: 'queue', queueId: agentId } })?.path).toBe('target.kind');
    expect(refusal({ type: 'consult', target: { kind: 'agent', agentId }, ringTimeoutMs: 500 })?.path).toBe('ringTimeoutMs');
  });

  it('takes consult-complete and consult-cancel without arguments', () => {
    expect(voiceCommandSchema.parse({ type: 'consult-complete' })).toEqual({ type: 'consult-complete' });
    expect(voiceCommandSchema.parse({ type: 'consult-cancel' })).toEqual({ type: 'consult-cancel' });
  });

  it('takes a conference from a consultation (no target) or directly with a target', () => {
    expect(voiceCommandSchema.parse({ type: 'conference' })).toEqual({ type: 'conference', ringTimeoutMs: 30_000 });
    expect(voiceCommandSchema.parse({ type: 'conference', target: { kind: 'agent', agentId } })).toMatchObject({ target: { kind: 'agent', agentId } });
    expect(refusal({ type: 'conference', target: { kind: 'number', number: 'x' } })?.path).toBe('target.number');
  });

  it('refuses an unknown command type', () => {
    expect(refusal({ type: 'consult-transfer' })?.path).toBe('type');
  });
});

describe('voice commands: release', () => {
  it('takes release without arguments', () => {
    expect(voiceCommandSchema.parse({ type: 'release' })).toEqual({ type: 'release' });
  });
});
