import { FlowTokens } from './flow-token';

describe('FlowTokens', () => {
  const tokens = new FlowTokens('a-flow-token-secret-32-bytes-long');

  it('round-trips a flow id through a URI-safe token', () => {
    const token = tokens.encode('ws:Qm9vbQ-abc');
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(tokens.decode(token)).toBe('ws:Qm9vbQ-abc');
  });

  it('refuses a forged, altered or foreign token', () => {
    const token = tokens.encode('tcp:one');
    const altered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(tokens.decode(altered)).toBeUndefined();
    expect(tokens.decode(Buffer.from('tcp:one').toString('base64url'))).toBeUndefined();
    expect(new FlowTokens('another-secret-that-is-long-enough').decode(token)).toBeUndefined();
    expect(tokens.decode('!!!')).toBeUndefined();
  });
});
