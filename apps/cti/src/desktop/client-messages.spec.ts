import { parseClientMessage } from './client-messages';

describe('parseClientMessage', () => {
  it('accepts a ping (with or without a nonce) and a resync', () => {
    expect(parseClientMessage('{"type":"ping","nonce":"n1"}', false)).toEqual({ ok: true, message: { type: 'ping', nonce: 'n1' } });
    expect(parseClientMessage('{"type":"ping"}', false)).toEqual({ ok: true, message: { type: 'ping' } });
    expect(parseClientMessage('{"type":"resync"}', false)).toEqual({ ok: true, message: { type: 'resync' } });
  });

  it.each([
    ['not JSON', 'hello', '(message)', 'is not valid JSON'],
    ['an array', '[1,2]', '(message)', 'must be a JSON object'],
    ['null', 'null', '(message)', 'must be a JSON object'],
    ['an unknown type', '{"type":"dance"}', 'type', 'type must be ping or resync'],
    ['no type', '{"nonce":"x"}', 'type', 'type must be ping or resync'],
    ['an unknown field', '{"type":"resync","force":true}', 'force', 'is not a known field'],
    ['a too long nonce', JSON.stringify({ type: 'ping', nonce: 'x'.repeat(65) }), 'nonce', 'must be at most 64 characters'],
  ])('names what is wrong with %s', (_what, data, path, message) => {
    const result = parseClientMessage(data, false);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.type).toBe('error');
      expect(result.error.code).toBe('invalid-message');
      expect(result.error.fields).toContainEqual({ path, message });
    }
  });

  it('refuses binary frames', () => {
    const result = parseClientMessage('{"type":"ping"}', true);
    expect(result).toMatchObject({ ok: false, error: { fields: [{ path: '(message)', message: 'must be text' }] } });
  });
});
