// The far end for bench/media-load.bench.ts, run in a child process: two "phones" per call (caller and
// agent) that send a 20 ms µ-law tone every frame to the engine's ports and count what comes back.
// Protocol (IPC): parent → { ports: [callerPort, agentPort][] }; child → { ready: true };
// parent → { stop: true }; child → { stats }.
import { encodeFromPcm, MediaClock, PortPool, renderTone, RtpSession } from '@parley/media';

interface Start {
  ports: [number, number][];
}

const callerTone = encodeFromPcm('pcmu', renderTone({ frequencies: [440], durationMs: 20 }));
const agentTone = encodeFromPcm('pcmu', renderTone({ frequencies: [1000], durationMs: 20 }));

async function start(msg: Start): Promise<void> {
  const pool = new PortPool({ min: 40000, max: 59999 });
  const clock = new MediaClock();
  const sessions: RtpSession[] = [];
  for (const [callerPort, agentPort] of msg.ports) {
    const caller = await RtpSession.open({ pool, bindAddress: '127.0.0.1', remote: { address: '127.0.0.1', port: callerPort }, latching: 'off', receiveBufferBytes: 1 << 18 });
    const agent = await RtpSession.open({ pool, bindAddress: '127.0.0.1', remote: { address: '127.0.0.1', port: agentPort }, latching: 'off', receiveBufferBytes: 1 << 18 });
    sessions.push(caller, agent);
    clock.add({
      tick() {
        caller.sendFrame(callerTone);
        agent.sendFrame(agentTone);
      },
    });
  }
  process.send!({ ready: true });
  process.on('message', (m: { stop?: boolean }) => {
    if (!m.stop) return;
    clock.close();
    let received = 0;
    let lost = 0;
    let sent = 0;
    for (const s of sessions) {
      const st = s.getStats();
      received += st.receivedTotal.packets;
      lost += Math.max(0, st.received.lost);
      sent += st.sent.packets;
    }
    process.send!({ stats: { sent, received, lost, clock: clock.stats(), cpu: process.cpuUsage() } }, () => process.exit(0));
  });
}

process.once('message', (m: Start) => void start(m));
