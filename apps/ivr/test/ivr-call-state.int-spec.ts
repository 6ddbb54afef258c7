import { randomUUID } from 'node:crypto';
import { flowDocumentSchema, type FlowDocumentInput } from '@parley/contracts';
import { UnitOfWork } from '@parley/persistence';
import { FlowExecutor, type FlowVersionView, type FlowView } from '../src/index';
import { CallRunnerService, type StepOutcome } from '../src/calls/call-runner.service';
import { CallStateRepository, StaleCallStateError } from '../src/calls/call-state.repository';
import { newTenant, startIvrApp, waitFor, type IvrTestApp, type TestTenant } from './ivr-test-kit';

/** A flow that starts in a data dip (no prompt first), then asks a question whatever the answer. */
const dipFirst: FlowDocumentInput = {
  schemaVersion: 1,
  name: 'Dip first',
  locales: ['en'],
  defaultLocale: 'en',
  startNodeId: 'lookup',
  nodes: [
    { id: 'lookup', type: 'data-dip', url: 'https://crm.example.com/lookup', timeoutMs: 3000, map: [{ path: 'tier', variable: 'tier' }], next: 'menu', onFailure: 'menu' },
    { id: 'menu', type: 'menu', prompt: { en: [{ kind: 'text', text: 'Press 1.', locale: 'en' }] }, options: { '1': 'bye' }, onInvalid: 'bye' },
    { id: 'bye', type: 'hangup', reason: 'done' },
  ],
};

// The call state's optimistic version, against the real database.
describe('call state: saved after every step, over the version it read', () => {
  let t: IvrTestApp;
  let uow: UnitOfWork;
  let tenant: TestTenant;
  let flowId: string;

  beforeAll(async () => {
    t = await startIvrApp();
    uow = new UnitOfWork(t.dataSource);
    tenant = newTenant();
    const auth = await tenant.auth();
    flowId = ((await t.http.post('/api/v1/ivr/flows').set(auth).send({ document: dipFirst }).expect(201)).body as FlowView).id;
    expect(((await t.http.post(`/api/v1/ivr/flows/${flowId}/publish`).set(auth).expect(201)).body as FlowVersionView).version).toBe(1);
  }, 120_000);
  afterAll(() => t?.close());

  /** A call waiting for its data dip's answer, saved as the runner saves it; returns the pending request id. */
  async function callInDataDip(callId: string): Promise<string> {
    const executor = new FlowExecutor(flowDocumentSchema.parse(dipFirst), { flowId, flowVersion: 1 });
    const step = executor.step(executor.initialState(callId), { type: 'call-started', at: Date.now(), from: '+15555550123', to: '+18005550100' });
    const requestId = step.state.pending?.kind === 'webhook' ? step.state.pending.requestId : undefined;
    if (requestId === undefined) throw new Error('the flow did not wait for its data dip');
    await uow.inTenant(tenant.tenantId, (tx) => t.app.get(CallStateRepository).insert(tx, { callId, flowId, flowVersion: 1, numberId: null, state: step.state, startedAt: new Date(), at: new Date() }));
    return requestId;
  }

  it('refuses to save over a version another step saved first', async () => {
    const callId = randomUUID();
    await callInDataDip(callId);
    const calls = t.app.get(CallStateRepository);
    await uow.inTenant(tenant.tenantId, async (slow) => {
      const read = await calls.find(slow, callId);
      expect(read?.version).toBe(1);
      // Another instance steps the same call and commits in between.
      await uow.inTenant(tenant.tenantId, async (fast) => calls.update(fast, callId, 1, { ...(read?.state as NonNullable<typeof read>['state']), visits: 5 }, new Date()));
      await expect(calls.update(slow, callId, 1, read?.state as NonNullable<typeof read>['state'], new Date())).rejects.toThrow(StaleCallStateError);
    });
    const after = await uow.inTenant(tenant.tenantId, (tx) => calls.find(tx, callId));
    expect(after).toMatchObject({ version: 2, state: { visits: 5 } });
  });

  it('applies one input once when instances race with it: the others find the call moved on', async () => {
    const callId = randomUUID();
    const requestId = await callInDataDip(callId);
    const runner = t.app.get(CallRunnerService);
    const answer = { type: 'webhook-result' as const, at: Date.now(), requestId, result: { ok: true as const, status: 200, body: { tier: 'gold' } } };
    const outcomes: StepOutcome[] = await Promise.all(Array.from({ length: 8 }, () => runner.apply(tenant.tenantId, callId, answer, { kind: 'webhook' })));
    expect(outcomes.filter((o) => o.kind === 'stepped')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind !== 'stepped')).toEqual(Array.from({ length: 7 }, () => ({ kind: 'ignored', reason: `no webhook request ${requestId} is awaited` })));
    // One step saved (version 2, the menu asked) and its outputs were queued once.
    const rows = await uow.inTenant(tenant.tenantId, async (tx) => ({
      call: (await tx.manager.query('SELECT version, state->>\'visits\' AS visits FROM ivr.calls WHERE call_id = $1', [callId])) as unknown[],
      questions: (await tx.manager.query(`SELECT 1 FROM ivr.outbox WHERE msg_key = $1 AND topic = 'voice.command.issued.v1' AND envelope->'payload'->'command'->>'type' = 'collect'`, [callId])) as unknown[],
      entered: (await tx.manager.query(`SELECT 1 FROM ivr.outbox WHERE msg_key = $1 AND topic = 'ivr.call.node-visited.v1' AND envelope->'payload'->>'nodeId' = 'menu'`, [callId])) as unknown[],
    }));
    expect(rows).toEqual({ call: [{ version: 2, visits: '2' }], questions: [{ '?column?': 1 }], entered: [{ '?column?': 1 }] });
  });

  it("fires a call's due timer from the scheduler: the data dip takes its failure branch", async () => {
    const callId = randomUUID();
    await callInDataDip(callId);
    const runner = t.app.get(CallRunnerService);
    // A timer the call does not wait for, and a call that does not exist: nothing happens.
    expect(await runner.fireTimer(tenant.tenantId, callId, randomUUID())).toEqual({ kind: 'timer-gone' });
    expect(await runner.fireTimer(tenant.tenantId, randomUUID(), randomUUID())).toEqual({ kind: 'unknown-call' });

    const calls = t.app.get(CallStateRepository);
    const state = await uow.inTenant(tenant.tenantId, (tx) => calls.find(tx, callId));
    const timerId = state?.state.pending?.kind === 'webhook' ? state.state.pending.timerId : undefined;
    if (timerId === undefined) throw new Error('the call has no data-dip timer');
    await uow.inTenant(tenant.tenantId, (tx) => calls.addTimer(tx, { timerId, callId, delayMs: 200 }));
    const left = await waitFor('the timer to fire', async () => {
      const rows: { detail: string | null }[] = await uow.inTenant(tenant.tenantId, (tx) =>
        tx.manager.query(
          `SELECT envelope->'payload'->>'detail' AS detail FROM ivr.outbox WHERE msg_key = $1 AND topic = 'ivr.call.node-visited.v1' AND envelope->'payload'->>'transition' = 'left' AND envelope->'payload'->>'nodeId' = 'lookup'`,
          [callId],
        ),
      );
      return rows[0];
    }, 15_000);
    expect(left).toEqual({ detail: 'the webhook did not answer in time' });
    expect(await uow.inTenant(tenant.tenantId, (tx) => tx.manager.query('SELECT 1 FROM ivr.call_timers WHERE timer_id = $1', [timerId]))).toEqual([]);
  });
});
