import { createRequest, createResponse } from './sip-builders';
import { SipRequest, type SipMessage, type SipResponse } from './sip-message';
import { DEFAULT_SIP_TIMERS, ManualScheduler } from './sip-scheduler';
import { ClientTransaction, type TransactionSender } from './transaction-client';
import { ServerTransaction } from './transaction-server';
import { SipStackError } from './sip.errors';

interface Wire extends TransactionSender {
  sent: Array<{ at: number; message: SipMessage }>;
}

function wire(clock: ManualScheduler, reliable = false): Wire {
  const sent: Wire['sent'] = [];
  return { reliable, sent, send: (message) => void sent.push({ at: clock.now(), message }) };
}

function request(method: string): SipRequest {
  const r = createRequest({ method, uri: 'sip:bob@192.0.2.2', from: 'sip:alice@192.0.2.1', to: 'sip:bob@192.0.2.2', contact: 'sip:alice@192.0.2.1', route: ['sip:proxy.example;lr'] });
  r.headers.prepend('Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtest1;rport');
  return r;
}

function respond(to: SipRequest, status: number, toTag = 'bobtag'): SipResponse {
  return createResponse(to, status, undefined, { toTag });
}

const sentTimes = (w: Wire, filter: (m: SipMessage) => boolean = () => true): number[] => w.sent.filter((s) => filter(s.message)).map((s) => s.at);
const env = (clock: ManualScheduler) => ({ scheduler: clock, timers: DEFAULT_SIP_TIMERS });

describe('INVITE client transaction', () => {
  it('retransmits on timer A (T1, doubling) and times out on timer B (64*T1) with a local 408', async () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const tx = new ClientTransaction(request('INVITE'), env(clock), w);
    const timeouts: number[] = [];
    tx.on('timeout', () => timeouts.push(clock.now()));
    tx.start();
    clock.advance(40_000);
    expect(sentTimes(w)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(timeouts).toEqual([32_000]);
    const final = await tx.finalResponse;
    expect(final.status).toBe(408);
    expect(tx.state).toBe('terminated');
    expect(clock.pending).toBe(0);
  });

  it('stops retransmitting on a provisional and then waits for the TU (no timer B in Proceeding)', () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const tx = new ClientTransaction(request('INVITE'), env(clock), w);
    const provisional: number[] = [];
    tx.on('provisional', (r) => provisional.push(r.status));
    tx.start();
    clock.advance(600);
    tx.receiveResponse(respond(tx.request, 180));
    clock.advance(60_000);
    expect(sentTimes(w)).toEqual([0, 500]);
    expect(provisional).toEqual([180]);
    expect(tx.state).toBe('proceeding');
  });

  it('ACKs a non-2xx itself (same branch, To tag of the response, Route kept), re-ACKs retransmissions, ends after timer D', () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const tx = new ClientTransaction(request('INVITE'), env(clock), w);
    const finals: number[] = [];
    tx.on('final', (r) => finals.push(r.status));
    tx.start();
    const busy = respond(tx.request, 486);
    tx.receiveResponse(busy);
    tx.receiveResponse(busy);
    const acks = w.sent.map((s) => s.message).filter((m): m is SipRequest => m.kind === 'request' && m.method === 'ACK');
    expect(acks).toHaveLength(2);
    const ack = acks[0]!;
    expect(ack.uri).toBe(tx.request.uri);
    expect(ack.topVia.branch).toBe('z9hG4bKtest1');
    expect(ack.headers.getAll('via')).toHaveLength(1);
    expect(ack.toTag).toBe('bobtag');
    expect(ack.cseq).toEqual({ seq: tx.request.cseq.seq, method: 'ACK' });
    expect(ack.headers.get('route')).toBe('<sip:proxy.example;lr>');
    expect(finals).toEqual([486]);
    expect(tx.state).toBe('completed');
    clock.advance(31_999);
    expect(tx.state).toBe('completed');
    clock.advance(1);
    expect(tx.state).toBe('terminated');
  });

  it('enters Accepted on a 2xx (RFC 6026): retransmitted 2xx re-send the remembered ACK, a forked 2xx is reported, timer M ends it', () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const tx = new ClientTransaction(request('INVITE'), env(clock), w);
    const events: string[] = [];
    tx.on('final', (r) => events.push(`final ${r.status}`));
    tx.on('retransmission', () => events.push('retransmission'));
    tx.on('fork', (r) => events.push(`fork ${r.toTag}`));
    tx.start();
    const ok = respond(tx.request, 200);
    tx.receiveResponse(ok);
    expect(tx.state).toBe('accepted');
    let acksResent = 0;
    tx.rememberAck('bobtag', () => acksResent++);
    tx.receiveResponse(ok);
    tx.receiveResponse(ok);
    tx.receiveResponse(respond(tx.request, 200, 'othertag'));
    expect(events).toEqual(['final 200', 'retransmission', 'retransmission', 'fork othertag']);
    expect(acksResent).toBe(2);
    expect(sentTimes(w)).toEqual([0]);
    clock.advance(64 * 500);
    expect(tx.state).toBe('terminated');
  });

  it('does not retransmit over a reliable transport and ends at once after a non-2xx (timer D = 0)', () => {
    const clock = new ManualScheduler();
    const w = wire(clock, true);
    const tx = new ClientTransaction(request('INVITE'), env(clock), w);
    tx.start();
    clock.advance(10_000);
    expect(sentTimes(w)).toEqual([0]);
    tx.receiveResponse(respond(tx.request, 603));
    expect(tx.state).toBe('terminated');
  });

  it('turns a send failure into a local 503', async () => {
    const clock = new ManualScheduler();
    const tx = new ClientTransaction(request('INVITE'), env(clock), {
      reliable: false,
      send: () => {
        throw new Error('EHOSTUNREACH');
      },
    });
    tx.start();
    expect((await tx.finalResponse).status).toBe(503);
    expect(tx.state).toBe('terminated');
  });
});

describe('non-INVITE client transaction', () => {
  it('retransmits on timer E (doubling, capped at T2) and times out on timer F with a local 408', async () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const tx = new ClientTransaction(request('OPTIONS'), env(clock), w);
    tx.start();
    clock.advance(40_000);
    expect(sentTimes(w)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect((await tx.finalResponse).status).toBe(408);
    expect(tx.timerLog.filter((t) => t.timer === 'F')).toEqual([{ timer: 'F', delay: 32_000, at: 0 }]);
  });

  it('retransmits every T2 once a provisional arrived', () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const tx = new ClientTransaction(request('BYE'), env(clock), w);
    tx.start();
    clock.advance(100);
    tx.receiveResponse(respond(tx.request, 100));
    clock.advance(13_000);
    expect(sentTimes(w)).toEqual([0, 500, 4500, 8500, 12500]);
  });

  it('absorbs retransmitted finals and ends after timer K (T4)', () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const tx = new ClientTransaction(request('OPTIONS'), env(clock), w);
    const finals: number[] = [];
    tx.on('final', (r) => finals.push(r.status));
    tx.start();
    tx.receiveResponse(respond(tx.request, 200));
    tx.receiveResponse(respond(tx.request, 200));
    expect(finals).toEqual([200]);
    clock.advance(4_999);
    expect(tx.state).toBe('completed');
    clock.advance(1);
    expect(tx.state).toBe('terminated');
    expect(sentTimes(w)).toEqual([0]);
  });
});

describe('INVITE server transaction', () => {
  it('sends 100 Trying after 200 ms when the TU is silent, and re-sends the last provisional on a retransmitted INVITE', () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const invite = request('INVITE');
    const tx = new ServerTransaction(invite, env(clock), w);
    clock.advance(199);
    expect(w.sent).toHaveLength(0);
    clock.advance(1);
    expect((w.sent[0]!.message as SipResponse).status).toBe(100);
    tx.respond(createResponse(invite, 180, undefined, { toTag: tx.toTag }));
    tx.receiveRequest(invite);
    expect(w.sent.map((s) => (s.message as SipResponse).status)).toEqual([100, 180, 180]);
  });

  it('retransmits a non-2xx on timer G (capped at T2) until the ACK, then absorbs for timer I', () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const invite = request('INVITE');
    const tx = new ServerTransaction(invite, env(clock), w, { tryingDelayMs: false });
    tx.respond(createResponse(invite, 486, undefined, { toTag: tx.toTag }));
    clock.advance(12_000);
    expect(sentTimes(w)).toEqual([0, 500, 1500, 3500, 7500, 11500]);
    const acks: SipRequest[] = [];
    tx.on('ack', (a) => acks.push(a));
    const ack = new SipRequest('ACK', invite.uri, invite.headers.clone());
    tx.receiveRequest(ack);
    expect(tx.state).toBe('confirmed');
    expect(acks).toHaveLength(1);
    clock.advance(4_000);
    expect(sentTimes(w)).toHaveLength(6);
    tx.receiveRequest(invite);
    expect(sentTimes(w)).toHaveLength(6);
    clock.advance(1_000);
    expect(tx.state).toBe('terminated');
  });

  it('gives up on timer H (64*T1) without an ACK', () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const invite = request('INVITE');
    const tx = new ServerTransaction(invite, env(clock), w, { tryingDelayMs: false });
    let ackTimeout = 0;
    tx.on('ackTimeout', () => ackTimeout++);
    tx.respond(createResponse(invite, 500));
    clock.advance(32_000);
    expect(ackTimeout).toBe(1);
    expect(tx.state).toBe('terminated');
  });

  it('keeps re-sending the 2xx in Accepted until the ACK (RFC 6026) and absorbs INVITE retransmissions', () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const invite = request('INVITE');
    const tx = new ServerTransaction(invite, env(clock), w, { tryingDelayMs: false });
    tx.respond(createResponse(invite, 200, undefined, { toTag: tx.toTag }));
    expect(tx.state).toBe('accepted');
    clock.advance(8_000);
    expect(sentTimes(w)).toEqual([0, 500, 1500, 3500, 7500]);
    tx.receiveRequest(invite);
    expect(sentTimes(w)).toHaveLength(5);
    tx.receiveAck2xx(new SipRequest('ACK', invite.uri));
    clock.advance(20_000);
    expect(sentTimes(w)).toHaveLength(5);
    expect(tx.acknowledged).toBe(true);
    let ackTimeout = 0;
    tx.on('ackTimeout', () => ackTimeout++);
    clock.advance(10_000);
    expect(tx.state).toBe('terminated');
    expect(ackTimeout).toBe(0);
  });

  it('reports a 2xx never ACKed after timer L, so the TU can hang up', () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const invite = request('INVITE');
    const tx = new ServerTransaction(invite, env(clock), w, { tryingDelayMs: false });
    let ackTimeout = 0;
    tx.on('ackTimeout', () => ackTimeout++);
    tx.respond(createResponse(invite, 200));
    clock.advance(32_000);
    expect(ackTimeout).toBe(1);
    expect(sentTimes(w)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  });

  it('answers a CANCEL with 487 on the INVITE, and refuses one after the final', () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const invite = request('INVITE');
    const tx = new ServerTransaction(invite, env(clock), w, { tryingDelayMs: 0 });
    tx.respond(createResponse(invite, 180, undefined, { toTag: tx.toTag }));
    const cancelled: string[] = [];
    tx.on('cancelled', (c) => cancelled.push(c.method));
    expect(tx.cancel(new SipRequest('CANCEL', invite.uri))).toBe(true);
    expect(cancelled).toEqual(['CANCEL']);
    const statuses = w.sent.map((s) => s.message as SipResponse);
    expect(statuses.map((r) => r.status)).toEqual([100, 180, 487]);
    expect(statuses[2]!.toTag).toBe(statuses[1]!.toTag);
    expect(tx.cancel(new SipRequest('CANCEL', invite.uri))).toBe(false);
  });

  it('refuses a second final and a response after termination', () => {
    const clock = new ManualScheduler();
    const invite = request('INVITE');
    const tx = new ServerTransaction(invite, env(clock), wire(clock, true), { tryingDelayMs: false });
    tx.respond(createResponse(invite, 404));
    expect(tx.state).toBe('completed');
    expect(() => tx.respond(createResponse(invite, 200))).toThrow(SipStackError);
  });
});

describe('non-INVITE server transaction', () => {
  it('absorbs retransmissions in Trying, re-sends the final in Completed, ends after timer J', () => {
    const clock = new ManualScheduler();
    const w = wire(clock);
    const bye = request('BYE');
    const tx = new ServerTransaction(bye, env(clock), w);
    tx.receiveRequest(bye);
    expect(w.sent).toHaveLength(0);
    tx.respond(createResponse(bye, 200));
    tx.receiveRequest(bye);
    tx.receiveRequest(bye);
    expect(w.sent).toHaveLength(3);
    clock.advance(31_999);
    expect(tx.state).toBe('completed');
    clock.advance(1);
    expect(tx.state).toBe('terminated');
  });

  it('ends at once over a reliable transport', () => {
    const clock = new ManualScheduler();
    const bye = request('BYE');
    const tx = new ServerTransaction(bye, env(clock), wire(clock, true));
    tx.respond(createResponse(bye, 200));
    expect(tx.state).toBe('terminated');
  });
});
