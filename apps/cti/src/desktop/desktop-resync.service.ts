import { Inject, Injectable } from '@nestjs/common';
import { type CtiServerMessage } from '@parley/contracts';
import { type UnitOfWork } from '@parley/persistence';
import { CallsRepository, type CallRecord } from '../calls/calls.repository';
import { CTI_UNIT_OF_WORK } from '../cti.tokens';

/** What a reconnecting agent desktop needs again: the offers, pops and states of its calls in progress. */
@Injectable()
export class DesktopResyncService {
  constructor(
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    private readonly calls: CallsRepository,
  ) {}

  messagesFor(tenantId: string, agentId: string): Promise<CtiServerMessage[]> {
    return this.uow.inTenant(tenantId, async (tx) => (await this.calls.activeOfAgent(tx, agentId)).flatMap((call) => callMessages(call)));
  }
}

export function offerMessage(call: CallRecord): CtiServerMessage | null {
  if (call.offerId === null || call.queueId === null || call.offeredAt === null) return null;
  return { type: 'offer', callId: call.callId, queueId: call.queueId, callerMasked: call.callerMasked, ringTimeoutMs: call.ringTimeoutMs ?? 0, offerId: call.offerId, offeredAt: call.offeredAt.toISOString() };
}

function callMessages(call: CallRecord): CtiServerMessage[] {
  const out: CtiServerMessage[] = [];
  if (call.state === 'offered') {
    const offer = offerMessage(call);
    if (offer) out.push(offer);
  }
  if (call.pop) out.push({ type: 'pop', pop: call.pop });
  const state = call.state === 'offered' ? 'ringing' : call.state === 'routed' ? null : call.state;
  if (state) out.push({ type: 'call.state', callId: call.callId, state, agentId: call.agentId, at: (call.connectedAt ?? call.offeredAt ?? call.createdAt).toISOString() });
  return out;
}
