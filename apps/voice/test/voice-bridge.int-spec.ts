import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Envelope,
  voiceCallAnsweredV1,
  voiceCallTransferredV1,
  voiceCallBridgedV1,
  voiceCallEndedV1,
  voiceCallReleasedV1,
  voiceCallStartedV1,
  voiceCallUnbridgedV1,
  voiceCommandFailedV1,
  voiceCommandIssuedV1,
  voiceRecordingCompletedV1,
  voiceSettingsUpdatedV1,
  type VoiceCommand,
} from '@parley/contracts';
import { decodeWav, dominantFrequency, encodeWav, MediaEngine, renderTone, TONE_PATTERNS, toneAmplitude, readWavFile } from '@parley/media';
import { createEnvelope, type KafkaEventBus } from '@parley/messaging';
import { createRequest, Dialog, SipStack, UdpTransport, type SipDestination } from '@parley/sip';
import { uniqueName } from '@parley/testing';
import { readPlainOffer, writePlainSdp } from '../src/calls/rtp-sdp';
import { type VoiceNode } from '../src/voice-node';
import { delay, startTestVoiceNode, type TestVoiceNode, waitFor } from './voice-test-kit';

/**
 * A SIP endpoint with real RTP (its own media engine) that plays a tone: the caller (a carrier's
 * customer) or the far end reached through a trunk.
 */
class TonePhone {
  readonly stack = new SipStack({ transports: [new UdpTransport({ address: '127.0.0.1', port: 0 })] });
  readonly media: MediaEngine;
  constructor(
    readonly tonePath: string,
    ports: [number, number],
  ) {
    this.media = new MediaEngine({ bindAddress: '127.0.0.1', portMin: ports[0], portMax: ports[1] });
  }
  get destination(): SipDestination {
    const a = this.stack.transport('udp')!.sentBy;
    return { transport: 'udp', address: a.address, port: a.port };
  }
  async close(): Promise<void> {
    await this.stack.close();
    await this.media.close();
  }
}

const NEVER_ANSWERS = '+14155550199';
/** A far end that answers with 1.5 kHz (the others with 1 kHz) and records what it hears. */
const SECOND_TARGET = '+14155550166';
/** The notes of the music on hold (the default rendered melody). */
const HOLD_NOTES = [...new Set(TONE_PATTERNS.holdMelody.flatMap((segment) => segment.frequencies))];

/** A call the far end answered: its SIP Call-ID, the number dialled, its media, and (SECOND_TARGET) the file of what it heard. */
interface FarCall {
  sipCallId: string;
  number: string;
  mediaId: string;
  heard?: string;
}

/** A caller of the tests: INVITE with its own RTP leg recording what it hears. */
async function placeCall(caller: TonePhone, node: VoiceNode, number: string, dir: string): Promise<{ mediaId: string; tx: ReturnType<SipStack['sendRequest']>; invite: ReturnType<typeof createRequest>; heard: string }> {
  const mediaId = randomUUID();
  await caller.media.createCall(mediaId);
  const leg = await caller.media.createLeg(mediaId, 'me', { codec: 'pcmu', telephoneEventPt: 101, remote: null });
  const heard = join(dir, `${mediaId}.wav`);
  await caller.media.startRecording(mediaId, { path: heard, left: 'me', right: 'me' });
  const offer = writePlainSdp({ address: '127.0.0.1', port: leg.port, codec: 'pcmu', payloadType: 0, telephoneEventPt: 101, direction: 'sendrecv', sessionId: 9, sessionVersion: 1 });
  const target = { transport: 'udp' as const, ...node.stack.transport('udp')!.sentBy };
  const invite = createRequest({ method: 'INVITE', uri: `sip:${number}@127.0.0.1`, from: 'sip:+14155550100@127.0.0.1', to: `sip:${number}@127.0.0.1`, contact: `sip:caller@127.0.0.1:${caller.destination.port}`, body: offer, contentType: 'application/sdp' });
  const tx = caller.stack.sendRequest(invite, target);
  // Early media (183) or the answer (200) tells the caller where our RTP comes from.
  const pointAt = (sdp: string): void => {
    const remote = readPlainOffer(sdp);
    void caller.media.updateLeg(mediaId, 'me', { address: remote.address, port: remote.port });
  };
  tx.on('provisional', (r) => r.body.length > 0 && pointAt(r.bodyText));
  void tx.finalResponse.then((r) => r.status === 200 && pointAt(r.bodyText));
  return { mediaId, tx, invite, heard };
}

describe('voice: a caller bridged to an outside number through the trunks (primary fails, backup answers), recorded in stereo', () => {
  const tenantId = randomUUID();
  const number = `+1800556${String(Math.floor(Math.random() * 9000) + 1000)}`;
  const dir = mkdtempSync(join(tmpdir(), 'parley-bridge-'));
  const events: Envelope[] = [];
  let script: (callId: string) => VoiceCommand[] = () => [];
  let voice: TestVoiceNode;
  let bus: KafkaEventBus;
  let node: VoiceNode;
  let primary: SipStack;
  let caller: TonePhone;
  let farEnd: TonePhone;
  const farCalls: FarCall[] = [];
  /** SIP Call-IDs of the far end's calls that got BYE. */
  const farByes: string[] = [];
  // RTP ranges of this run (other suites and benchmarks may hold ports elsewhere).
  const base = 45_000 + 300 * Math.floor(Math.random() * 50);

  beforeAll(async () => {
    writeFileSync(join(dir, 'caller-440.wav'), encodeWav(renderTone({ frequencies: [440], durationMs: 20_000, amplitude: 8000 })));
    writeFileSync(join(dir, 'far-1000.wav'), encodeWav(renderTone({ frequencies: [1000], durationMs: 20_000, amplitude: 8000 })));
    writeFileSync(join(dir, 'far-1500.wav'), encodeWav(renderTone({ frequencies: [1500], durationMs: 20_000, amplitude: 8000 })));
    writeFileSync(join(dir, 'caller-300.wav'), encodeWav(renderTone({ frequencies: [300], durationMs: 20_000, amplitude: 8000 })));
    // Primary trunk: a carrier proxy that fails every call (503).
    primary = new SipStack({ transports: [new UdpTransport({ address: '127.0.0.1', port: 0 })] });
    primary.onRequest((inbound) => void inbound.respond(503, 'Service Unavailable'));
    await primary.start();
    // Backup trunk: the far end answers and plays 1 kHz.
    farEnd = new TonePhone(join(dir, 'far-1000.wav'), [base, base + 99]);
    farEnd.stack.onRequest(async (inbound) => {
      if (inbound.method === 'BYE') {
        inbound.respond(200, 'OK');
        farByes.push(inbound.request.callId);
        const ended = farCalls.find((c) => c.sipCallId === inbound.request.callId);
        if (ended) await farEnd.media.hangup(ended.mediaId);
        return;
      }
      if (inbound.method !== 'INVITE' || inbound.request.toTag !== undefined) return void inbound.respond(200, 'OK');
      const offer = readPlainOffer(inbound.request.bodyText);
      const id = randomUUID();
      const second = inbound.request.uri.includes(SECOND_TARGET);
      await farEnd.media.createCall(id);
      const leg = await farEnd.media.createLeg(id, 'far', { codec: offer.codec, telephoneEventPt: null, remote: { address: offer.address, port: offer.port } });
      await farEnd.media.play(id, 'far', { kind: 'file', path: second ? join(dir, 'far-1500.wav') : farEnd.tonePath });
      const heard = second ? join(dir, `far-heard-${id}.wav`) : undefined;
      if (heard) await farEnd.media.startRecording(id, { path: heard, left: 'far', right: null });
      farCalls.push({ sipCallId: inbound.request.callId, number: decodeURIComponent(/^sips?:([^@;]+)/.exec(inbound.request.uri)?.[1] ?? ''), mediaId: id, ...(heard ? { heard } : {}) });
      const sdp = writePlainSdp({ address: '127.0.0.1', port: leg.port, codec: offer.codec, payloadType: offer.payloadType, telephoneEventPt: null, direction: 'sendrecv', sessionId: 7, sessionVersion: 1 });
      if (inbound.request.uri.includes(NEVER_ANSWERS)) {
        // Announcements as early media, and no answer: only 183's media can reach the caller.
        inbound.on('cancelled', () => void farEnd.media.hangup(id));
        inbound.respond(183, 'Session Progress', { Contact: `<sip:far@127.0.0.1:${farEnd.destination.port}>`, 'Content-Type': 'application/sdp' }, sdp);
        return;
      }
      inbound.respond(200, 'OK', { Contact: `<sip:far@127.0.0.1:${farEnd.destination.port}>`, 'Content-Type': 'application/sdp' }, writePlainSdp({ address: '127.0.0.1', port: leg.port, codec: offer.codec, payloadType: offer.payloadType, telephoneEventPt: null, direction: 'sendrecv', sessionId: 7, sessionVersion: 1 }));
    });
    await farEnd.stack.start();
    caller = new TonePhone(join(dir, 'caller-440.wav'), [base + 100, base + 199]);
    caller.stack.onRequest((inbound) => void inbound.respond(200, 'OK'));
    await caller.stack.start();

    voice = await startTestVoiceNode({
      rtpPorts: [base + 200, base + 299],
      dir,
      trunks: [
        { name: 'primary', destination: { transport: 'udp', ...primary.transport('udp')!.sentBy } },
        { name: 'backup', destination: farEnd.destination },
      ],
    });
    ({ bus, node } = voice);
    await bus.subscribe({
      group: uniqueName('test.bridge-events'),
      topics: [voiceCallStartedV1, voiceCallAnsweredV1, voiceCallTransferredV1, voiceCallBridgedV1, voiceRecordingCompletedV1, voiceCommandFailedV1, voiceCallEndedV1, voiceCallReleasedV1, voiceCallUnbridgedV1],
      handle: async ({ envelope }) => {
        // The broker is shared with other suites' voice nodes: only this suite's tenant's calls are ours to drive.
        if (envelope.tenantId !== tenantId) return;
        events.push(envelope);
        if (envelope.type === voiceCallStartedV1.name) {
          const callId = (envelope.payload as { callId: string }).callId;
          for (const command of script(callId)) {
            await bus.publish([createEnvelope(voiceCommandIssuedV1, tenantId, { callId, commandId: randomUUID(), issuedBy: 'test-acd', command })]);
          }
        }
      },
    });
    await voice.assignNumber(tenantId, 'bridge', number);
  }, 90_000);

  afterAll(async () => {
    await voice?.close();
    await caller?.close();
    await farEnd?.close();
    await primary?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('retries the failed primary trunk on the backup, bridges both ways, and records caller left / far end right', async () => {
    // Recording starts before the bridge, as an IVR does at answer: the far end must still land on the right.
    script = () => [{ type: 'answer' }, { type: 'record-start', channels: 'stereo' }, { type: 'bridge-number', number: '+14155550188', ringTimeoutMs: 10_000, afterHangup: 'end' }];
    const callMedia = randomUUID();
    await caller.media.createCall(callMedia);
    const leg = await caller.media.createLeg(callMedia, 'me', { codec: 'pcmu', telephoneEventPt: 101, remote: null });
    const offer = writePlainSdp({ address: '127.0.0.1', port: leg.port, codec: 'pcmu', payloadType: 0, telephoneEventPt: 101, direction: 'sendrecv', sessionId: 9, sessionVersion: 1 });
    const target = { transport: 'udp' as const, ...node.stack.transport('udp')!.sentBy };
    const invite = createRequest({ method: 'INVITE', uri: `sip:${number}@127.0.0.1`, from: 'sip:+14155550100@127.0.0.1', to: `sip:${number}@127.0.0.1`, contact: `sip:caller@127.0.0.1:${caller.destination.port}`, body: offer, contentType: 'application/sdp' });
    const tx = caller.stack.sendRequest(invite, target);
    const ok = await tx.finalResponse;
    expect(ok.status).toBe(200);
    const answer = readPlainOffer(ok.bodyText);
    await caller.media.updateLeg(callMedia, 'me', { address: answer.address, port: answer.port });
    await caller.media.play(callMedia, 'me', { kind: 'file', path: caller.tonePath });
    const dialog = Dialog.fromUacResponse(invite, ok, tx.flow ? { flow: tx.flow } : {});
    await caller.stack.sendAck(dialog.createAck(), undefined, tx);

    const started = await waitFor('started', () => events.find((e) => e.type === voiceCallStartedV1.name && (e.payload as { to: string }).to === number));
    const ours = (e: Envelope): boolean => (e.payload as { callId: string }).callId === (started.payload as { callId: string }).callId;
    const bridged = await waitFor('bridged', () => events.find((e) => e.type === voiceCallBridgedV1.name && ours(e)));
    expect(bridged.payload).toMatchObject({ target: { kind: 'number', number: '+14155550188' } });
    const callId = (bridged.payload as { callId: string }).callId;
    await delay(3000);
    expect(events.filter((e) => e.type === voiceCommandFailedV1.name && (e.payload as { callId: string }).callId === callId).map((e) => e.payload)).toEqual([]);
    expect((await caller.stack.sendRequest(dialog.createRequest('BYE'), target).finalResponse).status).toBe(200);
    await caller.media.hangup(callMedia);

    const recorded = await waitFor('recording', () => events.find((e) => e.type === voiceRecordingCompletedV1.name && ours(e)));
    const { file, durationMs } = recorded.payload as { file: string; durationMs: number };
    expect(durationMs).toBeGreaterThan(2500);
    const wav = decodeWav(readFileSync(file));
    expect(wav.channels).toBe(2);
    const left = wav.samples.filter((_, i) => i % 2 === 0);
    const right = wav.samples.filter((_, i) => i % 2 === 1);
    // Look at the last two seconds (after the bridge).
    const span = (ch: Int16Array) => ch.subarray(ch.length - 16000, ch.length - 2000);
    expect(toneAmplitude(span(left), 440)).toBeGreaterThan(5 * toneAmplitude(span(left), 1000));
    expect(toneAmplitude(span(right), 1000)).toBeGreaterThan(5 * toneAmplitude(span(right), 440));
  }, 60_000);

  /** What the caller heard (its own recording of its inbound audio). */
  async function heardTones(call: { mediaId: string; heard: string }): Promise<{ at1000: number; at440: number }> {
    await caller.media.stopRecording(call.mediaId);
    const wav = await readWavFile(call.heard);
    const mono = wav.samples.filter((_, i) => i % 2 === 0);
    return { at1000: toneAmplitude(mono, 1000), at440: toneAmplitude(mono, 440) };
  }

  const endedOf = (callId: string): Envelope | undefined => events.find((e) => e.type === voiceCallEndedV1.name && (e.payload as { callId: string }).callId === callId);

  it('plays a prompt before the answer as early media (183 with SDP), and a CANCEL ends the ringing call', async () => {
    script = () => [{ type: 'play', prompts: [{ kind: 'file', uri: join(dir, 'far-1000.wav') }], bargeIn: false }];
    const call = await placeCall(caller, node, number, dir);
    const progress = await new Promise<number>((resolve) => call.tx.on('provisional', (r) => r.status === 183 && resolve(r.status)));
    expect(progress).toBe(183);
    await delay(2000);
    await caller.stack.cancel(call.tx);
    expect((await call.tx.finalResponse).status).toBe(487);
    const started = events.filter((e) => e.type === voiceCallStartedV1.name).at(-1)!;
    const callId = (started.payload as { callId: string }).callId;
    const ended = await waitFor('ended', () => endedOf(callId));
    expect(ended.payload).toMatchObject({ reason: 'caller-hangup', talkMs: 0 });
    const heard = await heardTones(call);
    expect(heard.at1000).toBeGreaterThan(5 * heard.at440);
    expect(heard.at1000).toBeGreaterThan(500);
    await caller.media.hangup(call.mediaId);
  }, 30_000);

  it("lets an answered caller hear the far end's early media (183) while the number rings, then reports the unanswered bridge with its SIP status", async () => {
    script = () => [{ type: 'answer' }, { type: 'bridge-number', number: NEVER_ANSWERS, ringTimeoutMs: 3000, afterHangup: 'end' }];
    const call = await placeCall(caller, node, number, dir);
    const ok = await call.tx.finalResponse;
    expect(ok.status).toBe(200);
    const dialog = Dialog.fromUacResponse(call.invite, ok, call.tx.flow ? { flow: call.tx.flow } : {});
    await caller.stack.sendAck(dialog.createAck(), undefined, call.tx);
    const callId = ((events.filter((e) => e.type === voiceCallStartedV1.name).at(-1)!.payload) as { callId: string }).callId;
    const failed = await waitFor('the bridge to fail', () => events.find((e) => e.type === voiceCommandFailedV1.name && (e.payload as { callId: string }).callId === callId), 15_000);
    expect(failed.payload).toMatchObject({ commandType: 'bridge-number', reason: 'failed', sipStatus: 487 });
    const heard = await heardTones(call);
    expect(heard.at1000).toBeGreaterThan(5 * heard.at440);
    expect((await caller.stack.sendRequest(dialog.createRequest('BYE'), voice.target).finalResponse).status).toBe(200);
    await caller.media.hangup(call.mediaId);
  }, 30_000);

  it("takes the emergency path when no service commands a new call: the tenant's fallback prompt, then its backup number", async () => {
    await bus.publish([
      createEnvelope(voiceSettingsUpdatedV1, tenantId, { tenantId, revision: 1, backupNumber: '+14155550188', fallbackPrompt: { text: 'We are forwarding your call.', locale: 'en' }, updatedAt: new Date().toISOString() }),
    ]);
    await waitFor('the settings in the directory', () => node.directory.voiceSettingsOf(tenantId).backupNumber ?? undefined);
    script = () => [];
    const call = await placeCall(caller, node, number, dir);
    const ok = await call.tx.finalResponse;
    expect(ok.status).toBe(200);
    const dialog = Dialog.fromUacResponse(call.invite, ok, call.tx.flow ? { flow: call.tx.flow } : {});
    await caller.stack.sendAck(dialog.createAck(), undefined, call.tx);
    const callId = ((events.filter((e) => e.type === voiceCallStartedV1.name).at(-1)!.payload) as { callId: string }).callId;
    const bridged = await waitFor('forwarded to the backup number', () => events.find((e) => e.type === voiceCallBridgedV1.name && (e.payload as { callId: string }).callId === callId), 30_000);
    expect(bridged.payload).toMatchObject({ target: { kind: 'number', number: '+14155550188' } });
    await delay(2000);
    expect((await caller.stack.sendRequest(dialog.createRequest('BYE'), voice.target).finalResponse).status).toBe(200);
    const ended = await waitFor('ended', () => endedOf(callId));
    expect(ended.payload).toMatchObject({ reason: 'caller-hangup' });
    // The prompt first (speech: no 1 kHz), then the backup number's 1 kHz.
    await caller.media.stopRecording(call.mediaId);
    const wav = await readWavFile(call.heard);
    const mono = wav.samples.filter((_, i) => i % 2 === 0);
    const tail = mono.subarray(mono.length - 12_000);
    expect(toneAmplitude(tail, 1000)).toBeGreaterThan(5 * toneAmplitude(tail, 440));
    await caller.media.hangup(call.mediaId);
  }, 60_000);

  it('originates an outbound call through the trunks (primary fails, backup answers): announced, answered, recorded, hung up by command', async () => {
    const callId = randomUUID();
    await bus.publish([createEnvelope(voiceCommandIssuedV1, tenantId, { callId, commandId: randomUUID(), issuedBy: 'test-acd', command: { type: 'originate', to: '+14155550188', callerId: number, ringTimeoutMs: 10_000 } })]);
    const started = await waitFor('started', () => events.find((e) => e.type === voiceCallStartedV1.name && (e.payload as { callId: string }).callId === callId));
    expect(started.payload).toMatchObject({ direction: 'outbound', from: number, to: '+14155550188' });
    await waitFor('answered', () => events.find((e) => e.type === voiceCallAnsweredV1.name && (e.payload as { callId: string }).callId === callId));
    await bus.publish([createEnvelope(voiceCommandIssuedV1, tenantId, { callId, commandId: randomUUID(), issuedBy: 'test-acd', command: { type: 'record-start', channels: 'stereo' } })]);
    await delay(2000);
    await bus.publish([createEnvelope(voiceCommandIssuedV1, tenantId, { callId, commandId: randomUUID(), issuedBy: 'test-acd', command: { type: 'hangup' } })]);
    const ended = await waitFor('ended', () => endedOf(callId));
    expect(ended.payload).toMatchObject({ reason: 'command' });
    // The called party (1 kHz) is the customer: the left channel.
    const recorded = await waitFor('recording', () => events.find((e) => e.type === voiceRecordingCompletedV1.name && (e.payload as { callId: string }).callId === callId));
    const wav = decodeWav(readFileSync((recorded.payload as { file: string }).file));
    const left = wav.samples.filter((_, i) => i % 2 === 0);
    expect(toneAmplitude(left, 1000)).toBeGreaterThan(5 * toneAmplitude(left, 440));
    expect(events.filter((e) => e.type === voiceCommandFailedV1.name && (e.payload as { callId: string }).callId === callId)).toEqual([]);
  }, 30_000);

  it('reports an outbound call nobody answers: the originate fails with the SIP status and the call ends as no-answer', async () => {
    const callId = randomUUID();
    const commandId = randomUUID();
    await bus.publish([createEnvelope(voiceCommandIssuedV1, tenantId, { callId, commandId, issuedBy: 'test-acd', command: { type: 'originate', to: NEVER_ANSWERS, callerId: number, ringTimeoutMs: 2000 } })]);
    const failed = await waitFor('failed', () => events.find((e) => e.type === voiceCommandFailedV1.name && (e.payload as { callId: string }).callId === callId), 15_000);
    expect(failed.payload).toMatchObject({ commandId, commandType: 'originate', reason: 'failed', sipStatus: 487 });
    const ended = await waitFor('ended', () => endedOf(callId));
    expect(ended.payload).toMatchObject({ reason: 'no-answer', sipStatus: 487, talkMs: 0 });
  }, 30_000);

  it('transfers a bridged call blind by command: the far end leaves, the caller is bridged to the new target', async () => {
    script = () => [{ type: 'answer' }, { type: 'bridge-number', number: '+14155550188', ringTimeoutMs: 10_000, afterHangup: 'end' }];
    const call = await placeCall(caller, node, number, dir);
    const ok = await call.tx.finalResponse;
    expect(ok.status).toBe(200);
    const dialog = Dialog.fromUacResponse(call.invite, ok, call.tx.flow ? { flow: call.tx.flow } : {});
    await caller.stack.sendAck(dialog.createAck(), undefined, call.tx);
    const callId = ((events.filter((e) => e.type === voiceCallStartedV1.name).at(-1)!.payload) as { callId: string }).callId;
    const bridgedTo = () => events.filter((e) => e.type === voiceCallBridgedV1.name && (e.payload as { callId: string }).callId === callId);
    await waitFor('bridged', () => bridgedTo()[0]);
    await bus.publish([createEnvelope(voiceCommandIssuedV1, tenantId, { callId, commandId: randomUUID(), issuedBy: 'test-cti', command: { type: 'transfer', target: { kind: 'number', number: '+14155550177' } } })]);
    const transferred = await waitFor('transferred', () => events.find((e) => e.type === voiceCallTransferredV1.name && (e.payload as { callId: string }).callId === callId));
    expect(transferred.payload).toMatchObject({ target: { kind: 'number', number: '+14155550177' }, by: 'command' });
    await waitFor('bridged again', () => bridgedTo()[1]);
    expect(bridgedTo()[1]!.payload).toMatchObject({ target: { kind: 'number', number: '+14155550177' } });
    await delay(1500);
    expect((await caller.stack.sendRequest(dialog.createRequest('BYE'), voice.target).finalResponse).status).toBe(200);
    await waitFor('ended', () => endedOf(callId));
    // The caller heard the far ends (1 kHz), with music while the new target rang.
    const heard = await heardTones(call);
    expect(heard.at1000).toBeGreaterThan(5 * heard.at440);
    expect(events.filter((e) => e.type === voiceCommandFailedV1.name && (e.payload as { callId: string }).callId === callId)).toEqual([]);
    await caller.media.hangup(call.mediaId);
  }, 30_000);

  /** What the caller hears over the next `ms` (a fresh recording of its inbound audio). */
  async function listen(call: { mediaId: string }, ms: number): Promise<Int16Array> {
    const path = join(dir, `listen-${randomUUID()}.wav`);
    await caller.media.startRecording(call.mediaId, { path, left: 'me', right: null });
    await delay(ms);
    await caller.media.stopRecording(call.mediaId);
    const wav = await readWavFile(path);
    return wav.samples.filter((_, i) => i % 2 === 0);
  }

  /** In 200 ms blocks: how many carry the hold melody, and how many each tone (clearly, as the strongest of all). */
  function blocks(samples: Int16Array): { melody: number; at1000: number; at1500: number; count: number } {
    const tones = [1000, 1500, 300];
    const found = { melody: 0, at1000: 0, at1500: 0, count: 0 };
    for (let start = 0; start + 1600 <= samples.length; start += 1600) {
      found.count += 1;
      const strongest = dominantFrequency(samples, [...HOLD_NOTES, ...tones], 8000, start, 1600);
      if (strongest.amplitude < 500 || strongest.share < 0.5) continue;
      if (HOLD_NOTES.includes(strongest.frequency)) found.melody += 1;
      else if (strongest.frequency === 1000) found.at1000 += 1;
      else if (strongest.frequency === 1500) found.at1500 += 1;
    }
    return found;
  }

  it('releases the bridged party by command: it gets BYE, the caller waits on music (no unbridged event, no command timer), then a new bridge connects another number both ways', async () => {
    script = () => [{ type: 'answer' }, { type: 'record-start', channels: 'stereo' }];
    const call = await placeCall(caller, node, number, dir);
    const ok = await call.tx.finalResponse;
    expect(ok.status).toBe(200);
    const dialog = Dialog.fromUacResponse(call.invite, ok, call.tx.flow ? { flow: call.tx.flow } : {});
    await caller.stack.sendAck(dialog.createAck(), undefined, call.tx);
    // The caller speaks (300 Hz) all along.
    await caller.media.play(call.mediaId, 'me', { kind: 'file', path: join(dir, 'caller-300.wav') });
    const callId = ((events.filter((e) => e.type === voiceCallStartedV1.name).at(-1)!.payload) as { callId: string }).callId;
    const ofCall = (type: string): Envelope[] => events.filter((e) => e.type === type && (e.payload as { callId: string }).callId === callId);
    const issue = (command: VoiceCommand): Promise<void> => bus.publish([createEnvelope(voiceCommandIssuedV1, tenantId, { callId, commandId: randomUUID(), issuedBy: 'test-acd', command })]);

    // Nobody is bridged yet: refused, naming why.
    await issue({ type: 'release' });
    const refused = await waitFor('release refused', () => ofCall(voiceCommandFailedV1.name)[0]);
    expect(refused.payload).toMatchObject({ commandType: 'release', reason: 'invalid-state', detail: 'release needs a bridged party (agent or number); nobody is bridged to the call' });

    // Bridged with afterHangup continue: the far end hanging up would publish unbridged; a release must not.
    await issue({ type: 'bridge-number', number: '+14155550188', ringTimeoutMs: 10_000, afterHangup: 'continue' });
    await waitFor('bridged', () => ofCall(voiceCallBridgedV1.name)[0]);
    const first = farCalls.at(-1)!;
    expect(first.number).toBe('+14155550188');
    const talking = blocks(await listen(call, 1500));
    expect(talking.at1000).toBeGreaterThanOrEqual(talking.count - 2);

    await issue({ type: 'release' });
    const released = await waitFor('released', () => ofCall(voiceCallReleasedV1.name)[0]);
    expect(released.payload).toMatchObject({ party: { kind: 'number', number: '+14155550188' }, by: 'command' });
    await waitFor('the far end to get BYE', () => (farByes.includes(first.sipCallId) ? true : undefined), 5000);
    // Longer than the 3 s command timer: the caller hears music and nobody, and the call stays up.
    const waiting = blocks(await listen(call, 4500));
    expect(waiting.melody).toBeGreaterThanOrEqual(4);
    expect(waiting.at1000).toBe(0);
    expect(ofCall(voiceCallEndedV1.name)).toEqual([]);
    expect(ofCall(voiceCallUnbridgedV1.name)).toEqual([]);
    expect(ofCall(voiceCallTransferredV1.name)).toEqual([]);

    // The releaser bridges the call again, to another number: the music stops, audio flows both ways.
    await issue({ type: 'bridge-number', number: SECOND_TARGET, ringTimeoutMs: 10_000, afterHangup: 'end' });
    const again = await waitFor('bridged again', () => ofCall(voiceCallBridgedV1.name)[1]);
    expect(again.payload).toMatchObject({ target: { kind: 'number', number: SECOND_TARGET } });
    const second = farCalls.at(-1)!;
    expect(second.number).toBe(SECOND_TARGET);
    const talkingAgain = blocks(await listen(call, 2000));
    expect(talkingAgain.melody).toBe(0);
    expect(talkingAgain.at1500).toBeGreaterThanOrEqual(talkingAgain.count - 2);

    expect((await caller.stack.sendRequest(dialog.createRequest('BYE'), voice.target).finalResponse).status).toBe(200);
    expect(await waitFor('ended', () => endedOf(callId))).toMatchObject({ payload: { reason: 'caller-hangup' } });
    await caller.media.hangup(call.mediaId);
    // The new far end heard the caller (its recording is finished once it got BYE).
    await waitFor('the second far end to get BYE', () => (farByes.includes(second.sipCallId) ? true : undefined), 5000);
    const farHeard = (await readWavFile(second.heard!)).samples.filter((_, i) => i % 2 === 0);
    expect(toneAmplitude(farHeard, 300)).toBeGreaterThan(2000);
    expect(toneAmplitude(farHeard, 1000)).toBeLessThan(300);
    // The call's recording: the caller on the left, the new far end on the right at the end.
    const recorded = await waitFor('recording', () => ofCall(voiceRecordingCompletedV1.name)[0]);
    const wav = decodeWav(readFileSync((recorded.payload as { file: string }).file));
    const left = wav.samples.filter((_, i) => i % 2 === 0);
    const right = wav.samples.filter((_, i) => i % 2 === 1);
    const tail = (ch: Int16Array): Int16Array => ch.subarray(ch.length - 12_000, ch.length - 2000);
    expect(toneAmplitude(tail(left), 300)).toBeGreaterThan(2000);
    expect(toneAmplitude(tail(right), 1500)).toBeGreaterThan(5 * toneAmplitude(tail(right), 1000));
    expect(ofCall(voiceCommandFailedV1.name)).toHaveLength(1);
  }, 60_000);
});
