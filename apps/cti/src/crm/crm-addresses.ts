import { isIP } from 'node:net';
import { isNonPublicAddress } from '@parley/http';

/**
 * Why a CRM webhook URL cannot be used, or null when it can: https only, no credentials in it, and
 * (unless private addresses are allowed) not a literal non-public address. Names are checked again
 * on every call, on the address actually connected to.
 */
export function crmUrlProblem(raw: string, allowPrivateAddresses: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:') return `must be an https:// URL, not ${url.protocol}//`;
  if (url.username !== '' || url.password !== '') return 'must not carry credentials (use a token in the path or query)';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivateAddresses && isIP(host) !== 0 && isNonPublicAddress(host)) return `points at ${host}, which is not a public address`;
  if (!allowPrivateAddresses && /^(localhost|.*\.localhost|.*\.local|.*\.internal)$/i.test(host)) return `points at ${host}, which is not a public name`;
  return null;
}
