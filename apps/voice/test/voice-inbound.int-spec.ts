import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Envelope,
  voiceCallAnsweredV1,
  voiceCallDigitsCollectedV1,
  voiceCallEndedV1,
  voiceCallHeldV1,
  voiceCallStartedV1,
  voiceCommandFailedV1,
  voiceCommandIssuedV1,
  type VoiceCommand,
} from '@parley/contracts';
import { type MediaEngine } from '@parley/media';
import { createEnvelope, type KafkaEventBus } from '@parley/messaging';
import { Dialog, createRequest, SipStack, UdpTransport, type SipDestination } from '@parley/sip';
import { uniqueName } from '@parley/testing';
import { type VoiceNode } from '../src/voice-node';
import { runSipp, startTestVoiceNode, type TestVoiceNode, waitFor } from './voice-test-kit';

describe('voice: inbound calls from a carrier (real SIP, RTP, sipp, Kafka, Redis)', () => {
  const tenantId = randomUUID();
  const number = `+1800555${String(Math.floor(Math.random() * 9000) + 1000)}`;
  const dir = mkdtempSync(join(tmpdir(), 'parley-voice-'));
  const events: Envelope[] = [];
  let voice: TestVoiceNode;
  let bus: KafkaEventBus;
  let media: MediaEngine;
  let node: VoiceNode;
  let target: SipDestination;
  /** Commands the test "IVR" sends when a call starts, keyed by the caller's number. */
  let script: (from: string) => VoiceCommand[] = () => [];

  /** Sends a command the way an at-least-once relay may: sometimes twice, with the same id (voice must act once). */
  const command = async (callId: string, cmd: VoiceCommand, copies = 1): Promise<void> => {
    const envelope = createEnvelope(voiceCommandIssuedV1, tenantId, { callId, commandId: randomUUID(), issuedBy: 'test-ivr', command: cmd });
    for (let i = 0; i < copies; i += 1) await bus.publish([{ ...envelope, id: randomUUID() }]);
  };
  const eventsOf = (callId: string, type: string): Envelope[] => events.filter((e) => e.type === type && (e.payload as { callId: string }).callId === callId);

  beforeAll(async () => {
    voice = await startTestVoiceNode({ rtpPorts: [32000, 32999], dir });
    ({ bus, media, node, target } = voice);

    await bus.subscribe({
      group: uniqueName('test.voice-events'),
      topics: [voiceCallStartedV1, voiceCallAnsweredV1, voiceCallDigitsCollectedV1, voiceCallEndedV1, voiceCommandFailedV1, voiceCallHeldV1],
      handle: async ({ envelope }) => {
        // The broker is shared with other suites' voice nodes: only this suite's tenant's calls are ours to drive.
        if (envelope.tenantId !== tenantId) return;
        events.push(envelope);
        if (envelope.type === voiceCallStartedV1.name) {
          const p = envelope.payload as { callId: string; from: string };
          for (const cmd of script(p.from)) await command(p.callId, cmd, 2);
        }
      },
    });
    await voice.assignNumber(tenantId, 'acme', number);
  }, 90_000);

  afterAll(async () => {
    await voice?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('answers a call to the tenant number, plays a spoken prompt, decodes RFC 4733 DTMF from the carrier, and ends on the caller BYE', async () => {
    script = () => [{ type: 'answer' }, { type: 'collect', prompts: [{ kind: 'text', text: 'Welcome to Acme. Press 1 for sales.', locale: 'en' }], maxDigits: 1, firstDigitTimeoutMs: 8000, interDigitTimeoutMs: 3000 }];
    let maxSent = 0;
    const sampler = setInterval(() => void media.stats().then((s) => (maxSent = Math.max(maxSent, s.rtp.sent))), 200);
    const sipp = await runSipp([`${target.address}:${target.port}`, '-sf', join(__dirname, 'sipp/inbound-dtmf.xml'), '-s', number, '-m', '1', '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(35000 + Math.floor(Math.random() * 1000)), '-mp', String(36000 + 2 * Math.floor(Math.random() * 500)), '-timeout', '30s', '-nostdin', '-trace_err']);
    clearInterval(sampler);
    expect(sipp.code).toBe(0);

    const started = await waitFor('call started', () => events.find((e) => e.type === voiceCallStartedV1.name && (e.payload as { to: string }).to === number));
    const callId = (started.payload as { callId: string }).callId;
    expect(started.tenantId).toBe(tenantId);
    await waitFor('answered', () => eventsOf(callId, voiceCallAnsweredV1.name)[0]);
    const digits = await waitFor('digits', () => eventsOf(callId, voiceCallDigitsCollectedV1.name)[0]);
    expect(digits.payload).toMatchObject({ digits: '1', outcome: 'max-digits' });
    const ended = await waitFor('ended', () => eventsOf(callId, voiceCallEndedV1.name)[0]);
    // Every command came twice (same command id): one collect ran, so one result.
    expect(eventsOf(callId, voiceCallDigitsCollectedV1.name)).toHaveLength(1);
    expect(ended.payload).toMatchObject({ reason: 'caller-hangup' });
    expect((ended.payload as { talkMs: number }).talkMs).toBeGreaterThan(3000);
    // The prompt went out as RTP (50 packets a second while it played).
    expect(maxSent).toBeGreaterThan(50);
  }, 60_000);

  it('answers an unknown number with 404 and an offer with no common codec with 488', async () => {
    const client = new SipStack({ transports: [new UdpTransport({ address: '127.0.0.1', port: 0 })] });
    await client.start();
    try {
      const offer = 'v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
      const invite = (to: string) => createRequest({ method: 'INVITE', uri: `sip:${to}@127.0.0.1`, from: 'sip:carrier@127.0.0.1', to: `sip:${to}@127.0.0.1`, contact: 'sip:carrier@127.0.0.1', body: offer, contentType: 'application/sdp' });
      expect((await client.sendRequest(invite('+19995550000'), target).finalResponse).status).toBe(404);
      const noCodec = createRequest({ method: 'INVITE', uri: `sip:${number}@127.0.0.1`, from: 'sip:carrier@127.0.0.1', to: `sip:${number}@127.0.0.1`, contact: 'sip:carrier@127.0.0.1', body: offer.replace('RTP/AVP 0', 'RTP/AVP 18').replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:18 G729/8000'), contentType: 'application/sdp' });
      expect((await client.sendRequest(noCodec, target).finalResponse).status).toBe(488);
    } finally {
      await client.close();
    }
  });

  it('takes the emergency path when no service commands a new call within 3 s: answers, apologises, hangs up', async () => {
    script = () => [];
    const client = new SipStack({ transports: [new UdpTransport({ address: '127.0.0.1', port: 0 })] });
    await client.start();
    let byeSeen = false;
    client.onRequest((inbound) => {
      if (inbound.method === 'BYE') byeSeen = true;
      inbound.respond(200, 'OK');
    });
    try {
      const offer = 'v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n';
      const invite = createRequest({ method: 'INVITE', uri: `sip:${number}@127.0.0.1`, from: 'sip:+14155550999@127.0.0.1', to: `sip:${number}@127.0.0.1`, contact: 'sip:carrier@127.0.0.1', body: offer, contentType: 'application/sdp' });
      const started = Date.now();
      const tx = client.sendRequest(invite, target);
      const ok = await tx.finalResponse;
      expect(ok.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
      await client.sendAck(Dialog.fromUacResponse(invite, ok, tx.flow ? { flow: tx.flow } : {}).createAck(), undefined, tx);
      await waitFor('the BYE after the apology', () => (byeSeen ? true : undefined), 30_000);
      const ended = await waitFor('ended', () => events.find((e) => e.type === voiceCallEndedV1.name && (e.payload as { reason: string }).reason === 'emergency-fallback'));
      expect((ended.payload as { talkMs: number }).talkMs).toBeGreaterThan(1000);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('answers a command for a call that does not exist with an error event', async () => {
    const callId = randomUUID();
    await command(callId, { type: 'hangup' });
    const failed = await waitFor('command failed', () => eventsOf(callId, voiceCommandFailedV1.name)[0]);
    expect(failed.payload).toMatchObject({ reason: 'unknown-call', commandType: 'hangup' });
  });

  it('ends a ringing call the caller cancels (487), and reports a hold and unhold by re-INVITE', async () => {
    const client = new SipStack({ transports: [new UdpTransport({ address: '127.0.0.1', port: 0 })] });
    await client.start();
    try {
      const offer = (port: number, direction = 'sendrecv') => `v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=${direction}\r\n`;
      script = () => [];
      const ringing = createRequest({ method: 'INVITE', uri: `sip:${number}@127.0.0.1`, from: 'sip:+14155550111@127.0.0.1', to: `sip:${number}@127.0.0.1`, contact: 'sip:carrier@127.0.0.1', body: offer(40010), contentType: 'application/sdp' });
      const tx = client.sendRequest(ringing, target);
      await new Promise<void>((resolve) => tx.on('provisional', (r) => r.status === 180 && resolve()));
      await client.cancel(tx);
      expect((await tx.finalResponse).status).toBe(487);
      const cancelled = await waitFor('ended after CANCEL', () => events.find((e) => e.type === voiceCallEndedV1.name && (e.payload as { talkMs: number; reason: string }).reason === 'caller-hangup' && (e.payload as { talkMs: number }).talkMs === 0));
      expect(cancelled).toBeDefined();

      script = () => [{ type: 'answer' }];
      const invite = createRequest({ method: 'INVITE', uri: `sip:${number}@127.0.0.1`, from: 'sip:+14155550222@127.0.0.1', to: `sip:${number}@127.0.0.1`, contact: 'sip:carrier@127.0.0.1', body: offer(40012), contentType: 'application/sdp' });
      const answerTx = client.sendRequest(invite, target);
      const ok = await answerTx.finalResponse;
      expect(ok.status).toBe(200);
      const dialog = Dialog.fromUacResponse(invite, ok, answerTx.flow ? { flow: answerTx.flow } : {});
      await client.sendAck(dialog.createAck(), undefined, answerTx);
      const hold = dialog.createRequest('INVITE', { body: offer(40012, 'sendonly'), contentType: 'application/sdp' });
      const held = await client.sendRequest(hold, target).finalResponse;
      expect(held.status).toBe(200);
      expect(held.bodyText).toContain('a=recvonly');
      await client.sendAck(dialog.createAck(), target);
      const unhold = dialog.createRequest('INVITE', { body: offer(40012), contentType: 'application/sdp' });
      const resumed = await client.sendRequest(unhold, target).finalResponse;
      expect(resumed.bodyText).toContain('a=sendrecv');
      await client.sendAck(dialog.createAck(), target);
      const bye = await client.sendRequest(dialog.createRequest('BYE'), target).finalResponse;
      expect(bye.status).toBe(200);
      const heldEvents = await waitFor('held and unheld', () => {
        const found = events.filter((e) => e.type === 'voice.call.held.v1');
        return found.length >= 2 ? found : undefined;
      });
      expect(heldEvents.map((e) => (e.payload as { held: boolean }).held).slice(-2)).toEqual([true, false]);
    } finally {
      await client.close();
    }
  }, 60_000);

  // Last: the node stays draining.
  it('refuses new calls with 503 and Retry-After while draining for shutdown', async () => {
    node.drain();
    const client = new SipStack({ transports: [new UdpTransport({ address: '127.0.0.1', port: 0 })] });
    await client.start();
    try {
      const offer = 'v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40004 RTP/AVP 0\r\n';
      const invite = createRequest({ method: 'INVITE', uri: `sip:${number}@127.0.0.1`, from: 'sip:carrier@127.0.0.1', to: `sip:${number}@127.0.0.1`, contact: 'sip:carrier@127.0.0.1', body: offer, contentType: 'application/sdp' });
      const answer = await client.sendRequest(invite, target).finalResponse;
      expect(answer.status).toBe(503);
      expect(Number(answer.headers.get('Retry-After'))).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });
});
