import dgram from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeToPcm, encodeFromPcm } from './g711';
import { dominantFrequency } from './goertzel';
import { MediaEngine, MediaEngineError, type MediaEngineEvent } from './media-engine';
import { parseRtp, type RtpPacket, serializeRtp } from './rtp-packet';
import { renderTone } from './tone';
import { decodeWav, encodeWav } from './wav';

// Below the ephemeral range (32768+), so no unrelated socket holds them.
const BASE = 30400 + (process.pid % 4) * 40;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

async function phone(): Promise<{ socket: dgram.Socket; port: number; got: RtpPacket[] }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const got: RtpPacket[] = [];
  socket.on('message', (m) => got.push(parseRtp(m)));
  return { socket, port: socket.address().port, got };
}

describe('MediaEngine', () => {
  let engine: MediaEngine;
  let dir: string;
  const sockets: dgram.Socket[] = [];
  const events: MediaEngineEvent[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'media-engine-'));
    engine = new MediaEngine({ bindAddress: '127.0.0.1', portMin: BASE, portMax: BASE + 39, jitter: { depthMs: 40, mode: 'fixed' } });
    events.length = 0;
    engine.on('event', (e) => events.push(e));
  });
  afterEach(async () => {
    await engine.close();
    for (const s of sockets.splice(0)) s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a call: prompt to the caller, then bridge and record, digits reported, ports returned on hangup', async () => {
    const caller = await phone();
    const agent = await phone();
    sockets.push(caller.socket, agent.socket);
    await engine.createCall('c1');
    const cl = await engine.createLeg('c1', 'caller', { codec: 'pcmu', telephoneEventPt: 101, remote: { address: '127.0.0.1', port: caller.port } });
    const al = await engine.createLeg('c1', 'agent', { codec: 'pcma', remote: { address: '127.0.0.1', port: agent.port } });
    expect(cl).toMatchObject({ callId: 'c1', legId: 'caller', address: '127.0.0.1' });
    expect(cl.port % 2).toBe(0);
    const promptPath = join(dir, 'welcome.wav');
    await writeFile(promptPath, encodeWav(renderTone({ frequencies: [660], durationMs: 200 })));
    await engine.play('c1', 'caller', { kind: 'file', path: promptPath });
    await until(() => events.some((e) => e.type === 'playback-finished'));
    expect(events).toContainEqual({ type: 'playback-finished', callId: 'c1', legId: 'caller', end: 'completed' });
    const heard = caller.got.filter((p) => p.payloadType === 0).map((p) => decodeToPcm('pcmu', p.payload));
    const joined = new Int16Array(heard.length * 160);
    heard.forEach((h, i) => joined.set(h, i * 160));
    expect(dominantFrequency(joined, [440, 660, 1000]).frequency).toBe(660);

    await engine.bridge('c1');
    await engine.startRecording('c1', { path: join(dir, 'rec.wav'), left: 'caller', right: 'agent' });
    const tone = encodeFromPcm('pcmu', renderTone({ frequencies: [440], durationMs: 20 }));
    const alawTone = encodeFromPcm('pcma', renderTone({ frequencies: [1000], durationMs: 20 }));
    for (let i = 0; i < 15; i++) {
      caller.socket.send(serializeRtp({ payloadType: 0, sequenceNumber: i, timestamp: i * 160, ssrc: 1 }, tone), cl.port, '127.0.0.1');
      agent.socket.send(serializeRtp({ payloadType: 8, sequenceNumber: i, timestamp: i * 160, ssrc: 2 }, alawTone), al.port, '127.0.0.1');
      await sleep(20);
    }
    for (const hex of ['050a00a0', '058a0320', '058a0320', '058a0320']) {
      caller.socket.send(serializeRtp({ payloadType: 101, sequenceNumber: 99, timestamp: 9000, ssrc: 1 }, Buffer.from(hex, 'hex')), cl.port, '127.0.0.1');
    }
    await until(() => events.some((e) => e.type === 'digit'));
    expect(events).toContainEqual({ type: 'digit', callId: 'c1', legId: 'caller', digit: '5', durationMs: 100 });
    const atAgent = agent.got.filter((p) => p.payloadType === 8).slice(-10).map((p) => decodeToPcm('pcma', p.payload));
    expect(atAgent.some((pcm) => dominantFrequency(pcm, [440, 1000]).frequency === 440 && dominantFrequency(pcm, [440]).amplitude > 1000)).toBe(true);

    const before = (await engine.stats()).portsAvailable;
    const { recording } = await engine.hangup('c1');
    expect(recording!.durationMs).toBeGreaterThan(200);
    const wav = decodeWav(await readFile(recording!.path));
    const left = wav.samples.filter((_, i) => i % 2 === 0);
    const right = wav.samples.filter((_, i) => i % 2 === 1);
    // The phones sent 20 ms tone bursts: judge frame by frame, over the frames that carry audio.
    const voiced = (samples: Int16Array): number[] => {
      const found: number[] = [];
      for (let f = 0; f < samples.length / 160; f++) {
        const d = dominantFrequency(samples, [440, 1000], 8000, f * 160, 160);
        if (d.amplitude > 1000) found.push(d.frequency);
      }
      return found;
    };
    expect(voiced(left).length).toBeGreaterThanOrEqual(10);
    expect(new Set(voiced(left))).toEqual(new Set([440]));
    expect(new Set(voiced(right))).toEqual(new Set([1000]));
    expect((await engine.stats()).portsAvailable).toBe(before + 2);
    expect(await engine.hangup('c1')).toEqual({ recording: null });
  });

  it('refuses unknown calls and legs, duplicates, and TTS when not configured', async () => {
    await expect(engine.createLeg('nope', 'x', { codec: 'pcmu' })).rejects.toThrow(MediaEngineError);
    await engine.createCall('c2');
    await expect(engine.createCall('c2')).rejects.toThrow(/already has media/);
    await expect(engine.play('c2', 'ghost', { kind: 'tone', pattern: 'busyUs' })).rejects.toThrow(/no leg "ghost"/);
    await engine.createLeg('c2', 'a', { codec: 'pcmu' });
    await expect(engine.createLeg('c2', 'a', { codec: 'pcmu' })).rejects.toThrow(/already has a leg/);
    await expect(engine.play('c2', 'a', { kind: 'tts', text: 'hi' })).rejects.toThrow(/not configured/);
    await expect(engine.sendDigits('c2', 'a', '1')).rejects.toThrow(/no telephone-event/);
    await engine.updateLeg('c2', 'a', null, { inactivityTimeoutMs: 100 });
    await until(() => events.some((e) => e.type === 'inactive'));
    await sleep(150); // and only once
    expect(events.filter((e) => e.type === 'inactive')).toEqual([{ type: 'inactive', callId: 'c2', legId: 'a', silentMs: expect.any(Number) }]);
    // Recording sides: leg ids (one, several, none), each a leg of the call.
    await engine.createLeg('c2', 'b', { codec: 'pcmu' });
    await engine.startRecording('c2', { path: join(dir, 'c2.wav'), left: 'a', right: [] });
    await engine.setRecordingSides('c2', { left: 'a', right: ['a', 'b'] });
    await expect(engine.setRecordingSides('c2', { left: 'a', right: ['b', 'ghost'] })).rejects.toThrow(/no leg "ghost"/);
    await expect(engine.setRecordingSides('c2', { left: 'a', right: ['b', 7 as never] })).rejects.toThrow(/a recording side must be a leg id, a list of leg ids or null, got \["b",7\]/);
    await expect(engine.setRecordingSides('c2', { left: null, right: ['b', 'b'] })).rejects.toThrow(/right side names a leg of call c2 twice/);
    await engine.stopRecording('c2');
    await engine.play('c2', 'a', { kind: 'hold' });
    await engine.stopPlayback('c2', 'a');
    await until(() => events.some((e) => e.type === 'playback-finished'));
    expect(events).toContainEqual({ type: 'playback-finished', callId: 'c2', legId: 'a', end: 'stopped' });
  });
});
