// Real sockets on 127.0.0.1, the real media clock, real time: tones exchanged between RTP sessions,
// through a bridged call with a stereo recording.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ClockTask,
  decodeWav,
  dominantFrequency,
  MediaCall,
  MediaClock,
  MediaLeg,
  PortPool,
  Prompt,
  PromptPlayer,
  renderTone,
  RtpSession,
  WavRecorder,
} from '../src';

// Below the ephemeral range (32768+), so no unrelated socket holds them.
const BASE = 30600 + (process.pid % 4) * 40;
const CANDIDATES = [350, 440, 620, 1000, 1400];

async function legOn(pool: PortPool, id: string): Promise<MediaLeg> {
  const session = await RtpSession.open({ pool, bindAddress: '127.0.0.1' });
  return new MediaLeg({ id, session, codec: 'pcmu', telephoneEventPt: 101, jitter: { depthMs: 60, mode: 'fixed' } });
}

function connect(a: MediaLeg, b: MediaLeg): void {
  a.session.setRemote({ address: '127.0.0.1', port: b.session.localPort });
  b.session.setRemote({ address: '127.0.0.1', port: a.session.localPort });
}

/** Phones: each plays its tone and keeps what it hears. */
function phones(legs: MediaLeg[], heard: Map<MediaLeg, Int16Array[]>): ClockTask {
  return {
    tick(frame) {
      for (const leg of legs) {
        leg.receive(frame);
        if (leg.inboundPayload) heard.get(leg)!.push(leg.inboundPcm().slice());
      }
      for (const leg of legs) if (!leg.sendFromSource()) leg.sendSilence();
    },
  };
}

function joined(frames: Int16Array[]): Int16Array {
  const out = new Int16Array(frames.length * 160);
  frames.forEach((f, i) => out.set(f, i * 160));
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('RTP through the media clock (real sockets)', () => {
  let pool: PortPool;
  let clock: MediaClock;
  let dir: string;
  const legs: MediaLeg[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'media-int-'));
  });
  beforeEach(() => {
    pool = new PortPool({ min: BASE, max: BASE + 39 });
    clock = new MediaClock();
  });
  afterEach(async () => {
    clock.close();
    await Promise.all(legs.splice(0).map((l) => l.close()));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const track = (l: MediaLeg): MediaLeg => {
    legs.push(l);
    return l;
  };

  it('two sessions exchange a tone for 1 s with no loss and the right frequency each way', async () => {
    const a = track(await legOn(pool, 'a'));
    const b = track(await legOn(pool, 'b'));
    connect(a, b);
    a.play(new PromptPlayer(Prompt.fromPcm(renderTone({ frequencies: [440], durationMs: 1000 }))));
    b.play(new PromptPlayer(Prompt.fromPcm(renderTone({ frequencies: [1000], durationMs: 1000 }))));
    const heard = new Map([
      [a, [] as Int16Array[]],
      [b, [] as Int16Array[]],
    ]);
    clock.add(phones([a, b], heard));
    await sleep(1300);
    clock.close();
    await sleep(50);

    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const sent = from.session.getStats().sent.packets;
      const got = to.session.getStats();
      expect(sent).toBeGreaterThanOrEqual(60);
      expect(got.receivedTotal.packets).toBe(sent);
      expect(got.received.lost).toBe(0);
      expect(got.received.jitterMs).toBeLessThan(20); // loopback; generous for a busy 2-core box
      expect(to.jitter.stats()).toMatchObject({ late: 0, duplicates: 0 });
    }
    const atB = dominantFrequency(joined(heard.get(b)!.slice(5, 45)), CANDIDATES);
    const atA = dominantFrequency(joined(heard.get(a)!.slice(5, 45)), CANDIDATES);
    expect(atB).toMatchObject({ frequency: 440 });
    expect(atA).toMatchObject({ frequency: 1000 });
    expect(atB.share).toBeGreaterThan(0.8);
    expect(atA.share).toBeGreaterThan(0.8);
  });

  it('bridges a caller and an agent, each hears the other, and records caller left / agent right', async () => {
    const callerPhone = track(await legOn(pool, 'caller-phone'));
    const agentPhone = track(await legOn(pool, 'agent-phone'));
    const callerLeg = track(await legOn(pool, 'caller'));
    const agentLeg = track(await legOn(pool, 'agent'));
    connect(callerPhone, callerLeg);
    connect(agentPhone, agentLeg);
    callerPhone.play(new PromptPlayer(Prompt.fromPcm(renderTone({ frequencies: [440], durationMs: 1000 }))));
    agentPhone.play(new PromptPlayer(Prompt.fromPcm(renderTone({ frequencies: [1000], durationMs: 1000 }))));
    const heard = new Map([
      [callerPhone, [] as Int16Array[]],
      [agentPhone, [] as Int16Array[]],
    ]);

    const call = new MediaCall({ id: 'int-call', clock });
    call.addLeg(callerLeg);
    call.addLeg(agentLeg);
    call.bridge();
    const path = join(dir, 'bridged.wav');
    call.record(await WavRecorder.open({ path }), { left: callerLeg, right: agentLeg });
    call.start();
    clock.add(phones([callerPhone, agentPhone], heard));
    await sleep(1400);
    const { recording } = await call.close();
    legs.splice(legs.indexOf(callerLeg), 1);
    legs.splice(legs.indexOf(agentLeg), 1);

    expect(dominantFrequency(joined(heard.get(callerPhone)!.slice(8, 45)), CANDIDATES).frequency).toBe(1000);
    expect(dominantFrequency(joined(heard.get(agentPhone)!.slice(8, 45)), CANDIDATES).frequency).toBe(440);
    for (const leg of [callerPhone, agentPhone, callerLeg, agentLeg]) expect(leg.session.getStats().received.lost).toBe(0);

    const wav = decodeWav(await readFile(path));
    expect(wav).toMatchObject({ channels: 2, sampleRate: 8000, truncated: false });
    expect(recording!.durationMs).toBeGreaterThanOrEqual(1300);
    expect(wav.durationMs).toBe(recording!.durationMs);
    const left = wav.samples.filter((_, i) => i % 2 === 0);
    const right = wav.samples.filter((_, i) => i % 2 === 1);
    // The tones last 1 s from their first frame; look inside that second.
    const from = 8000 * 0.3;
    expect(dominantFrequency(left, CANDIDATES, 8000, from, 4000)).toMatchObject({ frequency: 440 });
    expect(dominantFrequency(right, CANDIDATES, 8000, from, 4000)).toMatchObject({ frequency: 1000 });
    expect(dominantFrequency(left, CANDIDATES, 8000, from, 4000).share).toBeGreaterThan(0.8);
    expect(dominantFrequency(right, CANDIDATES, 8000, from, 4000).share).toBeGreaterThan(0.8);
    expect(clock.stats().taskErrors).toBe(0);
  });
});
