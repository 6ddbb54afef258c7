import { acdCallOverflowedV1, phoneNumberAssignedV1, phoneNumberReleasedV1, type PayloadOf, type SimulationTrace, ivrTopics, voiceCommandIssuedV1, voiceTopics, type ivrCallNodeVisitedV1 } from '@parley/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { createEnvelope, type KafkaEventBus } from '@parley/messaging';
import { provisionDatabase, UnitOfWork } from '@parley/persistence';
import { createLogger, type Registry } from '@parley/telemetry';
import { testEnvironment, uniqueName } from '@parley/testing';
import { type FlowView } from '../src/index';
import {
  assignNumber,
  menuFlow,
  newTenant,
  numberKnown,
  selfSignedCertificate,
  startIvrApp,
  startWebhookServer,
  testKafkaBus,
  waitFor,
  type IvrTestApp,
  type StartIvrAppOptions,
  type TestTenant,
} from './ivr-test-kit';
import { IvrEventRecorder, ScriptedVoice, type CallRecord } from './scripted-voice';

/** A caller whose data dip the test webhook never answers. */
const SILENT_CRM_CALLER = '+15550000099';
const CALLER = '+15555550123';
const CUSTOMER = { customer: { tier: 'gold', name: 'Ada' } };

function counterTotal(registry: Registry, name: string, labels: Record<string, string> = {}): number {
  const metric = registry.getSingleMetric(name) as unknown as { hashMap?: Record<string, { value: number; labels: Record<string, string> }> } | undefined;
  return Object.values(metric?.hashMap ?? {})
    .filter((entry) => Object.entries(labels).every(([k, v]) => entry.labels[k] === v))
    .reduce((sum, entry) => sum + entry.value, 0);
}

function stepsOf(app: IvrTestApp): number {
  return counterTotal(app.registry, 'ivr_executor_steps_total', { result: 'applied' });
}

/** The node visits of a live call, as the simulator's trace lists them. */
function visitsOf(events: readonly PayloadOf<typeof ivrCallNodeVisitedV1>[]): { visit: number; nodeId: string; nodeType: string; exit?: string; detail?: string }[] {
  const visits = new Map<number, { visit: number; nodeId: string; nodeType: string; exit?: string; detail?: string }>();
  for (const e of events) {
    const visit = visits.get(e.visit) ?? { visit: e.visit, nodeId: e.nodeId, nodeType: e.nodeType };
    if (e.transition === 'left') {
      if (e.exit !== undefined) visit.exit = e.exit;
      if (e.detail !== undefined) visit.detail = e.detail;
    }
    visits.set(e.visit, visit);
  }
  return [...visits.values()].sort((x, y) => x.visit - y.visit);
}

// The ivr runner on the shared broker (other suites' voice nodes do not answer commands for
// tenants they do not know), with consumer groups of this run's own, and a database of its own
// (its ivr instances share one consumer group and one timer scheduler).
describe('the ivr call runner: voice events in, voice commands and IVR events out', () => {
  const brokers = testEnvironment.kafkaBrokers();
  const groupPrefix = uniqueName('ivr').replace(/-/g, '_');
  const tls = selfSignedCertificate();
  let database: { ownerUrl: string; appUrl: string };
  let webhook: Awaited<ReturnType<typeof startWebhookServer>>;
  let voiceBus: KafkaEventBus;
  let voice: ScriptedVoice;
  let recorder: IvrEventRecorder;
  let tenant: TestTenant;
  let options: StartIvrAppOptions;

  const waitForCompletion = (callId: string, timeoutMs = 60_000): Promise<CallRecord> =>
    waitFor(`ivr.call.completed.v1 of call ${callId}`, async () => {
      const record = recorder.of(callId);
      // A routed call stays the IVR's until it ends: here the agent takes it and hangs up.
      if (record.routed !== undefined && record.completed === undefined) await voice.agentHangsUp(callId);
      return record.completed !== undefined ? record : undefined;
    }, timeoutMs);

  beforeAll(async () => {
    const name = `${process.env.PARLEY_TEST_DATABASE ?? 'parley_test'}_runner`;
    database = await provisionDatabase({ adminUrl: testEnvironment.pgAdminUrl(), database: name, ownerPassword: 'parley-owner-test', appPassword: 'parley-app-test', recreate: true });
    webhook = await startWebhookServer(tls, (req) => {
      const body = JSON.parse(req.body) as { callerNumber: string };
      return body.callerNumber === SILENT_CRM_CALLER ? undefined : { status: 200, body: JSON.stringify(CUSTOMER) };
    });
    voiceBus = testKafkaBus(brokers, 'voice-double');
    // The topics exist before the first call, as the deployment's topic-provisioning job makes sure.
    await voiceBus.provisionTopics([...voiceTopics, ...ivrTopics, voiceCommandIssuedV1, phoneNumberAssignedV1, phoneNumberReleasedV1]);
    voice = new ScriptedVoice(voiceBus);
    await voice.start();
    recorder = new IvrEventRecorder(voiceBus);
    await recorder.start();
    tenant = newTenant();
    options = {
      database,
      brokers,
      // Every instance of this run shares these groups (as production instances share `ivr.*`).
      consumerGroupPrefix: groupPrefix,
      overrides: { IVR_WEBHOOK_ALLOW_PRIVATE: 'true', IVR_WEBHOOK_CA_FILE: tls.certFile },
    };
  }, 180_000);

  afterAll(async () => {
    await recorder?.stop();
    await voice?.stop();
    await voiceBus?.close();
    await webhook?.close();
    tls.cleanup();
  }, 60_000);

  describe('one ivr instance', () => {
    let a: IvrTestApp;
    let flow: FlowView;
    let bound: { numberId: string; e164: string };
    let unbound: { numberId: string; e164: string };
    const logLines: string[] = [];

    beforeAll(async () => {
      a = await startIvrApp({ ...options, logger: createLogger({ service: 'ivr-test', level: 'info', destination: { write: (line: string) => void logLines.push(line) } }) });
      const owner = await tenant.auth();
      flow = (await a.http.post('/api/v1/ivr/flows').set(owner).send({ document: menuFlow(webhook.url('/crm/lookup')) }).expect(201)).body as FlowView;
      await a.http.post(`/api/v1/ivr/flows/${flow.id}/publish`).set(owner).expect(201);
      bound = await assignNumber(voiceBus, tenant);
      unbound = await assignNumber(voiceBus, tenant);
      await numberKnown(a, tenant, bound.numberId);
      await numberKnown(a, tenant, unbound.numberId);
      await a.http.put(`/api/v1/ivr/numbers/${bound.numberId}/binding`).set(owner).send({ flowId: flow.id, version: 'latest' }).expect(200);
    }, 120_000);
    afterAll(() => a?.close(), 60_000);

    it('drives a call from voice.call.started.v1 through the menu to ivr.call.routed.v1 with the queue and skills of the choice', async () => {
      const { callId } = await voice.placeCall({ tenantId: tenant.tenantId, numberId: bound.numberId, from: `sip:${CALLER}@carrier.test;user=phone`, to: bound.e164, digits: ['2'] });
      const record = await waitForCompletion(callId);

      expect(record.routed).toMatchObject({
        callId,
        flowId: flow.id,
        flowVersion: 1,
        nodeId: 'support',
        mode: 'live',
        queue: 'support',
        priority: 5,
        skills: [
          { skill: 'billing', minProficiency: 3 },
          { skill: 'english', minProficiency: 1 },
        ],
        attributes: { tier: 'gold', caller: CALLER },
        variables: { tier: 'gold', customerName: 'Ada' },
        callerNumber: CALLER,
        dialledNumber: bound.e164,
        afterAgent: 'end',
      });
      expect(record.completed).toMatchObject({ callId, outcome: 'routed', lastNodeId: 'support', nodesVisited: 4 });
      expect(visitsOf(record.nodeEvents).map((v) => `${v.nodeId}:${v.exit ?? ''}`)).toEqual(['welcome:next', 'lookup:next', 'main-menu:option:2', 'support:routed']);

      const commands = voice.commands.get(callId) ?? [];
      expect(commands.map((c) => c.command.type)).toEqual(['answer', 'play', 'collect', 'play']);
      expect(commands.every((c) => c.issuedBy === 'ivr')).toBe(true);
      expect(commands[2]?.command).toMatchObject({ type: 'collect', maxDigits: 1, prompts: [{ kind: 'text', text: 'Hello Ada. For sales press 1, for support press 2.' }] });
      // The first command must reach voice well within its 3 s emergency timeout.
      const latency = voice.firstCommandLatencyMs(callId);
      process.stdout.write(`[ivr-runner] voice.call.started.v1 → first voice command: ${latency} ms\n`);
      expect(latency).toBeLessThan(3000);

      // The webhook got the call's facts; the call's state row is gone with its IVR part.
      const dip = webhook.requests.map((r) => JSON.parse(r.body) as { callId: string }).find((b) => b.callId === callId);
      expect(dip).toMatchObject({ callerNumber: CALLER, dialledNumber: bound.e164, flowId: flow.id, flowVersion: 1, nodeId: 'lookup' });
      const uow = new UnitOfWork(a.dataSource);
      expect(await uow.inTenant(tenant.tenantId, (tx) => tx.manager.query('SELECT 1 FROM ivr.calls WHERE call_id = $1', [callId]))).toEqual([]);
      const metrics = (await a.http.get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/ivr_call_starts_total\{[^}]*result="started"[^}]*\} 1/);
      expect(metrics).toMatch(/ivr_calls_completed_total\{[^}]*outcome="routed"[^}]*\} 1/);
    });

    it('takes back a call its queue overflows (acd.call.overflowed.v1): an apology when the flow names no node for it, then hang-up', async () => {
      const { callId } = await voice.placeCall({ tenantId: tenant.tenantId, numberId: bound.numberId, from: CALLER, to: bound.e164, digits: ['2'] });
      await waitFor('the call routed', async () => recorder.of(callId).routed);
      await voiceBus.publish([
        createEnvelope(acdCallOverflowedV1, tenant.tenantId, { callId, queueId: 'support', action: 'voicemail', reason: 'max-wait', waitedMs: 300_000, overflowedAt: new Date().toISOString() }),
      ]);
      const record = await waitFor('the call completed after the overflow', async () => recorder.of(callId).completed && recorder.of(callId), 30_000);
      expect(record.completed).toMatchObject({ callId, outcome: 'hangup' });
      const commands = (voice.commands.get(callId) ?? []).map((c) => c.command);
      expect(commands.slice(-2)).toEqual([
        expect.objectContaining({ type: 'play', prompts: [expect.objectContaining({ text: 'Sorry, nobody can take your call right now. Please call again later. Goodbye.' })] }),
        { type: 'hangup', reason: 'the queue overflowed and the flow has no node for it' },
      ]);
    });

    it("leaves a call to a number bound to no flow to voice's emergency path: no command, a log line", async () => {
      const { callId } = await voice.placeCall({ tenantId: tenant.tenantId, numberId: unbound.numberId, from: CALLER, to: unbound.e164, digits: [] });
      const line = await waitFor('the log line about the unbound number', async () => logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.callId === callId && String(l.msg).includes('no IVR flow is bound')));
      expect(line).toMatchObject({ tenantId: tenant.tenantId, callId, numberId: unbound.numberId, level: 'info' });
      // A call placed after it completes first: by then anything sent about the unbound call would have arrived.
      const { callId: later } = await voice.placeCall({ tenantId: tenant.tenantId, numberId: bound.numberId, from: CALLER, to: bound.e164, digits: ['1'] });
      await waitForCompletion(later);
      expect(voice.commands.get(callId)).toEqual([]);
      const uow = new UnitOfWork(a.dataSource);
      expect(await uow.inTenant(tenant.tenantId, (tx) => tx.manager.query('SELECT 1 FROM ivr.outbox WHERE msg_key = $1', [callId]))).toEqual([]);
    });

    it('ends a call whose caller hangs up in the menu as abandoned, where the caller gave up', async () => {
      const { callId } = await voice.placeCall({ tenantId: tenant.tenantId, numberId: bound.numberId, from: CALLER, to: bound.e164, digits: [null] });
      await waitFor('the menu question', async () => (voice.commands.get(callId) ?? []).some((c) => c.command.type === 'collect'));
      await voice.hangUp(callId);
      const record = await waitForCompletion(callId);
      expect(record.completed).toMatchObject({ outcome: 'abandoned', lastNodeId: 'main-menu', reason: 'the call ended (caller-hangup) in node "main-menu"' });
      expect(record.routed).toBeUndefined();
      expect(visitsOf(record.nodeEvents).at(-1)).toMatchObject({ nodeId: 'main-menu', exit: 'caller-hangup' });
    });

    it("gives the same trace from the simulator as the live call for the same inputs", async () => {
      const { callId, startedAt } = await voice.placeCall({ tenantId: tenant.tenantId, numberId: bound.numberId, from: CALLER, to: bound.e164, digits: ['7', '1'] });
      const live = await waitForCompletion(callId);
      const commands = (voice.commands.get(callId) ?? []).map((c) => ({ commandId: c.commandId, command: c.command }));

      const simulated = await a.http
        .post(`/api/v1/ivr/flows/${flow.id}/simulate`)
        .set(await tenant.auth('supervisor'))
        .send({
          version: 1,
          script: { callId, startAt: startedAt, callerNumber: CALLER, dialledNumber: bound.e164, digits: [{ digits: '7' }, { digits: '1' }], webhooks: [{ nodeId: 'lookup', body: CUSTOMER }] },
        });
      expect(simulated.status).toBe(200);
      const trace = simulated.body as SimulationTrace;

      expect(trace.commands.map((c) => ({ commandId: c.commandId, command: c.command }))).toEqual(commands);
      expect(trace.nodes.map(({ visit, nodeId, nodeType, exit, detail }) => ({ visit, nodeId, nodeType, ...(exit !== undefined ? { exit } : {}), ...(detail !== undefined ? { detail } : {}) }))).toEqual(visitsOf(live.nodeEvents));
      const { routedAt: _simulatedAt, ...simulatedRouting } = trace.routed ?? { routedAt: '' };
      const { routedAt: _liveAt, ...liveRouting } = live.routed ?? { routedAt: '' };
      expect(simulatedRouting).toEqual(liveRouting);
      expect(liveRouting).toMatchObject({ queue: 'sales', skills: [{ skill: 'sales', minProficiency: 2 }], attributes: { tier: 'gold', entry: 'menu-1' } });
      const timeless = (c: SimulationTrace['completed']): Partial<SimulationTrace['completed']> => ({ ...c, startedAt: undefined, completedAt: undefined, durationMs: undefined });
      expect(timeless(trace.completed)).toEqual(timeless(live.completed as SimulationTrace['completed']));
      expect(trace.outcome).toBe('routed');
      expect(trace.variables).toEqual(live.completed?.variables);
      // The wrong key made the menu ask again, with the invalid prompt first.
      expect(trace.nodes.find((n) => n.nodeId === 'main-menu')?.exit).toBe('option:1');
      expect(commands.filter((c) => c.command.type === 'collect')).toHaveLength(2);
    });
  });

  describe('two ivr instances', () => {
    let b: IvrTestApp;
    let c: IvrTestApp;

    beforeAll(async () => {
      [b, c] = await Promise.all([startIvrApp(options), startIvrApp(options)]);
      // Both members in the call runner's group before the call, so no rebalance moves it midway.
      const admin = new Kafka({ brokers, clientId: 'ivr-runner-test', logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        await waitFor('a stable call-runner group of two', async () => {
          const [group] = (await admin.describeGroups([`${groupPrefix}.call-runner`])).groups;
          return group?.state === 'Stable' && group.members.length === 2;
        }, 60_000, 250);
      } finally {
        await admin.disconnect();
      }
    }, 120_000);
    afterAll(async () => {
      await Promise.allSettled([b?.close(), c?.close()]);
    }, 60_000);

    it('continues a call on the other instance after the one running it closed mid-call, its timer included', async () => {
      const owner = await tenant.auth();
      const flow = (await b.http.post('/api/v1/ivr/flows').set(owner).send({ document: menuFlow(webhook.url('/crm/slow'), { dipTimeoutMs: 5000, name: 'Slow CRM' }) }).expect(201)).body as FlowView;
      await b.http.post(`/api/v1/ivr/flows/${flow.id}/publish`).set(owner).expect(201);
      const number = await assignNumber(voiceBus, tenant);
      await numberKnown(b, tenant, number.numberId);
      await b.http.put(`/api/v1/ivr/numbers/${number.numberId}/binding`).set(owner).send({ flowId: flow.id, version: 1 }).expect(200);

      const { callId } = await voice.placeCall({ tenantId: tenant.tenantId, numberId: number.numberId, from: SILENT_CRM_CALLER, to: number.e164, digits: ['2'] });
      // The call waits in the data dip: the CRM never answers; the timer fires 5 + 2 s after the request.
      await waitFor('the data dip request', async () => webhook.requests.some((r) => (JSON.parse(r.body) as { callId: string }).callId === callId));
      // The instance that took the welcome prompt's end called the webhook: it closes with the request in flight.
      const running = counterTotal(b.registry, 'ivr_executor_steps_total', { input: 'playback-finished', result: 'applied' }) > 0 ? b : c;
      const other = running === b ? c : b;
      expect(stepsOf(b) + stepsOf(c)).toBe(2);
      const stepsBeforeClose = stepsOf(running);
      const otherStepsBeforeClose = stepsOf(other);
      await running.close();
      const closedAt = Date.now();

      const record = await waitForCompletion(callId, 90_000);
      expect(record.routed).toMatchObject({ callId, queue: 'support', attributes: { tier: '', caller: SILENT_CRM_CALLER } });
      expect(record.routed?.variables).toEqual({});
      expect(visitsOf(record.nodeEvents).map((v) => `${v.nodeId}:${v.exit ?? ''}`)).toEqual(['welcome:next', 'lookup:failure', 'main-menu:option:2', 'support:routed']);
      expect(visitsOf(record.nodeEvents)[1]?.detail).toBe('the webhook did not answer in time');

      // The other instance fired the timer and took the call's remaining inputs; the closed one did nothing more.
      expect(counterTotal(other.registry, 'ivr_timers_fired_total')).toBe(1);
      expect(counterTotal(running.registry, 'ivr_timers_fired_total')).toBe(0);
      // Timer, the menu's answer, the hand-over's prompt, and the end of the call after the agent.
      expect(stepsOf(other) - otherStepsBeforeClose).toBe(4);
      expect(stepsOf(running)).toBe(stepsBeforeClose);
      const menu = (voice.commands.get(callId) ?? []).find((cmd) => cmd.command.type === 'collect');
      expect(menu?.receivedAt).toBeGreaterThan(closedAt);
    }, 120_000);
  });
});
