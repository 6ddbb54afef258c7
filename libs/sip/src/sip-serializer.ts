// Writes SIP messages: start line, headers in order (`Name: value`), and a Content-Length that is
// always the body's length in bytes (a UTF-8 body's character count is not its length).
import type { SipMessage } from './sip-message';

function head(message: SipMessage): string {
  let out = message.kind === 'request' ? `${message.method} ${message.uri} SIP/2.0\r\n` : `SIP/2.0 ${message.status} ${message.reason}\r\n`;
  const { names, values, keys } = message.headers;
  const length = message.body.length;
  let wroteLength = false;
  for (let i = 0; i < names.length; i++) {
    const value = values[i]!;
    if (keys[i] === 'content-length') {
      if (!wroteLength) out += `${names[i]}: ${length}\r\n`;
      wroteLength = true;
      continue;
    }
    out += `${names[i]}: ${value}\r\n`;
  }
  if (!wroteLength) out += `Content-Length: ${length}\r\n`;
  return `${out}\r\n`;
}

/**
 * Serialises a message to the bytes to send. Content-Length is written (or rewritten) as the
 * body's byte length. (Header values cannot hold line breaks: `SipHeaders` refuses them.)
 */
export function serializeSipMessage(message: SipMessage): Buffer {
  const text = head(message);
  const body = message.body;
  if (body.length === 0) return Buffer.from(text, 'utf8');
  const headLength = Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafe(headLength + body.length);
  out.write(text, 0, 'utf8');
  body.copy(out, headLength);
  return out;
}

/** The message as text (body decoded as UTF-8), for logs and tests. */
export function formatSipMessage(message: SipMessage): string {
  return head(message) + message.body.toString('utf8');
}
