import { randomUUID } from 'node:crypto';
import { type PayloadOf, phoneNumberAssignedV1, phoneNumberReleasedV1, tenantCreatedV1 } from '@parley/contracts';
import { MediaEngine } from '@parley/media';
import { createEnvelope, InProcessEventBus } from '@parley/messaging';
import { MemoryCounterStore } from '@parley/rate-limit';
import { MemoryCallRegistry } from './calls/call-registry';
import { type DirectorySnapshot } from './directory/directory-snapshot.client';
import { MemoryBindingStore } from './registrar/memory-binding.store';
import { partitionKey, type PartitionStarts, VoiceNode, type VoiceNodeOptions } from './voice-node';

const tenantId = randomUUID();
const at = '2025-01-01T00:00:00.000Z';
const tenant: PayloadOf<typeof tenantCreatedV1> = { tenantId, slug: 'acme', companyName: 'Acme', locale: 'en', plan: 'trial', seatLimit: 5, sipDomain: 'acme.sip.parley.local', createdAt: at };
const assigned = (e164: string, numberId = randomUUID()) => createEnvelope(phoneNumberAssignedV1, tenantId, { tenantId, numberId, e164, assignedAt: at });
const released = (e164: string, numberId: string) => createEnvelope(phoneNumberReleasedV1, tenantId, { tenantId, numberId, e164, releasedAt: at });

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

describe('VoiceNode directory at start (in-process bus)', () => {
  let bus: InProcessEventBus;
  let media: MediaEngine;
  let node: VoiceNode | undefined;
  const infos: { o: object; m?: string }[] = [];
  const logger = { info: (o: object, m?: string) => void infos.push({ o, m }), warn: () => undefined, error: () => undefined, debug: () => undefined };

  const newNode = (directoryBoot: VoiceNodeOptions['directoryBoot']): VoiceNode =>
    new VoiceNode({
      nodeId: `node-${randomUUID().slice(0, 8)}`,
      bus,
      media,
      bindings: new MemoryBindingStore(),
      calls: new MemoryCallRegistry(),
      counters: new MemoryCounterStore(),
      sip: { bindAddress: '127.0.0.1', advertisedAddress: '127.0.0.1', udpPort: 0 },
      credentialSecret: 'c'.repeat(32),
      nonceSecret: 'n'.repeat(32),
      recordingsDir: '/tmp/parley-voice-node-spec',
      directoryBoot,
      logger,
    });

  /** Where each partition of the directory's topics ends now, learned by reading them (what Kafka's high watermarks say). */
  async function partitionEndsNow(topics: readonly string[]): Promise<PartitionStarts> {
    const ends = new Map<string, bigint>();
    const probe = await bus.subscribe({
      group: `probe-${randomUUID()}`,
      topics: [phoneNumberAssignedV1, phoneNumberReleasedV1, tenantCreatedV1].filter((t) => topics.includes(t.name)),
      handle: async ({ topic, partition, offset }) => void ends.set(partitionKey(topic.name, partition), BigInt(offset) + 1n),
    });
    await delay(20);
    await probe.close();
    return ends;
  }

  beforeEach(() => {
    bus = new InProcessEventBus();
    media = new MediaEngine({ bindAddress: '127.0.0.1', portMin: 47100, portMax: 47109 });
    infos.length = 0;
  });
  afterEach(async () => {
    await node?.stop();
    node = undefined;
    await media.close();
    await bus.close();
  });

  it('loads the snapshot, applies the events that came while it was fetched, skips what is older, then follows live', async () => {
    // History whose end is gone (the release of +1800... fell out of retention): replaying it would route a released number.
    await bus.publish([createEnvelope(tenantCreatedV1, tenantId, tenant), assigned('+18005550001')]);
    const kept = randomUUID();
    const snapshot: DirectorySnapshot = { tenants: [tenant], numbers: [{ tenantId, numberId: kept, e164: '+18005550002', assignedAt: at }], users: [], seats: [], voiceSettings: [] };
    let fetched = false;
    node = newNode({
      kind: 'snapshot',
      partitionEnds: partitionEndsNow,
      fetchSnapshot: async () => {
        // While the snapshot is on its way: one of its numbers is released, a new one assigned.
        await bus.publish([released('+18005550002', kept), assigned('+18005550003')]);
        await delay(50);
        fetched = true;
        return snapshot;
      },
    });
    const starting = node.start();
    expect(node.directoryLoaded).toBe(false);
    await starting;
    expect(fetched).toBe(true);
    expect(node.directoryLoaded).toBe(true);
    expect(node.directory.routeFor('+18005550001')).toBeUndefined();
    expect(node.directory.routeFor('+18005550002')).toBeUndefined();
    expect(node.directory.routeFor('+18005550003')).toMatchObject({ tenantId });
    expect(infos.find((i) => i.m === 'directory loaded from the tenant snapshot')?.o).toMatchObject({ bufferedEvents: 2, skippedEvents: 2, numbers: 1, tenants: 1 });

    await bus.publish([assigned('+18005550004')]);
    await until('the live event applied', () => node?.directory.routeFor('+18005550004') !== undefined);
  });

  it('without partition ends, starts at the end of the topics: nothing older is applied', async () => {
    await bus.publish([assigned('+18005550001')]);
    node = newNode({ kind: 'snapshot', fetchSnapshot: async () => ({ tenants: [tenant], numbers: [], users: [], seats: [], voiceSettings: [] }) });
    await node.start();
    expect(node.directory.routeFor('+18005550001')).toBeUndefined();
    expect(node.directory.size).toEqual({ numbers: 0, tenants: 1 });
  });

  it('fails to start, with the error of the snapshot fetch, when the snapshot cannot be had', async () => {
    node = newNode({ kind: 'snapshot', fetchSnapshot: async () => Promise.reject(new Error('voice directory snapshot from http://x: HTTP 401 Unauthorized')) });
    await expect(node.start()).rejects.toThrow('HTTP 401 Unauthorized');
    expect(node.directoryLoaded).toBe(false);
    node = undefined; // never started: nothing to stop
  });

  it('replays the topics from their beginning by default (the all-in-one mode)', async () => {
    await bus.publish([createEnvelope(tenantCreatedV1, tenantId, tenant), assigned('+18005550001')]);
    node = newNode(undefined);
    await node.start();
    expect(node.directoryLoaded).toBe(true);
    await until('the history replayed', () => node?.directory.routeFor('+18005550001') !== undefined);
  });
});
