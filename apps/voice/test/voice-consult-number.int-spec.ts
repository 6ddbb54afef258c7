// Consultation and conference with an OUTSIDE NUMBER through a real voice node: a carrier's caller
// (sipp, echoing what it hears, so the caller's channel of the recording is what the caller heard)
// bridged to an agent's browser (jssip in headless Chromium, WebRTC), who consults or conferences
// an outside number reached through the trunk: sipp as UAS, answering with a tone. sipp cannot tell
// what it hears, so its SDP points voice's RTP at a socket of this test (its ear). Also the
// `release` command on an agent's call, and a bridge to an agent after it (what the ACD does to
// move a call to another queue).
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type VoiceCommand } from '@parley/contracts';
import { decodeToPcm, decodeWav, dominantFrequency, encodeFromPcm, parseRtp, renderTone, rms, TONE_PATTERNS, toneAmplitude } from '@parley/media';
import { AGENT_PAGE, type AgentSoftphone, BrowserHarness, bundleJssip } from '@parley/testing';
import { BrowserVoiceNode, heardOver, keepPeerConnections, peakLevels } from './browser-voice-kit';
import { delay, runSipp, waitFor } from './voice-test-kit';

/** The outside number and the tone it answers with (a frequency the hold melody does not use). */
const OUTSIDE = '+14155550142';
const OUTSIDE_TONE = 1800;
/** The notes of the music on hold (the default rendered melody). */
const HOLD_NOTES = [...new Set(TONE_PATTERNS.holdMelody.flatMap((segment) => segment.frequencies))];
/** A few frequencies neither uses, to tell a note or the tone from broadband sound. */
const OTHER_TONES = [300, 1000, 1400, 2600];

type Payload = Record<string, unknown>;

/** A window of wall-clock time (ms since the epoch). */
interface Span {
  from: number;
  to: number;
}

/** What voice sends to the outside number: the RTP its SDP asked for, decoded, with when it arrived. */
class Ear {
  private readonly frames: { at: number; pcm: Int16Array }[] = [];
  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (message) => {
      const packet = parseRtp(message);
      if (packet.payloadType === 8) this.frames.push({ at: Date.now(), pcm: decodeToPcm('pcma', packet.payload) });
    });
  }

  static async open(): Promise<Ear> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new Ear(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** The audio heard within the span. */
  heard(span: Span): Int16Array {
    const frames = this.frames.filter((f) => f.at >= span.from && f.at < span.to);
    const all = new Int16Array(frames.reduce((n, f) => n + f.pcm.length, 0));
    let at = 0;
    for (const f of frames) {
      all.set(f.pcm, at);
      at += f.pcm.length;
    }
    return all;
  }

  close(): void {
    this.socket.close();
  }
}

/** In 200 ms blocks: how many carry the hold melody, how many the outside number's tone (clearly: the strongest, most of the energy). */
function tally(samples: Int16Array): { melody: number; tone: number; blocks: number } {
  const found = { melody: 0, tone: 0, blocks: 0 };
  for (let start = 0; start + 1600 <= samples.length; start += 1600) {
    found.blocks += 1;
    const strongest = dominantFrequency(samples, [...HOLD_NOTES, OUTSIDE_TONE, ...OTHER_TONES], 8000, start, 1600);
    if (strongest.amplitude < 500 || strongest.share < 0.5) continue;
    if (HOLD_NOTES.includes(strongest.frequency)) found.melody += 1;
    else if (strongest.frequency === OUTSIDE_TONE) found.tone += 1;
  }
  return found;
}

/** Runs `during`: what it found, and the wall-clock span it took. */
async function measured<T>(during: () => Promise<T>): Promise<{ span: Span; found: T }> {
  const from = Date.now();
  const found = await during();
  return { span: { from, to: Date.now() }, found };
}

describe('voice: consultation and conference with an outside number (sipp behind the trunk), and release, for a sipp caller and a jssip agent', () => {
  const agentId = randomUUID();
  // The outside number's sipp: its SIP port is the trunk's destination.
  const outsidePort = 34_000 + Math.floor(Math.random() * 1000);
  const dir = mkdtempSync(join(tmpdir(), 'parley-consult-number-'));
  let voice: BrowserVoiceNode;
  let browser: BrowserHarness;
  let agent: AgentSoftphone;
  let ear: Ear;

  const ofType = (type: string, callId: string): Payload[] => voice.ofType(type, callId).map((e) => e.payload as Payload);
  const command = (callId: string, c: VoiceCommand): Promise<void> => voice.command(callId, c);

  beforeAll(async () => {
    // sipp's rtp_stream plays raw A-law from its working directory.
    writeFileSync(join(dir, 'outside-tone.alaw'), encodeFromPcm('pcma', renderTone({ frequencies: [OUTSIDE_TONE], durationMs: 4000, amplitude: 8000 })));
    ear = await Ear.open();
    voice = await BrowserVoiceNode.start({
      name: 'voice-consult-number-test',
      slug: 'consultnumberco',
      number: '+18005550179',
      userIds: [agentId],
      rtpBase: 46000 + 2 * Math.floor(Math.random() * 1500),
      trunks: [{ name: 'carrier', destination: { transport: 'udp', address: '127.0.0.1', port: outsidePort } }],
    });
    browser = await BrowserHarness.launch({ '/jssip.js': await bundleJssip(), '/agent.html': AGENT_PAGE });
    agent = await voice.softphoneFor(browser, agentId);
    await keepPeerConnections(agent);
  }, 60_000);

  afterAll(async () => {
    await agent?.close();
    await browser?.close();
    await voice?.close();
    ear?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  /**
   * The outside number, waiting for voice's call (one call), as the scenario given plays it. `alive`
   * throws (with sipp's output) once sipp failed, so a wait for its answer says why it never came.
   */
  function outsideNumber(scenario: 'outside-number.xml' | 'outside-number-leaves.xml', extra: readonly string[] = []): { done: ReturnType<typeof runSipp>; alive: () => void } {
    let failed: string | undefined;
    const done = runSipp(
      [
        '-sf', join(__dirname, 'sipp', scenario), '-m', '1', '-key', 'listen_port', String(ear.port), ...extra,
        '-i', '127.0.0.1', '-p', String(outsidePort), '-mi', '127.0.0.1', '-mp', String(44_000 + 2 * Math.floor(Math.random() * 500)),
        '-timeout', '120s', '-nostdin', '-trace_err',
      ],
      { cwd: dir },
    );
    void done.then((result) => {
      if (result.code !== 0) failed = `the outside number's sipp exited ${String(result.code)}: ${result.output.slice(-1500)}`;
    });
    return {
      done,
      alive: () => {
        if (failed !== undefined) throw new Error(failed);
      },
    };
  }

  /** A new call from sipp, answered, recorded and bridged to the agent (its softphone's call `index`); `t0` is when the recording began. */
  async function callBridgedToAgent(index: number): Promise<{ callId: string; sipp: ReturnType<BrowserVoiceNode['callFromCarrier']>; t0: number }> {
    voice.script = () => [{ type: 'answer' }, { type: 'record-start', channels: 'stereo' }, { type: 'bridge-agent', agentId, ringTimeoutMs: 20_000, afterHangup: 'end' }];
    const known = new Set(voice.events.filter((e) => e.type === 'voice.call.started.v1').map((e) => (e.payload as { callId: string }).callId));
    const sipp = voice.callFromCarrier(join(__dirname, 'sipp/inbound-echo.xml'), ['-rtp_echo']);
    const started = await waitFor('the call to start', () => voice.events.find((e) => e.type === 'voice.call.started.v1' && !known.has((e.payload as { callId: string }).callId)));
    const callId = (started.payload as { callId: string }).callId;
    expect((await agent.waitForCall(index)).callId).toBe(callId);
    await agent.answer(index);
    await waitFor('bridged to the agent', () => ofType('voice.call.bridged.v1', callId)[0]);
    const answered = ofType('voice.call.answered.v1', callId)[0]!;
    return { callId, sipp, t0: Date.parse(answered.answeredAt as string) };
  }

  /** The call's recording, left (caller: what it heard, echoed) and right (whoever talks with it), and a span of each. */
  async function recordingOf(callId: string, t0: number): Promise<{ left: (span: Span) => Int16Array; right: (span: Span) => Int16Array }> {
    const recorded = await waitFor('recording', () => ofType('voice.call.recording-completed.v1', callId)[0]);
    const wav = decodeWav(readFileSync(recorded.file as string));
    const channel = (c: number): Int16Array => wav.samples.filter((_, i) => i % 2 === c);
    const [left, right] = [channel(0), channel(1)];
    const cut = (samples: Int16Array, span: Span): Int16Array => samples.subarray(Math.max(0, (span.from - t0) * 8), Math.max(0, (span.to - t0) * 8));
    return { left: (span) => cut(left, span), right: (span) => cut(right, span) };
  }

  it('consults an outside number (the caller hears music only, the agent and the number talk), then completes: the caller and the number talk, the agent got BYE', async () => {
    const { callId, sipp, t0 } = await callBridgedToAgent(0);
    await delay(1000);
    const outside = outsideNumber('outside-number.xml');

    await command(callId, { type: 'consult', target: { kind: 'number', number: OUTSIDE }, ringTimeoutMs: 10_000 });
    const consultStarted = await waitFor('consultation started', () => ofType('voice.call.consultation-started.v1', callId)[0]);
    expect(consultStarted).toMatchObject({ target: { kind: 'number', number: OUTSIDE }, purpose: 'consult' });
    const answered = await waitFor(
      'consultation answered',
      () => {
        outside.alive();
        return ofType('voice.call.consultation-answered.v1', callId)[0];
      },
      15_000,
    );
    expect(answered).toMatchObject({ target: { kind: 'number', number: OUTSIDE } });

    // The agent and the number talk: the agent hears the number's tone, the number hears the agent's
    // microphone (and not the caller, who is on hold: its echo of the music reaches nobody).
    await delay(1000);
    const { span: consulting, found: [atAgent] } = await measured(() => peakLevels(agent, 0, [OUTSIDE_TONE], 3000));
    expect(atAgent).toBeGreaterThan(-40);
    const earConsulting = ear.heard(consulting);
    expect(earConsulting.length).toBeGreaterThan(8000 * 2);
    expect(rms(earConsulting)).toBeGreaterThan(300);
    expect(tally(earConsulting).melody).toBe(0);

    // The caller was on hold from the consult on (its music started then) until now.
    const held = { from: Date.parse(consultStarted.at as string), to: Date.now() - 300 };
    await command(callId, { type: 'consult-complete' });
    expect(await waitFor('transferred', () => ofType('voice.call.transferred.v1', callId)[0])).toMatchObject({ target: { kind: 'number', number: OUTSIDE }, by: 'command', attended: true });
    expect(ofType('voice.call.consultation-ended.v1', callId)).toEqual([expect.objectContaining({ target: { kind: 'number', number: OUTSIDE }, outcome: 'completed' })]);
    await waitFor('bridged to the number', () => ofType('voice.call.bridged.v1', callId).find((p) => (p.target as { number?: string }).number === OUTSIDE));
    await waitFor('the agent hung up by BYE', async () => ((await agent.incoming())[0]?.events.includes('ended:Terminated') ? true : undefined));

    // The caller and the number talk: the number hears the caller (who echoes the number's tone back).
    await delay(1000);
    const { span: talking } = await measured(() => delay(2500));
    const earTalking = ear.heard(talking);
    expect(tally(earTalking).tone).toBeGreaterThanOrEqual(tally(earTalking).blocks - 2);

    await command(callId, { type: 'hangup' });
    expect(await waitFor('ended', () => ofType('voice.call.ended.v1', callId)[0])).toMatchObject({ reason: 'command' });
    expect((await sipp).code).toBe(0);
    expect((await outside.done).code).toBe(0); // it got voice's BYE
    expect(ofType('voice.command.failed.v1', callId)).toEqual([]);

    // The recording: while held, the caller heard the music and not the number; after, the number.
    const recording = await recordingOf(callId, t0);
    const heldCaller = tally(recording.left(held));
    expect(heldCaller.melody).toBeGreaterThanOrEqual(5);
    expect(heldCaller.tone).toBe(0);
    const callerTalking = tally(recording.left(talking));
    expect(callerTalking.tone).toBeGreaterThanOrEqual(callerTalking.blocks - 2);
    expect(callerTalking.melody).toBe(0);
    const peerTalking = tally(recording.right(talking));
    expect(peerTalking.tone).toBeGreaterThanOrEqual(peerTalking.blocks - 2);
  }, 150_000);

  it('conferences an outside number: all three hear each other, the recording carries the number with the agent; the number hangs up and the caller and the agent go on', async () => {
    const { callId, sipp, t0 } = await callBridgedToAgent(1);
    await delay(1000);
    // The number hangs up by itself 7 s after it answered.
    const outside = outsideNumber('outside-number-leaves.xml', ['-d', '7000']);

    await command(callId, { type: 'conference', target: { kind: 'number', number: OUTSIDE }, ringTimeoutMs: 10_000 });
    const started = await waitFor(
      'conference started',
      () => {
        outside.alive();
        return ofType('voice.call.conference-started.v1', callId)[0];
      },
      15_000,
    );
    expect(started.participants).toEqual([{ kind: 'caller' }, { kind: 'agent', agentId }, { kind: 'number', number: OUTSIDE }]);
    expect(ofType('voice.call.consultation-started.v1', callId)[0]).toMatchObject({ target: { kind: 'number', number: OUTSIDE }, purpose: 'conference' });
    expect(ofType('voice.call.consultation-answered.v1', callId)).toHaveLength(1);

    // All three hear each other: the agent hears sound and the number's tone; the number hears the
    // caller (who echoes the number's tone back to it) and the agent; the caller hears the number.
    await delay(1000);
    const {
      span: conference,
      found: [[agentEnergy], [atAgent]],
    } = await measured(async () => [await heardOver([{ phone: agent, index: 1 }], 1500), await peakLevels(agent, 1, [OUTSIDE_TONE], 1500)] as const);
    expect(agentEnergy).toBeGreaterThan(0);
    expect(atAgent).toBeGreaterThan(-40);
    expect(toneAmplitude(ear.heard(conference), OUTSIDE_TONE)).toBeGreaterThan(2000);

    // The number leaves: the caller and the agent stay.
    const ended = await waitFor('conference ended', () => ofType('voice.call.conference-ended.v1', callId)[0], 15_000);
    expect(ended).toMatchObject({ left: { kind: 'number', number: OUTSIDE }, reason: 'third-party-left', remaining: [{ kind: 'caller' }, { kind: 'agent', agentId }] });
    expect((await outside.done).code).toBe(0); // its BYE was answered
    await delay(1000);
    expect(ofType('voice.call.ended.v1', callId)).toEqual([]);
    const { span: after, found: [agentAfter] } = await measured(() => heardOver([{ phone: agent, index: 1 }], 2500));
    expect(agentAfter).toBeGreaterThan(0);
    expect(ofType('voice.call.transferred.v1', callId)).toEqual([]);

    await agent.hangup(1);
    expect(await waitFor('ended', () => ofType('voice.call.ended.v1', callId)[0])).toMatchObject({ reason: 'agent-hangup' });
    expect((await sipp).code).toBe(0);
    expect(ofType('voice.command.failed.v1', callId)).toEqual([]);

    // The recording: during the conference the right channel carries the number (mixed with the
    // agent) and the caller heard it; once it left, neither.
    const recording = await recordingOf(callId, t0);
    expect(toneAmplitude(recording.right(conference), OUTSIDE_TONE)).toBeGreaterThan(2000);
    expect(toneAmplitude(recording.left(conference), OUTSIDE_TONE)).toBeGreaterThan(2000);
    expect(toneAmplitude(recording.right(after), OUTSIDE_TONE)).toBeLessThan(200);
    expect(toneAmplitude(recording.left(after), OUTSIDE_TONE)).toBeLessThan(200);
  }, 150_000);

  it('releases the agent by command (BYE, the caller waits on music) and a later bridge-agent connects the caller to an agent again', async () => {
    const { callId, sipp, t0 } = await callBridgedToAgent(2);
    await delay(1000);

    await command(callId, { type: 'release' });
    expect(await waitFor('released', () => ofType('voice.call.released.v1', callId)[0])).toMatchObject({ party: { kind: 'agent', agentId }, by: 'command' });
    await waitFor('the agent hung up by BYE', async () => ((await agent.incoming())[2]?.events.includes('ended:Terminated') ? true : undefined));
    const { span: waiting } = await measured(() => delay(3000));
    expect(ofType('voice.call.unbridged.v1', callId)).toEqual([]);
    expect(ofType('voice.call.ended.v1', callId)).toEqual([]);

    // The ACD bridges it to an agent again (the same one here): the music stops once they answer.
    await command(callId, { type: 'bridge-agent', agentId, ringTimeoutMs: 20_000, afterHangup: 'end' });
    expect((await agent.waitForCall(3)).callId).toBe(callId);
    await agent.answer(3);
    await waitFor('bridged again', () => ofType('voice.call.bridged.v1', callId)[1]);
    await delay(1000);
    const { span: talking, found: [agentHears] } = await measured(() => heardOver([{ phone: agent, index: 3 }], 2500));
    expect(agentHears).toBeGreaterThan(0);

    await agent.hangup(3);
    expect(await waitFor('ended', () => ofType('voice.call.ended.v1', callId)[0])).toMatchObject({ reason: 'agent-hangup' });
    expect((await sipp).code).toBe(0);
    expect(ofType('voice.command.failed.v1', callId)).toEqual([]);

    const recording = await recordingOf(callId, t0);
    expect(tally(recording.left(waiting)).melody).toBeGreaterThanOrEqual(5);
    expect(tally(recording.left(talking)).melody).toBe(0);
    expect(rms(recording.left(talking))).toBeGreaterThan(300);
  }, 150_000);
});
