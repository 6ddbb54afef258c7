import { type CtiClientMessage, ctiClientMessageSchema, type CtiServerMessage } from '@parley/contracts';

type ErrorMessage = Extract<CtiServerMessage, { type: 'error' }>;

/**
 * Reads one message a desktop sent: JSON text, an object with a known `type` and its fields. What
 * is wrong is named in the answer (`error` with the field paths); nothing a client sends throws.
 */
export function parseClientMessage(data: string, isBinary: boolean): { ok: true; message: CtiClientMessage } | { ok: false; error: ErrorMessage } {
  if (isBinary) return invalid('messages must be JSON text, not binary', '(message)', 'must be text');
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return invalid('the message is not valid JSON', '(message)', 'is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('the message must be a JSON object with a type', '(message)', 'must be a JSON object');
  const parsed = ctiClientMessageSchema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const fields = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || 'type';
    if (issue.code === 'unrecognized_keys') return { path: issue.keys.join(', '), message: 'is not a known field' };
    return { path, message: issue.message };
  });
  return { ok: false, error: { type: 'error', code: 'invalid-message', message: `invalid message: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`, fields } };
}

function invalid(message: string, path: string, reason: string): { ok: false; error: ErrorMessage } {
  return { ok: false, error: { type: 'error', code: 'invalid-message', message, fields: [{ path, message: reason }] } };
}
