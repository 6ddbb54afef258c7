import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { acdCallAssignedV1, type Envelope, type PayloadOf, seatAssignedV1 } from '@parley/contracts';
import { createEnvelope, type Subscription } from '@parley/messaging';
import { UnitOfWork } from '@parley/persistence';
import { Redis } from 'ioredis';
import { redisRealtime } from '../src/index';
import { testEnvironment, uniqueName } from '@parley/testing';
import { type AcdTestApp, baseQueue, DATA_KEY, JWT_SECRET, migrate, newTenant, routeCall, startAcdApp, TEST_SEATS_GROUP, testKafkaBus, waitFor } from './acd-test-kit';
import { ScriptedVoice } from './scripted-voice';

const root = join(__dirname, '..', '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** An acd instance in a process of its own (src/main.ts), the way it runs in production. */
async function startInstance(port: number, groupPrefix: string, instanceId: string): Promise<{ child: ChildProcess; output: () => string }> {
  let output = '';
  const child = spawn(process.execPath, ['-r', './tools/register.cjs', 'apps/acd/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      HTTP_PORT: String(port),
      PG_URL: testEnvironment.pgAppUrl(),
      REDIS_URL: testEnvironment.redisUrl(),
      KAFKA_BROKERS: testEnvironment.kafkaBrokers().join(','),
      JWT_SECRET,
      ACD_DATA_KEY: DATA_KEY,
      ACD_INSTANCE_ID: instanceId,
      ACD_CONSUMER_GROUP_PREFIX: groupPrefix,
      ACD_SEATS_CONSUMER_GROUP: TEST_SEATS_GROUP,
      ACD_TENANT_LEASE_MS: '2000',
      ACD_SWEEP_INTERVAL_MS: '250',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const http = request(`http://127.0.0.1:${port}`);
  await waitFor('the acd process ready', async () => (await http.get('/ready').catch(() => ({ status: 0 }))).status === 200, 90_000, 250);
  return { child, output: () => output };
}

/** Which instance holds the tenant's lease (the instance that runs its routing engine). */
async function leaseHolder(tenantId: string): Promise<string | null> {
  const redis = new Redis(testEnvironment.redisUrl(), { maxRetriesPerRequest: 2 });
  try {
    return await redisRealtime(redis).leases.holderOf(tenantId);
  } finally {
    redis.disconnect();
  }
}

describe('an acd instance killed mid-run', () => {
  let first: { child: ChildProcess; output: () => string } | undefined;
  let second: AcdTestApp | undefined;
  let voice: ScriptedVoice | undefined;
  let recorder: Subscription | undefined;
  const bus = testKafkaBus(uniqueName('failover-test'));

  afterAll(async () => {
    first?.child.kill('SIGKILL');
    await recorder?.close();
    await voice?.stop();
    await second?.close();
    await bus.close();
  });

  it('leaves no call stranded: another instance takes the tenant over with its offer in flight and its waiting calls, and finishes them', async () => {
    await migrate();
    const groupPrefix = uniqueName('acd_failover').replace(/-/g, '_');
    const port = await freePort();
    first = await startInstance(port, groupPrefix, 'acd-first');
    const a = request(`http://127.0.0.1:${port}`);
    voice = new ScriptedVoice(bus);
    await voice.start();
    const assigned: Envelope<PayloadOf<typeof acdCallAssignedV1>>[] = [];
    recorder = await bus.subscribe({ group: uniqueName('failover-events'), topics: [acdCallAssignedV1], fromBeginning: false, handle: async ({ envelope }) => void assigned.push(envelope as Envelope<PayloadOf<typeof acdCallAssignedV1>>) });

    const tenant = newTenant();
    voice.serve(tenant.tenantId);
    const owner = await tenant.auth('owner');
    expect((await a.post('/api/v1/acd/queues').set(owner).send(baseQueue('support', { offerTimeoutSeconds: 60 }))).status).toBe(201);
    // The agents: seats from the tenant service (the bus), profiles through the first instance.
    const agents = [randomUUID(), randomUUID()];
    const [xena, yuri] = agents as [string, string];
    for (const userId of agents) {
      await bus.publish([createEnvelope(seatAssignedV1, tenant.tenantId, { tenantId: tenant.tenantId, userId, seatsInUse: 1, seatLimit: 5, assignedAt: new Date().toISOString() })]);
    }
    for (const agentId of agents) {
      await waitFor(`agent ${agentId} known`, async () => (await a.get(`/api/v1/acd/agents/${agentId}`).set(owner)).status === 200, 60_000, 100);
      expect((await a.put(`/api/v1/acd/agents/${agentId}/queues`).set(owner).send({ queueIds: ['support'] })).status).toBe(200);
    }
    // xena's phone rings without an answer (yet); yuri answers at once once available.
    voice.agents.set(xena, { kind: 'silent' });
    voice.agents.set(yuri, { kind: 'answer' });
    expect((await a.put(`/api/v1/acd/agents/${xena}/state`).set(owner).send({ state: 'available' })).status).toBe(200);

    const calls: string[] = [];
    for (let i = 0; i < 4; i++) calls.push(await routeCall(bus, tenant, 'support'));
    // (the routed events may reach the engine in any order: the first one it took rings at xena)
    const ringing = await waitFor('a call ringing at xena, the others on hold', async () => {
      const offered = calls.filter((c) => voice?.bridges(c).includes(xena));
      return offered.length === 1 && calls.every((c) => (voice?.of(c).length ?? 0) >= 1) ? offered[0] : undefined;
    }, 30_000);
    const waiting = calls.filter((c) => c !== ringing);
    expect(waiting.every((c) => voice?.bridges(c).length === 0)).toBe(true);

    expect(await leaseHolder(tenant.tenantId)).toBe('acd-first');
    // A second instance joins the deployment, then the first one is killed: no drain, no handover.
    second = await startAcdApp({ consumerGroupPrefix: groupPrefix, overrides: { ACD_TENANT_LEASE_MS: '2000', ACD_INSTANCE_ID: 'acd-second' } });
    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first?.child.once('exit', resolve));
    const b = second;

    await waitFor('the second instance running the tenant', async () => b.dispatcher.local(tenant.tenantId) !== undefined, 30_000, 100);
    const takeoverMs = Date.now() - killedAt;
    // The offer made by the dead engine goes on: xena answers it now.
    await voice.answer(tenant.tenantId, ringing, xena);
    // (the bridge event waits until Kafka gives the dead instance's partitions to the second one: its session timeout)
    await waitFor('xena on the first call', async () => (await b.http.get(`/api/v1/acd/agents/${xena}/state`).set(owner)).body.state === 'on-call', 45_000);
    expect((await b.http.put(`/api/v1/acd/agents/${yuri}/state`).set(owner).send({ state: 'available' })).status).toBe(200);
    await waitFor('yuri on a waiting call', async () => waiting.some((c) => voice?.bridges(c).includes(yuri)), 20_000);
    voice.agents.set(xena, { kind: 'answer' });
    // Callers finish one after the other; each agent then takes the next waiting call.
    const finished = new Set<string>();
    const mine = (): string[] => assigned.filter((e) => e.tenantId === tenant.tenantId).map((e) => `${e.payload.callId}->${e.payload.agentId}`);
    await waitFor(
      'every call answered and finished',
      async () => {
        for (const envelope of assigned) {
          const callId = envelope.payload.callId;
          if (envelope.tenantId !== tenant.tenantId || finished.has(callId)) continue;
          finished.add(callId);
          await voice?.end(tenant.tenantId, callId);
        }
        return finished.size === calls.length;
      },
      60_000,
      100,
    ).catch(async (error: unknown) => {
      const states = await Promise.all(agents.map(async (agentId) => (await b.http.get(`/api/v1/acd/agents/${agentId}/state`).set(owner)).body as unknown));
      process.stderr.write(`[acd] failover diagnostics: ${JSON.stringify({ calls, xena, yuri, assigned: mine(), commands: calls.map((c) => voice?.of(c).map((x) => x.command.type + (x.command.type === 'bridge-agent' ? `:${x.command.agentId}` : ''))), states })}\n`);
      throw error;
    });

    // Each call went to exactly one agent, and no agent had two calls at once.
    const ours = assigned.filter((e) => e.tenantId === tenant.tenantId);
    expect(new Set(ours.map((e) => e.payload.callId))).toEqual(new Set(calls));
    expect(ours).toHaveLength(calls.length);
    for (const agentId of agents) {
      const bridges = calls.flatMap((callId) => (voice?.bridges(callId).includes(agentId) ? [callId] : []));
      expect(bridges.length).toBeGreaterThanOrEqual(1);
    }
    // No call left in progress in the durable queue entries.
    const uow = new UnitOfWork(b.dataSource);
    const statuses = async (): Promise<string[]> =>
      uow.inTenant(tenant.tenantId, async (tx) => ((await tx.manager.query('SELECT status FROM acd.calls ORDER BY enqueued_at')) as { status: string }[]).map((r) => r.status));
    await waitFor('no call in progress', async () => (await statuses()).every((s) => s === 'done'), 10_000);
    expect(await statuses()).toEqual(['done', 'done', 'done', 'done']);
    // The first call's decision was made by the dead instance's engine; the others by the second.
    const decisions = await b.http.get(`/api/v1/acd/decisions/${ringing}`).set(owner);
    expect((decisions.body.decisions as { decisionId: string }[]).map((d) => d.decisionId.split(':')[0]?.split('.')[0])).toEqual(['acd-first']);
    for (const callId of waiting) {
      const later = await b.http.get(`/api/v1/acd/decisions/${callId}`).set(owner);
      expect((later.body.decisions as { decisionId: string }[]).map((d) => d.decisionId.split('.')[0])).toEqual(['acd-second']);
    }
    process.stderr.write(`[acd] failover: tenant taken over ${takeoverMs} ms after the kill\n`);
    expect(takeoverMs).toBeLessThan(15_000);
  }, 240_000);
});

describe('two acd instances of one deployment', () => {
  it("pass requests to the instance that runs the tenant's engine and give its answer back (states, refusals, statistics)", async () => {
    const groupPrefix = uniqueName('acd_pair').replace(/-/g, '_');
    const one = await startAcdApp({ consumerGroupPrefix: groupPrefix, overrides: { ACD_INSTANCE_ID: 'acd-one' } });
    const two = await startAcdApp({ consumerGroupPrefix: groupPrefix, overrides: { ACD_INSTANCE_ID: 'acd-two' } });
    try {
      const tenant = newTenant();
      const owner = await tenant.auth('owner');
      expect((await one.http.post('/api/v1/acd/queues').set(owner).send(baseQueue('sales'))).status).toBe(201);
      const userId = randomUUID();
      await one.bus.publish([createEnvelope(seatAssignedV1, tenant.tenantId, { tenantId: tenant.tenantId, userId, seatsInUse: 1, seatLimit: 5, assignedAt: new Date().toISOString() })]);
      await waitFor('the agent known', async () => (await one.http.get(`/api/v1/acd/agents/${userId}`).set(owner)).status === 200);
      expect((await one.http.put(`/api/v1/acd/agents/${userId}/queues`).set(owner).send({ queueIds: ['sales'] })).status).toBe(200);
      // The first instance takes the tenant (its engine runs there)...
      expect((await one.http.put(`/api/v1/acd/agents/${userId}/state`).set(owner).send({ state: 'break', reason: 'training' })).status).toBe(200);
      expect(one.dispatcher.local(tenant.tenantId)).toBeDefined();
      expect(await leaseHolder(tenant.tenantId)).toBe('acd-one');
      // ...the second one hands its requests over and answers with the first one's replies.
      const available = await two.http.put(`/api/v1/acd/agents/${userId}/state`).set(owner).send({ state: 'available' });
      expect(available.status).toBe(200);
      expect(available.body).toMatchObject({ agentId: userId, state: 'available' });
      const illegal = await two.http.put(`/api/v1/acd/agents/${userId}/state`).set(owner).send({ state: 'available' });
      expect(illegal.status).toBe(409);
      expect(illegal.body.message).toContain('cannot go from available to available');
      const stats = await two.http.get('/api/v1/acd/queues/sales/stats').set(owner);
      expect(stats.status).toBe(200);
      expect(stats.body).toMatchObject({ queueId: 'sales', agentsByState: { available: 1 } });
      expect(two.dispatcher.local(tenant.tenantId)).toBeUndefined();
      expect(await two.registry.getSingleMetricAsString('acd_forwarded_inputs_total')).toMatch(/kind="agent-state",service="acd"} 2/);
      // A configuration change made through the second instance reaches the engine on the first.
      expect((await two.http.put(`/api/v1/acd/agents/${userId}/queues`).set(owner).send({ queueIds: [] })).status).toBe(200);
      await waitFor('the agent out of the queue on the first instance', async () => (await two.http.get('/api/v1/acd/queues/sales/stats').set(owner)).body.agentsByState?.available === 0);
    } finally {
      await two.close();
      await one.close();
    }
  }, 120_000);
});
