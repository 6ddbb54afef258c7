// The demo tenant end to end, as `npm start` runs it: a carrier's caller (sipp) dials the demo
// number, hears the menu, presses 2, is queued in `support` and bridged to the demo agent's browser
// softphone (jssip in Chromium, registered with the credentials the tenant service issues). The ACD
// explains and replays its decision, and the IVR simulator, given the same digit, routes the same way.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_PAGE, AgentSoftphone, BrowserHarness, bundleJssip } from '@parley/testing';
import { freePort, freeSipPort, json, startPlatform, stopWithCtrlC, type Running } from './platform-test-kit';

const PASSWORD = 'Sunflower-Harbor-4711';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, output: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('npm start: a caller of the demo number presses 2 and talks to the support agent', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-demo-call-'));
  let platform: Running | undefined;
  let browser: BrowserHarness | undefined;
  let agent: AgentSoftphone | undefined;
  let agent2: AgentSoftphone | undefined;
  let base: string;
  let sipPort: number;

  beforeAll(async () => {
    const [http, pg, s3, sip] = [await freePort(), await freePort(), await freePort(), await freeSipPort()];
    sipPort = sip;
    base = `http://127.0.0.1:${http}`;
    const rtp = 43000 + 2 * Math.floor(Math.random() * 500);
    platform = await startPlatform({
      PARLEY_DATA_DIR: dataDir,
      HTTP_PORT: String(http),
      PARLEY_PG_PORT: String(pg),
      PARLEY_S3_PORT: String(s3),
      SIP_PORT: String(sip),
      SIP_BIND_ADDRESS: '127.0.0.1',
      RTP_PORT_MIN: String(rtp),
      RTP_PORT_MAX: String(rtp + 199),
      PARLEY_DEMO_PASSWORD: PASSWORD,
    });
    browser = await BrowserHarness.launch({ '/jssip.js': await bundleJssip(), '/agent.html': AGENT_PAGE });
    agent = new AgentSoftphone(await browser.open('/agent.html'));
  }, 150_000);

  afterAll(async () => {
    await agent?.close();
    await agent2?.close();
    await browser?.close();
    if (platform) await stopWithCtrlC(platform).catch(() => platform?.child.kill('SIGKILL'));
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const login = async (email: string): Promise<string> => {
    const answer = await json(`${base}/api/v1/auth/login`, { method: 'POST', body: { tenant: 'demo', email, password: PASSWORD } });
    expect(answer.status).toBe(200);
    return (answer.body as { accessToken: string }).accessToken;
  };

  /** The carrier's caller: listens to the menu, presses 2, speaks, and waits for BYE (sipp exits 0 then). */
  const callDemoNumber = (errorFile: string): Promise<{ code: number | null; out: string }> => {
    const errors = join(dataDir, errorFile);
    return new Promise<{ code: number | null; out: string }>((resolve) => {
      const args = [
        `127.0.0.1:${sipPort}`, '-sf', join(__dirname, 'sipp/demo-menu-press-2.xml'), '-s', '+18005550100', '-m', '1',
        '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(37000 + Math.floor(Math.random() * 1000)), '-mp', String(38000 + 2 * Math.floor(Math.random() * 500)),
        '-timeout', '120s', '-nostdin', '-trace_err', '-error_file', errors,
      ];
      const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('exit', (code) => resolve({ code, out: code === 0 ? '' : `${out.slice(-1500)}\n${existsSync(errors) ? readFileSync(errors, 'utf8') : ''}` }));
    });
  };

  it('routes the caller through the demo flow and the support queue to the registered agent; audio flows both ways; the decision is explained and replays', async () => {
    const output = (): string => platform?.output() ?? '';
    const agentToken = await login('agent1@demo.parley.local');
    const ownerToken = await login('owner@demo.parley.local');

    // The agent's softphone registers with short-lived credentials from the tenant service.
    const issued = await json(`${base}/api/v1/agents/me/sip-credentials`, { method: 'POST', token: agentToken });
    expect(issued.status).toBe(201);
    const creds = issued.body as { username: string; password: string; uri: string; websocketUrl: string };
    const agentId = /^sip:([0-9a-f-]{36})@/.exec(creds.uri)?.[1];
    expect(agentId).toBeDefined();
    expect(await agent!.register(creds.websocketUrl.replace('localhost', '127.0.0.1'), creds.uri, creds.username, creds.password)).toBe(200);

    // The demo queues exist with both demo agents; agent1 goes available, agent2 stays offline.
    const queues = await json(`${base}/api/v1/acd/queues`, { token: ownerToken });
    expect(queues.status).toBe(200);
    expect((queues.body as { queueId: string }[]).map((q) => q.queueId).sort()).toEqual(['sales', 'support']);
    const available = await json(`${base}/api/v1/acd/agents/${agentId}/state`, { method: 'PUT', token: agentToken, body: { state: 'available' } });
    expect(available.status).toBe(200);

    // The carrier's caller: listens to the menu, presses 2, speaks until the agent hangs up.
    const sipp = callDemoNumber('sipp-errors.log');

    // The browser rings with the call's id; the agent answers.
    const ringing = await until('the agent\'s softphone rings', async () => (await agent!.incoming())[0], 30_000, output);
    expect(ringing.from).toBe('+14155550123');
    const callId = ringing.callId;
    expect(callId).toMatch(/^[0-9a-f-]{36}$/);
    await agent!.answer(0);

    // Audio both ways: the browser receives the caller's speech, and sends its own.
    const stats = await until(
      'audio reaches the browser',
      async () => {
        const s = await agent!.stats(0);
        const inbound = s.inbound[0];
        return inbound && inbound.packetsReceived > 50 && inbound.totalAudioEnergy > 0 && (s.outbound[0]?.packetsSent ?? 0) > 50 ? s : undefined;
      },
      20_000,
      output,
    );
    expect(stats.transports[0]?.dtlsState).toBe('connected');
    const state = await json(`${base}/api/v1/acd/agents/${agentId}/state`, { token: agentToken });
    expect(state.body).toEqual(expect.objectContaining({ state: 'on-call' }));

    // Why this agent: the stored decision names the queue, the chosen agent and the candidates; a replay agrees.
    const decision = await json(`${base}/api/v1/acd/decisions/${callId}`, { token: ownerToken });
    expect(decision.status).toBe(200);
    const replay = await json(`${base}/api/v1/acd/decisions/${callId}/replay`, { method: 'POST', token: ownerToken });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(expect.objectContaining({ callId, matches: true }));
    expect((decision.body as { decisions: { queueId: string; agentIds: string[] }[] }).decisions).toEqual(
      expect.arrayContaining([expect.objectContaining({ queueId: 'support', agentIds: [agentId] })]),
    );

    // The agent hangs up: the caller gets BYE and sipp ends its scenario cleanly.
    await agent!.hangup(0);
    const result = await sipp;
    expect(result.out).toBe('');
    expect(result.code).toBe(0);

    // The simulator, given the same key at the same point, routes to the same queue.
    const flows = await json(`${base}/api/v1/ivr/flows`, { token: ownerToken });
    const flowId = (flows.body as { id: string }[])[0]?.id;
    expect(flowId).toBeDefined();
    const simulated = await json(`${base}/api/v1/ivr/flows/${flowId}/simulate`, {
      method: 'POST',
      token: ownerToken,
      body: { script: { startAt: new Date().toISOString(), callerNumber: '+14155550123', dialledNumber: '+18005550100', digits: [{ digits: '2', delayMs: 4000 }] } },
    });
    expect(simulated.status).toBe(200);
    expect(simulated.body).toEqual(expect.objectContaining({ outcome: 'routed', routed: expect.objectContaining({ queue: 'support' }) }));
  }, 180_000);

  it("the agent transfers the call to the sales queue: the other agent's softphone rings and takes the caller, the first one is released and wraps up its part", async () => {
    const output = (): string => platform?.output() ?? '';
    const agentToken = await login('agent1@demo.parley.local');
    const agent2Token = await login('agent2@demo.parley.local');
    const ownerToken = await login('owner@demo.parley.local');
    const agentId = ((await json(`${base}/api/v1/me`, { token: agentToken })).body as { id: string }).id;
    const agent2Id = ((await json(`${base}/api/v1/me`, { token: agent2Token })).body as { id: string }).id;
    expect(agent2Id).not.toBe(agentId);

    // The second agent's softphone, in a page of its own.
    const issued = await json(`${base}/api/v1/agents/me/sip-credentials`, { method: 'POST', token: agent2Token });
    const creds = issued.body as { username: string; password: string; uri: string; websocketUrl: string };
    agent2 = new AgentSoftphone(await browser!.open('/agent.html'));
    expect(await agent2.register(creds.websocketUrl.replace('localhost', '127.0.0.1'), creds.uri, creds.username, creds.password)).toBe(200);

    // Agent one takes the call (agent two is not available yet).
    await until('agent one free', async () => ((await json(`${base}/api/v1/acd/agents/${agentId}/state`, { token: agentToken })).body as { state: string }).state !== 'on-call' ? true : undefined, 30_000, output);
    await json(`${base}/api/v1/acd/agents/${agentId}/state`, { method: 'PUT', token: agentToken, body: { state: 'available' } });
    const sipp = callDemoNumber('sipp-transfer-errors.log');
    const ringing = await agent!.waitForCall(1, 30_000);
    const callId = ringing.callId as string;
    await agent!.answer(1);
    await until('agent one on the call', async () => ((await json(`${base}/api/v1/acd/agents/${agentId}/state`, { token: agentToken })).body as { state: string }).state === 'on-call' ? true : undefined, 15_000, output);
    expect((await json(`${base}/api/v1/acd/agents/${agent2Id}/state`, { method: 'PUT', token: agent2Token, body: { state: 'available' } })).status).toBe(200);

    // What agent one may transfer to, then the transfer to sales.
    const targets = await json(`${base}/api/v1/acd/transfer-targets`, { token: agentToken });
    expect(targets.status).toBe(200);
    expect((targets.body as { queues: { queueId: string }[] }).queues.map((q) => q.queueId)).toEqual(expect.arrayContaining(['sales', 'support']));
    const transfer = await json(`${base}/api/v1/acd/calls/${callId}/transfer`, { method: 'POST', token: agentToken, body: { queueId: 'sales' } });
    expect(transfer.status).toBe(202);
    expect(transfer.body).toEqual({ callId, fromQueueId: 'support', queueId: 'sales', fromAgentId: agentId, status: 'waiting' });

    // Agent two's softphone rings with the same call and takes the caller; agent one's leg got BYE.
    const second = await agent2.waitForCall(0, 30_000);
    expect(second.callId).toBe(callId);
    await agent2.answer(0);
    const stats = await until(
      'audio between the caller and agent two',
      async () => {
        const s = await agent2!.stats(0);
        return (s.inbound[0]?.packetsReceived ?? 0) > 50 && (s.outbound[0]?.packetsSent ?? 0) > 50 ? s : undefined;
      },
      20_000,
      output,
    );
    expect(stats.transports[0]?.dtlsState).toBe('connected');
    await until('agent one released', async () => ((await agent!.incoming())[1]?.events.some((e) => e.startsWith('ended')) ? true : undefined), 10_000, output);
    expect(((await json(`${base}/api/v1/acd/agents/${agent2Id}/state`, { token: agent2Token })).body as { state: string }).state).toBe('on-call');
    const decision = await json(`${base}/api/v1/acd/decisions/${callId}`, { token: ownerToken });
    expect((decision.body as { decisions: { queueId: string; agentIds: string[] }[] }).decisions).toEqual(
      expect.arrayContaining([expect.objectContaining({ queueId: 'support', agentIds: [agentId] }), expect.objectContaining({ queueId: 'sales', agentIds: [agent2Id] })]),
    );

    // Each agent wraps up their own part of the call.
    await json(`${base}/api/v1/cti/dispositions`, { method: 'POST', token: ownerToken, body: { code: 'transferred', label: 'Transferred' } });
    const cti = await until('the call is agent two\'s in the cti', async () => {
      const res = await json(`${base}/api/v1/cti/calls/${callId}`, { token: agent2Token });
      return res.status === 200 && (res.body as { agentId: string }).agentId === agent2Id ? res.body : undefined;
    }, 15_000, output);
    expect(cti).toEqual(expect.objectContaining({ queueId: 'sales', state: 'connected' }));
    expect((await json(`${base}/api/v1/cti/calls/${callId}/wrap-up`, { method: 'POST', token: agentToken, body: { disposition: 'transferred' } })).status).toBe(200);

    await agent2.hangup(0);
    const result = await sipp;
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  }, 180_000);

  it('the agent consults the sales queue: the acd picks the other agent, whose softphone rings while the caller is on hold; on completion that agent has the call in sales', async () => {
    const output = (): string => platform?.output() ?? '';
    const agentToken = await login('agent1@demo.parley.local');
    const agent2Token = await login('agent2@demo.parley.local');
    const agentId = ((await json(`${base}/api/v1/me`, { token: agentToken })).body as { id: string }).id;
    const agent2Id = ((await json(`${base}/api/v1/me`, { token: agent2Token })).body as { id: string }).id;
    const stateOf = async (id: string, token: string) => (await json(`${base}/api/v1/acd/agents/${id}/state`, { token })).body as { state: string; callId: string | null };

    // Agent one takes the call; agent two is offline until then.
    await until('both agents off their calls', async () => ((await stateOf(agentId, agentToken)).state !== 'on-call' && (await stateOf(agent2Id, agent2Token)).state !== 'on-call' ? true : undefined), 30_000, output);
    expect((await json(`${base}/api/v1/acd/agents/${agent2Id}/state`, { method: 'PUT', token: agent2Token, body: { state: 'offline' } })).status).toBe(200);
    expect((await json(`${base}/api/v1/acd/agents/${agentId}/state`, { method: 'PUT', token: agentToken, body: { state: 'available' } })).status).toBe(200);
    const sipp = callDemoNumber('sipp-consult-errors.log');
    const callId = (await agent!.waitForCall(2, 30_000)).callId as string;
    await agent!.answer(2);
    await until('agent one on the call', async () => ((await stateOf(agentId, agentToken)).state === 'on-call' ? true : undefined), 15_000, output);

    // Nobody of sales is free yet: refused. Then agent two is available and is the one consulted.
    const refused = await json(`${base}/api/v1/acd/calls/${callId}/consult`, { method: 'POST', token: agentToken, body: { queueId: 'sales' } });
    expect(refused.status).toBe(409);
    expect((await json(`${base}/api/v1/acd/agents/${agent2Id}/state`, { method: 'PUT', token: agent2Token, body: { state: 'available' } })).status).toBe(200);
    const consult = await json(`${base}/api/v1/acd/calls/${callId}/consult`, { method: 'POST', token: agentToken, body: { queueId: 'sales' } });
    expect(consult.status).toBe(202);
    expect(consult.body).toEqual(expect.objectContaining({ callId, queueId: 'sales', agentId: agent2Id, status: 'ringing' }));

    // Agent two's softphone rings; agent two answers and the two agents talk (the caller on hold).
    await agent2!.waitForCall(1, 30_000);
    await agent2!.answer(1);
    await until(
      'audio between the two agents',
      async () => {
        const s = await agent2!.stats(1);
        return (s.inbound[0]?.packetsReceived ?? 0) > 50 && (s.outbound[0]?.packetsSent ?? 0) > 50 ? s : undefined;
      },
      20_000,
      output,
    );
    await until('agent two busy with the call', async () => {
      const s = await stateOf(agent2Id, agent2Token);
      return s.state === 'on-call' && s.callId === callId ? true : undefined;
    }, 15_000, output);

    // Agent one completes through the cti: released, wrapping up; agent two has the call in sales.
    const complete = await json(`${base}/api/v1/cti/calls/${callId}/consult/complete`, { method: 'POST', token: agentToken });
    expect(complete.status).toBe(202);
    await until('agent one released', async () => ((await agent!.incoming())[2]?.events.some((e) => e.startsWith('ended')) ? true : undefined), 10_000, output);
    await until('agent one off the call', async () => ((await stateOf(agentId, agentToken)).state !== 'on-call' ? true : undefined), 10_000, output);
    const cti = await until('the call is agent two\'s in the cti, in sales', async () => {
      const res = await json(`${base}/api/v1/cti/calls/${callId}`, { token: agent2Token });
      const body = res.body as { agentId: string; queueId: string };
      return res.status === 200 && body.agentId === agent2Id && body.queueId === 'sales' ? body : undefined;
    }, 15_000, output);
    expect(cti).toEqual(expect.objectContaining({ state: 'connected' }));
    expect(await stateOf(agent2Id, agent2Token)).toEqual(expect.objectContaining({ state: 'on-call', callId }));

    await agent2!.hangup(1);
    const result = await sipp;
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
    await until('agent two off the call', async () => ((await stateOf(agent2Id, agent2Token)).state !== 'on-call' ? true : undefined), 10_000, output);
  }, 180_000);
});
