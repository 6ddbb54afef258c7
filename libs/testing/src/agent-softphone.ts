// An agent's softphone for end-to-end tests: jssip (bundled for the browser) in headless Chromium,
// registering with the tenant service's short-lived credentials over WebSocket, taking the call
// the voice node sends it, and doing what an agent does (answer, hold, keypad, transfer, hang up).
import { type Page } from 'playwright-core';

export const AGENT_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><script src="/jssip.js"></script></head><body>
<script>
  const log = [];
  const calls = [];
  let ua;
  function note(what) { log.push({ at: Date.now(), what }); }
  window.agent = {
    register(wsUrl, uri, username, password) {
      return new Promise((resolve, reject) => {
        ua = new JsSIP.UA({
          sockets: [new JsSIP.WebSocketInterface(wsUrl)],
          uri,
          authorization_user: username,
          password,
          register: true,
          register_expires: 300,
          connection_recovery_min_interval: 1,
          connection_recovery_max_interval: 2,
        });
        ua.on('registered', (e) => { note('registered ' + e.response.status_code); resolve(e.response.status_code); });
        ua.on('registrationFailed', (e) => { note('registrationFailed ' + e.cause); reject(new Error('registration failed: ' + e.cause)); });
        ua.on('newRTCSession', (e) => {
          if (e.originator !== 'remote') return;
          const session = e.session;
          const call = { session, headers: { callId: e.request.getHeader('X-Parley-Call-Id'), from: e.request.from.uri.user }, events: [] };
          calls.push(call);
          session.on('peerconnection', (p) => {
            p.peerconnection.addEventListener('track', (event) => {
              const audio = new Audio();
              audio.srcObject = new MediaStream([event.track]);
              audio.play().catch(() => {});
            });
          });
          for (const name of ['progress', 'accepted', 'confirmed', 'ended', 'failed', 'hold', 'unhold']) {
            session.on(name, (ev) => call.events.push(name + (ev && ev.cause ? ':' + ev.cause : '')));
          }
        });
        ua.start();
      });
    },
    incoming() {
      return calls.map((c) => ({ ...c.headers, events: c.events.slice() }));
    },
    answer(index) {
      calls[index].session.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } });
    },
    hold(index) { return calls[index].session.hold(); },
    unhold(index) { return calls[index].session.unhold(); },
    sendDtmf(index, tones) { calls[index].session.sendDTMF(tones, { transportType: 'RFC2833', duration: 160, interToneGap: 100 }); },
    refer(index, target) {
      return new Promise((resolve) => {
        calls[index].session.refer(target, {
          eventHandlers: {
            accepted: () => resolve('accepted'),
            failed: (e) => resolve('failed:' + (e && e.status_line ? e.status_line.status_code : '')),
            requestFailed: (e) => resolve('requestFailed:' + (e && e.response ? e.response.status_code : e.cause)),
          },
        });
      });
    },
    hangup(index) { calls[index].session.terminate(); },
    async stats(index) {
      const pc = calls[index].session.connection;
      const out = { transports: [], inbound: [], outbound: [] };
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'transport') out.transports.push({ dtlsState: s.dtlsState });
        if (s.type === 'inbound-rtp' && s.kind === 'audio') out.inbound.push({ packetsReceived: s.packetsReceived, totalAudioEnergy: s.totalAudioEnergy });
        if (s.type === 'outbound-rtp' && s.kind === 'audio') out.outbound.push({ packetsSent: s.packetsSent });
      });
      return out;
    },
    log() { return log.slice(); },
    stop() { if (ua) ua.stop(); },
  };
</script>
</body></html>`;

export interface AgentCallInfo {
  callId: string | undefined;
  from: string;
  events: string[];
}

export interface AgentStats {
  transports: { dtlsState: string }[];
  inbound: { packetsReceived: number; totalAudioEnergy: number }[];
  outbound: { packetsSent: number }[];
}

interface AgentApi {
  register(wsUrl: string, uri: string, username: string, password: string): Promise<number>;
  incoming(): AgentCallInfo[];
  answer(index: number): void;
  hold(index: number): boolean;
  unhold(index: number): boolean;
  sendDtmf(index: number, tones: string): void;
  refer(index: number, target: string): Promise<string>;
  hangup(index: number): void;
  stats(index: number): Promise<AgentStats>;
  stop(): void;
}

type AgentWindow = { agent: AgentApi };

/** The page's softphone, driven from Node (each callback runs in the page, so it names the global itself). */
export class AgentSoftphone {
  constructor(readonly page: Page) {}

  register(wsUrl: string, uri: string, username: string, password: string): Promise<number> {
    return this.page.evaluate(([w, u, n, p]) => (globalThis as unknown as AgentWindow).agent.register(w!, u!, n!, p!), [wsUrl, uri, username, password]);
  }

  incoming(): Promise<AgentCallInfo[]> {
    return this.page.evaluate(() => (globalThis as unknown as AgentWindow).agent.incoming());
  }

  /** The page's `index`-th incoming call, once it has rung (polled; the test fails after `timeoutMs`). */
  async waitForCall(index: number, timeoutMs = 15_000): Promise<AgentCallInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const call = (await this.incoming())[index];
      if (call) return call;
      if (Date.now() > deadline) throw new Error(`the softphone did not ring (call ${index}) within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  answer(index = 0): Promise<void> {
    return this.page.evaluate((i) => (globalThis as unknown as AgentWindow).agent.answer(i), index);
  }

  hold(index = 0): Promise<boolean> {
    return this.page.evaluate((i) => (globalThis as unknown as AgentWindow).agent.hold(i), index);
  }

  unhold(index = 0): Promise<boolean> {
    return this.page.evaluate((i) => (globalThis as unknown as AgentWindow).agent.unhold(i), index);
  }

  sendDtmf(tones: string, index = 0): Promise<void> {
    return this.page.evaluate(([i, t]) => (globalThis as unknown as AgentWindow).agent.sendDtmf(i as number, t as string), [index, tones] as const);
  }

  refer(target: string, index = 0): Promise<string> {
    return this.page.evaluate(([i, t]) => (globalThis as unknown as AgentWindow).agent.refer(i as number, t as string), [index, target] as const);
  }

  hangup(index = 0): Promise<void> {
    return this.page.evaluate((i) => (globalThis as unknown as AgentWindow).agent.hangup(i), index);
  }

  stats(index = 0): Promise<AgentStats> {
    return this.page.evaluate((i) => (globalThis as unknown as AgentWindow).agent.stats(i), index);
  }

  async close(): Promise<void> {
    await this.page.evaluate(() => (globalThis as unknown as AgentWindow).agent.stop()).catch(() => undefined);
    await this.page.close().catch(() => undefined);
  }
}
