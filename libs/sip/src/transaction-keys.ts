// Transaction matching (RFC 3261 §17.1.3, §17.2.3): by branch with the magic cookie, with the
// RFC 2543 fallback for requests whose branch lacks it.
import { BRANCH_MAGIC_COOKIE } from './sip-builders';
import type { SipRequest, SipResponse } from './sip-message';

function sentBy(host: string, port: number | undefined): string {
  return `${host.toLowerCase()}:${port ?? ''}`;
}

/** True when the branch is RFC 3261-compliant (starts with `z9hG4bK`). */
export function hasMagicCookie(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(BRANCH_MAGIC_COOKIE);
}

/**
 * The server transaction a request belongs to. ACK maps to its INVITE's transaction (only the
 * ACK for a non-2xx shares the INVITE's branch; the ACK for a 2xx has its own and matches none).
 * `methodOverride` finds the INVITE transaction a CANCEL targets.
 */
export function serverTransactionKey(request: SipRequest, methodOverride?: string): string {
  const via = request.topVia;
  const method = methodOverride ?? (request.method === 'ACK' ? 'INVITE' : request.method);
  if (hasMagicCookie(via.branch)) return `${via.branch}|${sentBy(via.host, via.port)}|${method}`;
  // RFC 2543: Request-URI, From tag, Call-ID, CSeq number and top Via identify the transaction.
  // (The To tag is left out so the ACK, which carries the tag of our response, finds it too.)
  return `2543|${request.uri}|${request.fromTag ?? ''}|${request.callId}|${request.cseq.seq}|${method}|${request.headers.getAll('via')[0] ?? ''}`;
}

/** The client transaction a response belongs to: top Via branch and CSeq method. */
export function clientTransactionKey(response: SipResponse): string {
  return `${response.topVia.branch ?? ''}|${response.cseq.method}`;
}

/** Key of a client transaction from the request it sent. */
export function clientTransactionKeyOf(request: SipRequest): string {
  return `${request.topVia.branch ?? ''}|${request.cseq.method}`;
}
