// Shared set-up of the voice integration tests: a voice node on real Kafka, Redis, SIP and RTP.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { phoneNumberAssignedV1, tenantCreatedV1 } from '@parley/contracts';
import { MediaEngine } from '@parley/media';
import { createEnvelope, KafkaEventBus } from '@parley/messaging';
import { RedisCounterStore } from '@parley/rate-limit';
import { type SipDestination } from '@parley/sip';
import { testEnvironment, uniqueName } from '@parley/testing';
import { RedisCallRegistry } from '../src/calls/call-registry';
import { type TrunkConfig } from '../src/calls/trunk-dialer';
import { RedisBindingStore } from '../src/registrar/redis-binding.store';
import { VoiceNode } from '../src/voice-node';

export const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, find: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(25);
  }
}

export interface TestVoiceNode {
  bus: KafkaEventBus;
  media: MediaEngine;
  node: VoiceNode;
  /** The node's UDP SIP address. */
  target: SipDestination;
  /** Publishes a tenant and its number as the tenant service would, and waits until the node routes it. */
  assignNumber(tenantId: string, slug: string, e164: string): Promise<void>;
  close(): Promise<void>;
}

export async function startTestVoiceNode(options: { rtpPorts: [number, number]; dir: string; trunks?: TrunkConfig[]; commandTimeoutMs?: number }): Promise<TestVoiceNode> {
  const bus = new KafkaEventBus({
    brokers: testEnvironment.kafkaBrokers(),
    clientId: uniqueName('voice-test'),
    partitionsPerTopic: 3,
    consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 50, joinTimeoutMs: 30_000 },
  });
  const redis = new Redis(testEnvironment.redisUrl());
  const media = new MediaEngine({ bindAddress: '127.0.0.1', portMin: options.rtpPorts[0], portMax: options.rtpPorts[1], ttsCacheDir: `${options.dir}/tts`, inactivityTimeoutMs: 0 });
  const node = new VoiceNode({
    nodeId: uniqueName('voice'),
    bus,
    media,
    bindings: new RedisBindingStore(redis),
    calls: new RedisCallRegistry(redis),
    counters: new RedisCounterStore(redis, `${uniqueName('vt')}:`),
    sip: { bindAddress: '127.0.0.1', advertisedAddress: '127.0.0.1', udpPort: 0 },
    credentialSecret: 'voice-test-credential-secret-0123456789',
    nonceSecret: 'voice-test-nonce-secret-0123456789',
    recordingsDir: `${options.dir}/recordings`,
    commandTimeoutMs: options.commandTimeoutMs ?? 3000,
    trunks: options.trunks ?? [],
    logger: silentLogger,
  });
  await node.start();
  const udp = node.stack.transport('udp')!.sentBy;
  return {
    bus,
    media,
    node,
    target: { transport: 'udp', address: udp.address, port: udp.port },
    async assignNumber(tenantId, slug, e164) {
      const at = new Date().toISOString();
      await bus.publish([
        createEnvelope(tenantCreatedV1, tenantId, { tenantId, slug, companyName: slug, locale: 'en', plan: 'trial', seatLimit: 5, sipDomain: `${slug}.sip.parley.local`, createdAt: at }),
        createEnvelope(phoneNumberAssignedV1, tenantId, { tenantId, numberId: randomUUID(), e164, assignedAt: at }),
      ]);
      await waitFor('the number in the directory', () => node.directory.routeFor(e164));
    },
    async close() {
      await node.stop();
      await media.close();
      await bus.close();
      redis.disconnect();
    },
  };
}

/** Runs sipp to completion (in `cwd`, where its scenario's relative files are); its exit code and everything it printed. */
export function runSipp(args: string[], options: { cwd?: string } = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}) });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}
