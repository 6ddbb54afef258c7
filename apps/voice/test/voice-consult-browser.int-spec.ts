// Consultation (attended transfer) and three-way conference through a real voice node: a carrier's
// caller (sipp, echoing what it hears, so the caller's channel of the recording is what the caller
// heard) bridged to an agent's browser (jssip in headless Chromium, WebRTC), who consults or
// conferences a second agent's browser. Audio is checked by the browsers' getStats energy and by
// the recording.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Envelope, type VoiceCommand } from '@parley/contracts';
import { decodeWav, dominantFrequency, rms, TONE_PATTERNS } from '@parley/media';
import { AGENT_PAGE, type AgentSoftphone, BrowserHarness, bundleJssip } from '@parley/testing';
import { BrowserVoiceNode, heardOver, keepPeerConnections, peakLevels } from './browser-voice-kit';
import { delay, waitFor } from './voice-test-kit';

/** The notes of the music on hold (the default rendered melody). */
const HOLD_NOTES = [...new Set(TONE_PATTERNS.holdMelody.flatMap((segment) => segment.frequencies))];
/** Its arpeggio (single notes), where the browsers' fake microphones put no sound of their own. */
const ARPEGGIO = TONE_PATTERNS.holdMelody.filter((segment) => segment.frequencies.length === 1).map((segment) => segment.frequencies[0]!);
/** A few frequencies the melody does not use, to tell a note from broadband sound. */
const OTHER_TONES = [300, 1000, 1400, 2000];

type Payload = Record<string, unknown>;

describe('voice: consultation and conference between a sipp caller and two jssip agents in Chromium', () => {
  const firstAgentId = randomUUID();
  const secondAgentId = randomUUID();
  let voice: BrowserVoiceNode;
  let browser: BrowserHarness;
  let first: AgentSoftphone;
  let second: AgentSoftphone;

  const events = (): Envelope[] => voice.events;
  const ofType = (type: string, callId: string): Envelope[] => voice.ofType(type, callId);
  const payloads = (type: string, callId: string): Payload[] => ofType(type, callId).map((e) => e.payload as Payload);
  const command = (callId: string, c: VoiceCommand): Promise<void> => voice.command(callId, c);
  const callFromCarrier = (): ReturnType<BrowserVoiceNode['callFromCarrier']> => voice.callFromCarrier(join(__dirname, 'sipp/inbound-echo.xml'), ['-rtp_echo']);
  const ringing = (phone: AgentSoftphone, index: number): ReturnType<AgentSoftphone['waitForCall']> => phone.waitForCall(index);

  /** The caller's channel (left) of the call's recording, in 200 ms blocks: how many carry the hold melody, how many are loud. */
  function callerChannel(callId: string): { melodyBlocks: number; loudBlocks: number; blocks: number } {
    const recorded = payloads('voice.call.recording-completed.v1', callId)[0]!;
    const wav = decodeWav(readFileSync(recorded.file as string));
    const left = wav.samples.filter((_, i) => i % 2 === 0);
    let melodyBlocks = 0;
    let loudBlocks = 0;
    const size = 1600;
    for (let start = 0; start + size <= left.length; start += size) {
      if (rms(left, start, size) > 100) loudBlocks += 1;
      const strongest = dominantFrequency(left, [...HOLD_NOTES, ...OTHER_TONES], 8000, start, size);
      if (HOLD_NOTES.includes(strongest.frequency) && strongest.amplitude > 500 && strongest.share > 0.5) melodyBlocks += 1;
    }
    return { melodyBlocks, loudBlocks, blocks: Math.floor(left.length / size) };
  }

  beforeAll(async () => {
    voice = await BrowserVoiceNode.start({
      name: 'voice-consult-test',
      slug: 'consultco',
      number: '+18005550178',
      userIds: [firstAgentId, secondAgentId],
      rtpBase: 46000 + 2 * Math.floor(Math.random() * 1500),
    });
    browser = await BrowserHarness.launch({ '/jssip.js': await bundleJssip(), '/agent.html': AGENT_PAGE });
    first = await voice.softphoneFor(browser, firstAgentId);
    second = await voice.softphoneFor(browser, secondAgentId);
    await keepPeerConnections(first);
    await keepPeerConnections(second);
  }, 60_000);

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await browser?.close();
    await voice?.close();
  }, 30_000);

  /** A new call from sipp, answered, recorded and bridged to the first agent (its softphone's call `index`). */
  async function callBridgedToFirstAgent(index: number): Promise<{ callId: string; sipp: ReturnType<BrowserVoiceNode['callFromCarrier']> }> {
    voice.script = () => [{ type: 'answer' }, { type: 'record-start', channels: 'stereo' }, { type: 'bridge-agent', agentId: firstAgentId, ringTimeoutMs: 20_000, afterHangup: 'end' }];
    const known = new Set(events().filter((e) => e.type === 'voice.call.started.v1').map((e) => (e.payload as { callId: string }).callId));
    const sipp = callFromCarrier();
    const started = await waitFor('the call to start', () => events().find((e) => e.type === 'voice.call.started.v1' && !known.has((e.payload as { callId: string }).callId)));
    const callId = (started.payload as { callId: string }).callId;
    expect((await ringing(first, index)).callId).toBe(callId);
    await first.answer(index);
    await waitFor('bridged to the first agent', () => ofType('voice.call.bridged.v1', callId)[0]);
    return { callId, sipp };
  }

  it('consults a second agent (the caller hears music, the agents hear each other), then completes: the caller and the second agent talk, the first agent got BYE', async () => {
    const { callId, sipp } = await callBridgedToFirstAgent(0);
    await delay(1500);

    // Commands that do not fit the state are refused, naming why.
    await command(callId, { type: 'consult-complete' });
    await waitFor('consult-complete refused', () => payloads('voice.command.failed.v1', callId)[0]);
    expect(payloads('voice.command.failed.v1', callId)[0]).toMatchObject({ commandType: 'consult-complete', reason: 'invalid-state', detail: 'consult-complete needs a consultation in progress; there is none' });

    await command(callId, { type: 'consult', target: { kind: 'agent', agentId: secondAgentId }, ringTimeoutMs: 20_000 });
    expect(await waitFor('consultation started', () => payloads('voice.call.consultation-started.v1', callId)[0])).toMatchObject({ target: { kind: 'agent', agentId: secondAgentId }, purpose: 'consult' });
    expect((await ringing(second, 0)).callId).toBe(callId);
    await second.answer(0);
    await waitFor('consultation answered', () => payloads('voice.call.consultation-answered.v1', callId)[0]);

    // The agents hear each other (the caller, on hold, is heard by nobody: it only echoes its music).
    await delay(1000);
    const [firstHeard, secondHeard] = await heardOver([{ phone: first, index: 0 }, { phone: second, index: 0 }], 2500);
    expect(firstHeard).toBeGreaterThan(0);
    expect(secondHeard).toBeGreaterThan(0);
    // Nobody hears the caller: its echo of the music does not reach the agents (measured here: about
    // -60 to -70 dBFS at the melody's notes; -36 dBFS when the caller is not held in the mix).
    const melodyAtFirstAgent = await peakLevels(first, 0, ARPEGGIO, 3000);
    expect(Math.max(...melodyAtFirstAgent)).toBeLessThan(-50);

    await command(callId, { type: 'consult-complete' });
    await waitFor('transferred', () => payloads('voice.call.transferred.v1', callId)[0]);
    expect(payloads('voice.call.consultation-ended.v1', callId)).toEqual([expect.objectContaining({ target: { kind: 'agent', agentId: secondAgentId }, outcome: 'completed' })]);
    expect(payloads('voice.call.transferred.v1', callId)[0]).toMatchObject({ target: { kind: 'agent', agentId: secondAgentId }, by: 'command', attended: true });
    await waitFor('bridged to the second agent', () => payloads('voice.call.bridged.v1', callId).find((p) => (p.target as { agentId?: string }).agentId === secondAgentId));
    // The first agent got BYE.
    await waitFor('the first agent hung up by BYE', async () => ((await first.incoming())[0]?.events.includes('ended:Terminated') ? true : undefined));

    // The caller and the second agent talk: the second agent hears the caller (who echoes it).
    await delay(1000);
    const [secondHearsCaller] = await heardOver([{ phone: second, index: 0 }], 2500);
    expect(secondHearsCaller).toBeGreaterThan(0);

    await second.hangup(0);
    expect(await waitFor('ended', () => payloads('voice.call.ended.v1', callId)[0])).toMatchObject({ reason: 'agent-hangup' });
    expect((await sipp).code).toBe(0);
    expect(payloads('voice.command.failed.v1', callId)).toHaveLength(1);

    // What the caller heard: the hold melody during the consultation, and the agents before and after.
    await waitFor('recording', () => payloads('voice.call.recording-completed.v1', callId)[0]);
    const heard = callerChannel(callId);
    expect(heard.melodyBlocks).toBeGreaterThanOrEqual(5);
    expect(heard.loudBlocks).toBeGreaterThan(heard.melodyBlocks + 10);
  }, 150_000);

  it('conferences a second agent: all three hear each other; the first agent leaves and the caller and the second agent stay connected', async () => {
    const { callId, sipp } = await callBridgedToFirstAgent(1);
    await delay(1000);

    await command(callId, { type: 'conference', target: { kind: 'agent', agentId: secondAgentId }, ringTimeoutMs: 20_000 });
    expect((await ringing(second, 1)).callId).toBe(callId);
    await second.answer(1);
    const started = await waitFor('conference started', () => payloads('voice.call.conference-started.v1', callId)[0]);
    expect(started.participants).toEqual([{ kind: 'caller' }, { kind: 'agent', agentId: firstAgentId }, { kind: 'agent', agentId: secondAgentId }]);
    expect(payloads('voice.call.consultation-started.v1', callId)[0]).toMatchObject({ purpose: 'conference' });

    await delay(1000);
    const [firstHeard, secondHeard] = await heardOver([{ phone: first, index: 1 }, { phone: second, index: 1 }], 2500);
    expect(firstHeard).toBeGreaterThan(0);
    expect(secondHeard).toBeGreaterThan(0);

    // The first agent leaves: the second agent becomes the caller's peer.
    await first.hangup(1);
    const ended = await waitFor('conference ended', () => payloads('voice.call.conference-ended.v1', callId)[0]);
    expect(ended).toMatchObject({ left: { kind: 'agent', agentId: firstAgentId }, reason: 'agent-left', remaining: [{ kind: 'caller' }, { kind: 'agent', agentId: secondAgentId }] });
    expect(await waitFor('transferred', () => payloads('voice.call.transferred.v1', callId)[0])).toMatchObject({ target: { kind: 'agent', agentId: secondAgentId }, by: 'agent', attended: true });
    await delay(1000);
    expect(payloads('voice.call.ended.v1', callId)).toEqual([]);
    const [secondHearsCaller] = await heardOver([{ phone: second, index: 1 }], 2500);
    expect(secondHearsCaller).toBeGreaterThan(0);

    await second.hangup(1);
    expect(await waitFor('ended', () => payloads('voice.call.ended.v1', callId)[0])).toMatchObject({ reason: 'agent-hangup' });
    expect((await sipp).code).toBe(0);
    expect(payloads('voice.command.failed.v1', callId)).toEqual([]);

    // The caller heard the others all along (no music: nobody held it).
    await waitFor('recording', () => payloads('voice.call.recording-completed.v1', callId)[0]);
    const heard = callerChannel(callId);
    expect(heard.melodyBlocks).toBe(0);
    expect(heard.loudBlocks).toBeGreaterThan(heard.blocks / 3);
  }, 150_000);

  it('drops the third party: consult-cancel brings the caller back to the agent; in a conference the third party hanging up leaves the caller and the agent', async () => {
    const { callId, sipp } = await callBridgedToFirstAgent(2);
    await command(callId, { type: 'consult', target: { kind: 'agent', agentId: secondAgentId }, ringTimeoutMs: 20_000 });
    expect((await ringing(second, 2)).callId).toBe(callId);
    await second.answer(2);
    await waitFor('consultation answered', () => payloads('voice.call.consultation-answered.v1', callId)[0]);
    await command(callId, { type: 'consult-cancel' });
    expect(await waitFor('consultation cancelled', () => payloads('voice.call.consultation-ended.v1', callId)[0])).toMatchObject({ outcome: 'cancelled' });
    await waitFor('the second agent hung up by BYE', async () => ((await second.incoming())[2]?.events.includes('ended:Terminated') ? true : undefined));

    // Consult again, then turn it into a conference; the second agent hangs up.
    await command(callId, { type: 'consult', target: { kind: 'agent', agentId: secondAgentId }, ringTimeoutMs: 20_000 });
    expect((await ringing(second, 3)).callId).toBe(callId);
    await second.answer(3);
    await waitFor('second consultation answered', () => payloads('voice.call.consultation-answered.v1', callId)[1]);
    await command(callId, { type: 'conference', ringTimeoutMs: 30_000 });
    await waitFor('conference started', () => payloads('voice.call.conference-started.v1', callId)[0]);
    expect(payloads('voice.call.consultation-ended.v1', callId).map((p) => p.outcome)).toEqual(['cancelled', 'conference']);
    await delay(1000);
    await second.hangup(3);
    const ended = await waitFor('conference ended', () => payloads('voice.call.conference-ended.v1', callId)[0]);
    expect(ended).toMatchObject({ left: { kind: 'agent', agentId: secondAgentId }, reason: 'third-party-left', remaining: [{ kind: 'caller' }, { kind: 'agent', agentId: firstAgentId }] });

    // The caller and the first agent still talk.
    await delay(1000);
    expect(payloads('voice.call.ended.v1', callId)).toEqual([]);
    const [firstHearsCaller] = await heardOver([{ phone: first, index: 2 }], 2500);
    expect(firstHearsCaller).toBeGreaterThan(0);
    expect(payloads('voice.call.transferred.v1', callId)).toEqual([]);
    await first.hangup(2);
    await waitFor('ended', () => payloads('voice.call.ended.v1', callId)[0]);
    expect((await sipp).code).toBe(0);
    expect(payloads('voice.command.failed.v1', callId)).toEqual([]);
  }, 150_000);
});
