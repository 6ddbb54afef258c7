import { computeSipPassword, parseSipUsername } from '@parley/auth';
import { type FailureLimiter } from '@parley/rate-limit';
import { DigestAuthenticator, type InboundRequest, type SipFlow, tryParseUri } from '@parley/sip';
import { type DidDirectory } from '../directory/did-directory';
import { type Binding, type BindingStore } from './binding-store.port';

export interface RegistrarOptions {
  directory: DidDirectory;
  bindings: BindingStore;
  /** Failed authentications per source address (10 in 60 s → refused for 5 minutes). */
  failures: FailureLimiter;
  /** The secret the tenant service derives SIP passwords with (TURN-REST style). */
  credentialSecret: string;
  /** Key of the digest nonces (shared by every voice node). */
  nonceSecret: string;
  nodeId: string;
  minExpiresSeconds?: number;
  maxExpiresSeconds?: number;
  now?: () => number;
  logger?: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
}

/**
 * The registrar: agents' softphones REGISTER in their tenant's SIP domain with the short-lived
 * credentials the tenant service hands out. Nothing about a user is stored: the password is
 * recomputed from the username by HMAC. Every failure looks the same (401 with a fresh challenge),
 * whether the user exists or not; an address that fails too often is refused (403) for a while.
 * Bindings remember the flow (WebSocket connection) the REGISTER came on: calls go down it, and
 * the binding goes when the connection closes.
 */
export class Registrar {
  private readonly authenticators = new Map<string, DigestAuthenticator>();
  /** flowId → bindings registered over it (on this node). */
  private readonly byFlow = new Map<string, Map<string, Pick<Binding, 'tenantId' | 'userId' | 'contact'>>>();
  private readonly minExpires: number;
  private readonly maxExpires: number;
  private readonly now: () => number;

  constructor(private readonly options: RegistrarOptions) {
    this.minExpires = options.minExpiresSeconds ?? 60;
    this.maxExpires = options.maxExpiresSeconds ?? 3600;
    this.now = options.now ?? Date.now;
  }

  async handle(inbound: InboundRequest): Promise<void> {
    const source = inbound.flow.remote.address;
    if (await this.options.failures.isBlocked(source)) {
      inbound.respond(403, 'Forbidden');
      return;
    }
    const requestUri = tryParseUri(inbound.request.uri);
    const domain = requestUri?.host.toLowerCase() ?? '';
    const tenant = this.options.directory.tenantByDomain(domain);
    const authenticator = this.authenticatorFor(domain);

    if (!inbound.request.headers.has('authorization')) {
      inbound.respond(401, 'Unauthorized', authenticator.challengeHeaders(401));
      return;
    }
    let userId: string | undefined;
    const verification = await authenticator.verify(inbound.request, (username) => {
      const parsed = parseSipUsername(username);
      if (!parsed || !tenant || parsed.expiresAt * 1000 <= this.now()) return undefined;
      if (!this.options.directory.mayWorkAsAgent(tenant.tenantId, parsed.userId)) return undefined;
      userId = parsed.userId;
      return { password: computeSipPassword(this.options.credentialSecret, username) };
    });
    if (!verification.ok || !tenant || !userId) {
      const stale = !verification.ok && verification.stale;
      if (!stale) {
        const blocked = await this.options.failures.recordFailure(source);
        this.options.logger?.warn({ source, domain, reason: verification.ok ? 'unknown' : verification.reason, blocked }, 'SIP registration refused');
      }
      inbound.respond(401, 'Unauthorized', authenticator.challengeHeaders(401, { stale }));
      return;
    }
    await this.options.failures.recordSuccess(source);

    const toUser = tryParseUri(inbound.request.to.uri)?.user;
    if (toUser !== undefined && toUser !== userId && toUser !== verification.username) {
      inbound.respond(403, 'Forbidden', { Warning: '399 parley "the To user is not the authenticated user"' });
      return;
    }
    await this.applyContacts(inbound, tenant.tenantId, userId);
  }

  /** A connection closed: its registrations are gone. */
  async onFlowClosed(flow: SipFlow): Promise<void> {
    const bound = this.byFlow.get(flow.id);
    if (!bound) return;
    this.byFlow.delete(flow.id);
    for (const b of bound.values()) await this.options.bindings.remove(b.tenantId, b.userId, b.contact);
  }

  private async applyContacts(inbound: InboundRequest, tenantId: string, userId: string): Promise<void> {
    const request = inbound.request;
    const contacts = request.contacts;
    const defaultExpires = request.expires ?? 3600;
    const callId = request.callId;
    const cseq = request.cseq.seq;

    if (contacts.length === 1 && contacts[0]!.uri === '*') {
      if (defaultExpires !== 0) {
        inbound.respond(400, 'Bad Request', { Warning: '399 parley "a * Contact needs Expires: 0"' });
        return;
      }
      for (const b of await this.options.bindings.list(tenantId, userId)) await this.remove(b);
      inbound.respond(200, 'OK');
      return;
    }

    for (const contact of contacts) {
      const asked = contact.params.expires !== undefined && contact.params.expires !== null ? Number(contact.params.expires) : defaultExpires;
      if (!Number.isFinite(asked) || asked < 0) {
        inbound.respond(400, 'Bad Request', { Warning: '399 parley "expires must be a non-negative number"' });
        return;
      }
      if (asked > 0 && asked < this.minExpires) {
        inbound.respond(423, 'Interval Too Brief', { 'Min-Expires': this.minExpires });
        return;
      }
    }
    const existing = new Map((await this.options.bindings.list(tenantId, userId)).map((b) => [b.contact, b]));
    for (const contact of contacts) {
      const asked = contact.params.expires !== undefined && contact.params.expires !== null ? Number(contact.params.expires) : defaultExpires;
      const previous = existing.get(contact.uri);
      // RFC 3261 §10.3 step 7: an older CSeq of the same Call-ID does not overwrite.
      if (previous && previous.callId === callId && previous.cseq >= cseq) continue;
      if (asked === 0) {
        if (previous) await this.remove(previous);
        continue;
      }
      const binding: Binding = {
        tenantId,
        userId,
        contact: contact.uri,
        nodeId: this.options.nodeId,
        flowId: inbound.flow.id,
        callId,
        cseq,
        expiresAt: this.now() + Math.min(asked, this.maxExpires) * 1000,
      };
      await this.options.bindings.upsert(binding);
      const onFlow = this.byFlow.get(inbound.flow.id) ?? new Map();
      onFlow.set(`${tenantId}/${userId}/${contact.uri}`, binding);
      this.byFlow.set(inbound.flow.id, onFlow);
    }
    const now = this.now();
    const current = await this.options.bindings.list(tenantId, userId, now);
    inbound.respond(200, 'OK', current.map((b) => ['Contact', `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`] as [string, string]));
    this.options.logger?.info({ tenantId, userId, contacts: current.length }, 'SIP registration');
  }

  private async remove(binding: Pick<Binding, 'tenantId' | 'userId' | 'contact'>): Promise<void> {
    await this.options.bindings.remove(binding.tenantId, binding.userId, binding.contact);
    for (const onFlow of this.byFlow.values()) onFlow.delete(`${binding.tenantId}/${binding.userId}/${binding.contact}`);
  }

  private authenticatorFor(domain: string): DigestAuthenticator {
    // Unknown domains get a challenge like any other: the answer must not tell which domains exist.
    let authenticator = this.authenticators.get(domain);
    if (!authenticator) {
      authenticator = new DigestAuthenticator({ realm: domain || 'parley', secret: this.options.nonceSecret, algorithms: ['SHA-256', 'MD5'], now: this.now });
      if (this.authenticators.size > 10_000) this.authenticators.clear();
      this.authenticators.set(domain, authenticator);
    }
    return authenticator;
  }
}
