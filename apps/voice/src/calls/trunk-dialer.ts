import { authorizeRetry, createDigestClientState, createRequest, Dialog, type SipDestination, type SipRequest, type SipResponse, type SipStack } from '@parley/sip';

export interface TrunkConfig {
  name: string;
  /** Outbound proxy of the carrier. */
  destination: SipDestination;
  /** Host put in the Request-URI (default: the proxy address). */
  domain?: string;
  credentials?: { username: string; password: string };
}

export type DialOutcome =
  | { ok: true; trunk: string; dialog: Dialog; answer: SipResponse; invite: SipRequest }
  | { ok: false; attempts: { trunk: string; status: number; reason: string }[] };

export interface DialRequest {
  number: string;
  callerId: string;
  sdp: string;
  contact: string;
  ringTimeoutMs: number;
  /** True while the call still wants this dial (a caller who hung up stops it). */
  wanted: () => boolean;
  /** The far end sent early media (183 Session Progress with SDP): its ringback or announcements. */
  onEarlyMedia?: (sdp: string) => void;
}

/**
 * Places a call to an outside number through the configured trunks in order: the primary first;
 * a trunk that fails (no answer from the proxy, 408, 5xx, 6xx busy-everywhere aside) is retried on
 * the next one, the backup. Digest challenges (401/407) are answered once per trunk. A ring that
 * lasts longer than `ringTimeoutMs` is cancelled. 4xx answers that are about the callee (486 busy,
 * 404, 480...) are final: another trunk would get the same answer.
 */
export class TrunkDialer {
  constructor(
    private readonly stack: SipStack,
    private readonly trunks: readonly TrunkConfig[],
  ) {}

  get configured(): boolean {
    return this.trunks.length > 0;
  }

  async dial(request: DialRequest): Promise<DialOutcome> {
    const attempts: { trunk: string; status: number; reason: string }[] = [];
    for (const trunk of this.trunks) {
      if (!request.wanted()) break;
      const result = await this.tryTrunk(trunk, request);
      if (result.ok) return result;
      attempts.push({ trunk: trunk.name, status: result.status, reason: result.reason });
      const trunkFault = result.status === 408 || result.status >= 500;
      if (!trunkFault) break;
    }
    return { ok: false, attempts };
  }

  private async tryTrunk(trunk: TrunkConfig, request: DialRequest): Promise<{ ok: true; trunk: string; dialog: Dialog; answer: SipResponse; invite: SipRequest } | { ok: false; status: number; reason: string }> {
    const host = trunk.domain ?? `${trunk.destination.address}:${trunk.destination.port}`;
    let invite = createRequest({
      method: 'INVITE',
      uri: `sip:${request.number}@${host}`,
      from: `sip:${request.callerId}@${host}`,
      to: `sip:${request.number}@${host}`,
      contact: request.contact,
      body: request.sdp,
      contentType: 'application/sdp',
    });
    const digest = createDigestClientState();
    for (let round = 0; round < 2; round += 1) {
      const tx = this.stack.sendRequest(invite, trunk.destination);
      if (request.onEarlyMedia) {
        const onEarly = request.onEarlyMedia;
        tx.on('provisional', (response) => {
          if (response.status === 183 && response.body.length > 0) onEarly(response.bodyText);
        });
      }
      const timer = setTimeout(() => void this.stack.cancel(tx, 'ring timeout'), request.ringTimeoutMs);
      const stopIfUnwanted = setInterval(() => {
        if (!request.wanted()) void this.stack.cancel(tx, 'caller left');
      }, 200);
      let final: SipResponse;
      try {
        final = await tx.finalResponse;
      } finally {
        clearTimeout(timer);
        clearInterval(stopIfUnwanted);
      }
      if (final.status >= 200 && final.status < 300) {
        const dialog = Dialog.fromUacResponse(invite, final, tx.flow ? { flow: tx.flow } : {});
        await this.stack.sendAck(dialog.createAck(), undefined, tx);
        return { ok: true, trunk: trunk.name, dialog, answer: final, invite };
      }
      if ((final.status === 401 || final.status === 407) && trunk.credentials && round === 0) {
        const retry = authorizeRetry(invite, final, trunk.credentials, digest);
        if (retry) {
          invite = retry;
          continue;
        }
      }
      return { ok: false, status: final.status, reason: final.reason };
    }
    return { ok: false, status: 403, reason: 'authentication failed' };
  }
}
