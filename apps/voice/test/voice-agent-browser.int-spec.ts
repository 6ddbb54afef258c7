// A carrier's caller (sipp) bridged to an agent's browser (jssip in headless Chromium) through a
// real voice node: REGISTER over WebSocket with the tenant service's credentials, the INVITE down
// the agent's WebSocket flow, WebRTC (ICE, DTLS-SRTP) on our side, audio both ways, DTMF, hold and
// hang-up from the browser, and the stereo recording of it all.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Envelope, type VoiceCommand } from '@parley/contracts';
import { decodeWav, type MediaEngineEvent, rms } from '@parley/media';
import { type InboundRequest } from '@parley/sip';
import { AGENT_PAGE, AgentSoftphone, BrowserHarness, bundleJssip } from '@parley/testing';
import { BrowserVoiceNode } from './browser-voice-kit';
import { delay, waitFor } from './voice-test-kit';

describe('voice: a sipp caller bridged to a jssip agent in Chromium (WebSocket SIP, WebRTC media)', () => {
  const agentId = randomUUID();
  const secondAgentId = randomUUID();
  const supervisorId = randomUUID();
  let voice: BrowserVoiceNode;
  let browser: BrowserHarness;
  let agent: AgentSoftphone;
  const others: AgentSoftphone[] = [];
  const mediaEvents: MediaEngineEvent[] = [];
  const registerAnswers: number[] = [];

  const ofType = (type: string, callId?: string): Envelope[] => voice.ofType(type, callId);
  const command = (callId: string, c: VoiceCommand): Promise<void> => voice.command(callId, c);
  const setScript = (script: (callId: string) => VoiceCommand[]): void => void (voice.script = script);
  /** A carrier's caller (sipp) to the tenant's number, speaking until the call is ended from our side. */
  const callFromCarrier = (): ReturnType<BrowserVoiceNode['callFromCarrier']> => voice.callFromCarrier(join(__dirname, 'sipp/inbound-agent.xml'));

  beforeAll(async () => {
    voice = await BrowserVoiceNode.start({
      name: 'voice-browser-test',
      slug: 'browserco',
      number: '+18005550177',
      userIds: [agentId, secondAgentId, supervisorId],
      rtpBase: 41000 + 2 * Math.floor(Math.random() * 2000),
      beforeStart: (node, media) => {
        media.on('event', (e) => mediaEvents.push(e));
        // What the registrar answers, as the browser's REGISTERs arrive (401 challenge, then 200).
        const handle = node.registrar.handle.bind(node.registrar);
        node.registrar.handle = (inbound: InboundRequest) => {
          const respond = inbound.respond.bind(inbound);
          inbound.respond = (status, ...rest) => {
            registerAnswers.push(status);
            return respond(status, ...rest);
          };
          return handle(inbound);
        };
      },
    });
    browser = await BrowserHarness.launch({ '/jssip.js': await bundleJssip(), '/agent.html': AGENT_PAGE });
    agent = new AgentSoftphone(await browser.open('/agent.html'));
  }, 60_000);

  afterAll(async () => {
    await agent?.close();
    for (const phone of others) await phone.close();
    await browser?.close();
    await voice?.close();
  }, 30_000);

  it('registers the agent over WebSocket: 401 challenge, then 200 with the tenant service credentials', async () => {
    const creds = voice.credentials(agentId);
    expect(await agent.register(voice.wsUrl, `sip:${agentId}@${voice.domain}`, creds.username, creds.password)).toBe(200);
    expect(registerAnswers.slice(0, 2)).toEqual([401, 200]);
  }, 30_000);

  it('bridges a sipp caller to the browser: audio both ways, DTMF from the browser, hold/unhold and hang-up from the browser, stereo recording', async () => {
    setScript(() => [{ type: 'answer' }, { type: 'record-start', channels: 'stereo' }, { type: 'bridge-agent', agentId, ringTimeoutMs: 20_000, afterHangup: 'end' }]);
    const sipp = callFromCarrier();
    const started = await waitFor('the call to start', () => ofType('voice.call.started.v1')[0]);
    const callId = (started.payload as { callId: string }).callId;

    // The desktop rings with the call's id, and the agent answers.
    let offered: { callId: string | undefined; from: string } | undefined;
    for (let i = 0; i < 200 && !offered; i += 1) {
      offered = (await agent.incoming())[0];
      if (!offered) await delay(50);
    }
    expect(offered).toMatchObject({ callId, from: '+14155550123' });
    await agent.answer();
    const bridged = await waitFor('bridged', () => ofType('voice.call.bridged.v1', callId)[0]);
    expect(bridged.payload).toMatchObject({ target: { kind: 'agent', agentId } });

    // Audio both ways: the browser hears the caller (energy), the server gets the browser's RTP.
    await delay(3000);
    const stats = await agent.stats();
    expect(stats.transports.some((t) => t.dtlsState === 'connected')).toBe(true);
    expect(stats.inbound[0]!.packetsReceived).toBeGreaterThan(50);
    expect(stats.inbound[0]!.totalAudioEnergy).toBeGreaterThan(0);
    expect(stats.outbound[0]!.packetsSent).toBeGreaterThan(50);

    // DTMF from the browser's keypad (RFC 4733), decoded on the agent's leg.
    await agent.sendDtmf('57#');
    await waitFor('three digits from the browser', () => {
      const digits = mediaEvents.filter((e) => e.type === 'digit' && e.callId === callId && e.legId !== 'caller').map((e) => (e as { digit: string }).digit);
      return digits.length >= 3 ? digits : undefined;
    }).then((digits) => expect(digits.join('')).toBe('57#'));

    // Hold and unhold from the browser (re-INVITE a=sendonly, then sendrecv).
    expect(await agent.hold()).toBe(true);
    const held = await waitFor('held', () => ofType('voice.call.held.v1', callId).find((e) => (e.payload as { held: boolean }).held));
    expect(held.payload).toMatchObject({ held: true, by: 'agent' });
    await delay(1000);
    expect(await agent.unhold()).toBe(true);
    await waitFor('unheld', () => ofType('voice.call.held.v1', callId).find((e) => !(e.payload as { held: boolean }).held));
    await delay(1500);

    // The agent hangs up: the caller gets a BYE (sipp ends its scenario cleanly).
    await agent.hangup();
    const ended = await waitFor('ended', () => ofType('voice.call.ended.v1', callId)[0]);
    expect(ended.payload).toMatchObject({ reason: 'agent-hangup' });
    expect((ended.payload as { holdMs: number }).holdMs).toBeGreaterThan(500);
    const result = await sipp;
    expect(result.code).toBe(0);
    expect(ofType('voice.command.failed.v1', callId).map((e) => e.payload)).toEqual([]);

    // The recording: caller on the left (speech from the pcap), the browser on the right (its fake microphone).
    const recorded = await waitFor('recording', () => ofType('voice.call.recording-completed.v1', callId)[0]);
    const wav = decodeWav(readFileSync((recorded.payload as { file: string }).file));
    expect(wav.channels).toBe(2);
    const left = wav.samples.filter((_, i) => i % 2 === 0);
    const right = wav.samples.filter((_, i) => i % 2 === 1);
    expect(rms(left)).toBeGreaterThan(100);
    expect(rms(right)).toBeGreaterThan(100);
  }, 120_000);

  async function softphoneFor(userId: string): Promise<AgentSoftphone> {
    const phone = await voice.softphoneFor(browser, userId);
    others.push(phone);
    return phone;
  }

  const ringing = (phone: AgentSoftphone, index: number): ReturnType<AgentSoftphone['waitForCall']> => phone.waitForCall(index);

  it('lets a supervisor listen and whisper, and the agent transfer the caller blind (REFER) to another agent', async () => {
    const second = await softphoneFor(secondAgentId);
    const supervisor = await softphoneFor(supervisorId);
    voice.events.length = 0;
    setScript(() => [{ type: 'answer' }, { type: 'bridge-agent', agentId, ringTimeoutMs: 20_000, afterHangup: 'end' }]);
    const sipp = callFromCarrier();
    const started = await waitFor('the call to start', () => ofType('voice.call.started.v1')[0]);
    const callId = (started.payload as { callId: string }).callId;
    expect((await ringing(agent, 1)).callId).toBe(callId);
    await agent.answer(1);
    await waitFor('bridged to the first agent', () => ofType('voice.call.bridged.v1', callId)[0]);

    // The supervisor listens: its softphone rings with the call's id, and it hears the call.
    await command(callId, { type: 'monitor', supervisorId, mode: 'listen' });
    expect((await ringing(supervisor, 0)).callId).toBe(callId);
    await supervisor.answer(0);
    const listening = await waitFor('monitoring', () => ofType('voice.call.monitored.v1', callId)[0]);
    expect(listening.payload).toMatchObject({ supervisorId, mode: 'listen', active: true });
    await delay(2500);
    const heard = await supervisor.stats(0);
    expect(heard.inbound[0]!.packetsReceived).toBeGreaterThan(50);
    expect(heard.inbound[0]!.totalAudioEnergy).toBeGreaterThan(0);
    await command(callId, { type: 'monitor', supervisorId, mode: 'whisper' });
    await waitFor('whispering', () => ofType('voice.call.monitored.v1', callId).find((e) => (e.payload as { mode: string }).mode === 'whisper'));

    // The agent transfers the caller to a colleague (blind): REFER, 202, NOTIFY, then BYE to the agent.
    expect(await agent.refer(`sip:${secondAgentId}@${voice.domain}`, 1)).toBe('accepted');
    const transferred = await waitFor('transferred', () => ofType('voice.call.transferred.v1', callId)[0]);
    expect(transferred.payload).toMatchObject({ target: { kind: 'agent', agentId: secondAgentId }, by: 'agent' });
    expect((await ringing(second, 0)).callId).toBe(callId);
    await second.answer(0);
    await waitFor('bridged to the second agent', () => ofType('voice.call.bridged.v1', callId).find((e) => (e.payload as { target: { agentId?: string } }).target.agentId === secondAgentId));
    // The supervisor who whispered to the first agent listens again.
    await waitFor('back to listening', () => ofType('voice.call.monitored.v1', callId).filter((e) => (e.payload as { mode: string }).mode === 'listen').at(1));
    await delay(2000);
    const secondStats = await second.stats(0);
    expect(secondStats.inbound[0]!.totalAudioEnergy).toBeGreaterThan(0);
    expect((await agent.incoming())[1]!.events).toContain('ended:Terminated');

    await second.hangup(0);
    const ended = await waitFor('ended', () => ofType('voice.call.ended.v1', callId)[0]);
    expect(ended.payload).toMatchObject({ reason: 'agent-hangup' });
    await waitFor('the monitor stopped', () => ofType('voice.call.monitored.v1', callId).find((e) => !(e.payload as { active: boolean }).active));
    const result = await sipp;
    expect(result.code).toBe(0);
    expect(ofType('voice.command.failed.v1', callId).map((e) => e.payload)).toEqual([]);
  }, 120_000);
  it('rings two agents side by side (ring-all): the one who answers takes the call, the other stops ringing without a missed offer', async () => {
    const colleague = await softphoneFor(secondAgentId);
    voice.events.length = 0;
    setScript(() => [
      { type: 'answer' },
      { type: 'bridge-agent', agentId, ringTimeoutMs: 20_000, afterHangup: 'end' },
      { type: 'bridge-agent', agentId: secondAgentId, ringTimeoutMs: 20_000, afterHangup: 'end' },
    ]);
    const sipp = callFromCarrier();
    const started = await waitFor('the call to start', () => ofType('voice.call.started.v1')[0]);
    const callId = (started.payload as { callId: string }).callId;
    // Both phones ring with the call's id; the colleague answers.
    expect((await ringing(agent, 2)).callId).toBe(callId);
    expect((await ringing(colleague, 0)).callId).toBe(callId);
    await colleague.answer(0);
    const bridged = await waitFor('bridged', () => ofType('voice.call.bridged.v1', callId)[0]);
    expect(bridged.payload).toMatchObject({ target: { kind: 'agent', agentId: secondAgentId } });
    // The first agent's phone was cancelled; its command failed without a SIP status (not a missed offer).
    await waitFor('the first phone stopped ringing', async () => ((await agent.incoming())[2]?.events.some((e) => e.startsWith('failed')) ? true : undefined));
    const failed = await waitFor('the first command failed', () => ofType('voice.command.failed.v1', callId)[0]);
    expect(failed.payload).toMatchObject({ commandType: 'bridge-agent', reason: 'invalid-state' });
    expect((failed.payload as { sipStatus?: number }).sipStatus).toBeUndefined();
    await delay(1500);
    expect((await colleague.stats(0)).inbound[0]!.totalAudioEnergy).toBeGreaterThan(0);
    await colleague.hangup(0);
    await waitFor('ended', () => ofType('voice.call.ended.v1', callId)[0]);
    expect((await sipp).code).toBe(0);
    expect(ofType('voice.call.bridged.v1', callId)).toHaveLength(1);
  }, 120_000);
});
