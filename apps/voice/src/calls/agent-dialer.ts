import { createRequest, Dialog, type SipFlow, type SipRequest, type SipResponse, type SipStack } from '@parley/sip';
import { type Binding, type BindingStore } from '../registrar/binding-store.port';

export interface AgentDialRequest {
  tenantId: string;
  /** The agent's (or supervisor's) user id: the user part of its address of record. */
  userId: string;
  /** The tenant's SIP domain (To and Request-URI host when the contact has none usable). */
  sipDomain: string;
  /** Shown to the agent (From user), e.g. the caller's number. */
  display: string;
  /** Our WebRTC offer. */
  sdp: string;
  ringTimeoutMs: number;
  /** Extra headers, e.g. the call id for the desktop to match its offer. */
  headers?: Record<string, string>;
  /** True while the call still wants this dial (a caller who hung up stops it). */
  wanted: () => boolean;
  /** Told when the agent's phone rings (180/183). */
  onRinging?: (response: SipResponse) => void;
}

export type AgentDialOutcome =
  | { ok: true; dialog: Dialog; answer: SipResponse; invite: SipRequest; binding: Binding }
  | { ok: false; status: number; reason: string };

/**
 * Calls an agent's softphone: down the WebSocket connection (RFC 5626 flow) its REGISTER came
 * over, never to the Contact host (jssip's is `....invalid`). The most recent live registration on
 * this node wins (one desktop per agent). A ring longer than `ringTimeoutMs` is cancelled.
 */
export class AgentDialer {
  constructor(
    private readonly stack: SipStack,
    private readonly bindings: BindingStore,
    private readonly nodeId: string,
  ) {}

  async dial(request: AgentDialRequest): Promise<AgentDialOutcome> {
    const live = await this.bindings.list(request.tenantId, request.userId);
    if (live.length === 0) return { ok: false, status: 480, reason: 'the agent has no registered softphone' };
    const here = live.filter((b) => b.nodeId === this.nodeId).sort((a, b) => b.expiresAt - a.expiresAt);
    let flow: SipFlow | undefined;
    let binding: Binding | undefined;
    for (const candidate of here) {
      flow = this.stack.findFlow(candidate.flowId);
      if (flow) {
        binding = candidate;
        break;
      }
    }
    if (!flow || !binding) {
      const elsewhere = live.find((b) => b.nodeId !== this.nodeId);
      return elsewhere
        ? { ok: false, status: 480, reason: `the agent's softphone is connected to voice node ${elsewhere.nodeId}, not to this one` }
        : { ok: false, status: 480, reason: "the agent's softphone connection is gone" };
    }
    const local = `sip:parley@${request.sipDomain};transport=ws`;
    const invite = createRequest({
      method: 'INVITE',
      uri: binding.contact,
      from: `<sip:${encodeUser(request.display)}@${request.sipDomain}>`,
      to: `<sip:${request.userId}@${request.sipDomain}>`,
      contact: local,
      headers: { Allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, REFER, NOTIFY, INFO', ...(request.headers ?? {}) },
      body: request.sdp,
      contentType: 'application/sdp',
    });
    const tx = this.stack.sendRequest(invite, flow);
    const timer = setTimeout(() => void this.stack.cancel(tx, 'ring timeout'), request.ringTimeoutMs);
    const stopIfUnwanted = setInterval(() => {
      if (!request.wanted()) void this.stack.cancel(tx, 'caller left');
    }, 100);
    if (request.onRinging) tx.on('provisional', (response) => response.status > 100 && request.onRinging?.(response));
    let final: SipResponse;
    try {
      final = await tx.finalResponse;
    } finally {
      clearTimeout(timer);
      clearInterval(stopIfUnwanted);
    }
    if (final.status < 200 || final.status >= 300) return { ok: false, status: final.status, reason: final.reason };
    const dialog = Dialog.fromUacResponse(invite, final, { flow, localContact: local });
    await this.stack.sendAck(dialog.createAck(), flow, tx);
    return { ok: true, dialog, answer: final, invite, binding };
  }
}

/** A display string as a SIP user part (keeps +, digits, letters; escapes the rest). */
function encodeUser(value: string): string {
  return value.replace(/[^A-Za-z0-9+\-_.!~*'()&=$,;?/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`) || 'anonymous';
}
