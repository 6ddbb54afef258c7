import { randomUUID } from 'node:crypto';
import { ctiCallWrappedUpV1, ivrCallCompletedV1, type ScreenPop, voiceCallHeldV1, voiceCommandIssuedV1 } from '@parley/contracts';
import { CrmClient } from '../src/crm/crm.client';
import {
  BusProbe,
  connectedCall,
  type CtiTestApp,
  newTenant,
  offerCall,
  pemFile,
  publish,
  routeCall,
  selfSignedCertificate,
  startCrm,
  startCtiApp,
  waitFor,
} from './cti-test-kit';

jest.setTimeout(90_000);

const tls = selfSignedCertificate();
const ca = pemFile(tls.cert);
let t: CtiTestApp;
let crm: Awaited<ReturnType<typeof startCrm>>;
let probe: BusProbe;

beforeAll(async () => {
  crm = await startCrm(tls, (body) => {
    if (String(body.callerNumber) === '+8613900000000') return { status: 200, body: { slow: true }, delayMs: 3_000 };
    return { status: 200, body: { account: 'A-42', plan: 'gold', sawCaller: body.callerNumber } };
  });
  t = await startCtiApp({ overrides: { CTI_CRM_CA_FILE: ca.path, CTI_CRM_TIMEOUT_MS: '800' } });
  probe = new BusProbe();
  await probe.start([voiceCommandIssuedV1, ctiCallWrappedUpV1]);
}, 120_000);

afterAll(async () => {
  await probe?.stop();
  await t?.close();
  await crm?.close();
  tls.cleanup();
  ca.cleanup();
});

async function popOf(tenant: ReturnType<typeof newTenant>, callId: string, agentId: string): Promise<ScreenPop> {
  const auth = await tenant.auth('agent', agentId);
  return waitFor(`the pop of ${callId}`, async () => {
    const res = await t.http.get(`/api/v1/cti/calls/${callId}/pop`).set(auth);
    // An offer that overtook its routed call (another topic) first gets a pop without the caller; it is rebuilt when the call's facts arrive.
    return res.status === 200 && (res.body as ScreenPop).caller.maskedNumber !== null ? (res.body as ScreenPop) : undefined;
  });
}

describe('screen pop from the events on the bus', () => {
  it('shows the masked caller, the contact its number finds, IVR data, open tickets, last calls and the CRM answer', async () => {
    const tenant = newTenant();
    const owner = await tenant.auth('owner');
    await t.http.put('/api/v1/cti/settings').set(owner).send({ crmWebhookUrl: crm.url('/pop'), revealRoles: ['owner', 'admin', 'supervisor'] }).expect(200);
    const contact = (await t.http.post('/api/v1/cti/contacts').set(owner).send({ name: 'Zhang San', company: 'Acme', vipLevel: 3, phones: [{ number: '+8613812345678' }] }).expect(201)).body as { contactId: string };
    const ticket = (await t.http.post('/api/v1/cti/tickets').set(owner).send({ subject: 'Router broken', contactId: contact.contactId, priority: 'high' }).expect(201)).body as { ticketId: string };
    await t.http.post('/api/v1/cti/tickets').set(owner).send({ subject: 'Old one', contactId: contact.contactId, status: 'solved' }).expect(201);
    const agentId = randomUUID();

    const first = await routeCall(t.bus, tenant, { callerNumber: '+8613812345678' });
    await offerCall(t.bus, tenant, first, [agentId]);
    await popOf(tenant, first, agentId);

    const callId = await routeCall(t.bus, tenant, { callerNumber: '+8613812345678', attributes: { language: 'zh' }, variables: { account: '778899', menu: '1' } });
    await offerCall(t.bus, tenant, callId, [agentId]);
    const pop = await popOf(tenant, callId, agentId);

    expect(pop).toMatchObject({
      callId,
      queueId: 'support',
      caller: { maskedNumber: '+86 138****5678', canReveal: false },
      contact: { contactId: contact.contactId, name: 'Zhang San', vipLevel: 3 },
      ivr: { attributes: { language: 'zh' }, variables: { account: '778899', menu: '1' } },
      crm: { status: 'ok', data: { account: 'A-42', plan: 'gold', sawCaller: '+8613812345678' } },
    });
    expect(pop.openTickets.map((x) => x.ticketId)).toEqual([ticket.ticketId]);
    expect(pop.lastCalls.map((c) => c.callId)).toEqual([first]);
    // The CRM's answer is the tenant's own data (it echoes the number it was asked about); nothing else shows it.
    expect(JSON.stringify({ ...pop, crm: null })).not.toContain('13812345678');
    expect(crm.requests.at(-1)).toMatchObject({ callId, queueId: 'support', variables: { account: '778899', menu: '1' } });

    // A supervisor may reveal the caller's number; it is audited.
    const supervisor = await tenant.auth('supervisor');
    expect((await t.http.get(`/api/v1/cti/calls/${callId}/pop`).set(supervisor).expect(200)).body.caller.canReveal).toBe(true);
    expect((await t.http.post(`/api/v1/cti/calls/${callId}/caller/reveal`).set(supervisor).send({ reason: 'verify' }).expect(200)).body.number).toBe('+8613812345678');
    await t.http.post(`/api/v1/cti/calls/${callId}/caller/reveal`).set(await tenant.auth('agent', agentId)).send({}).expect(403);
    const audit = (await t.http.get('/api/v1/cti/reveal-audit').set(owner).expect(200)).body as { target: string; callId: string }[];
    expect(audit).toEqual([expect.objectContaining({ target: 'call-caller', callId })]);
  });

  it('goes out without the CRM when it is slow (crm.status timeout) and for an unknown caller (no contact)', async () => {
    const tenant = newTenant();
    await t.http.put('/api/v1/cti/settings').set(await tenant.auth('owner')).send({ crmWebhookUrl: crm.url('/pop'), revealRoles: ['owner'] }).expect(200);
    const agentId = randomUUID();
    const callId = await routeCall(t.bus, tenant, { callerNumber: '+8613900000000' });
    const started = Date.now();
    await offerCall(t.bus, tenant, callId, [agentId]);
    const pop = await popOf(tenant, callId, agentId);
    expect(pop.crm).toEqual({ status: 'timeout', detail: 'no answer within 800 ms' });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(pop.contact).toBeNull();
    expect(pop.caller.maskedNumber).toBe('+86 139****0000');
  });

  it('reports a CRM on a private address as an error when private addresses are not allowed, and pops anyway', async () => {
    // The setting was accepted by an instance allowing private addresses; this client refuses them.
    const strict = new CrmClient({ timeoutMs: 500, allowPrivateAddresses: false, maxResponseBytes: 1024, extraCa: tls.cert });
    const answer = await strict.ask(crm.url('/pop'), { callId: randomUUID(), queueId: 'q', callerNumber: null, dialledNumber: null, attributes: {}, variables: {} });
    strict.close();
    expect(answer).toEqual({ status: 'error', detail: 'the CRM webhook URL points at 127.0.0.1, which is not a public address' });
  });
});

describe('wrap-up', () => {
  it("records the agent's disposition and a new ticket for the caller's contact, and publishes cti.call.wrapped-up.v1", async () => {
    const tenant = newTenant();
    const owner = await tenant.auth('owner');
    await t.http.post('/api/v1/cti/dispositions').set(owner).send({ code: 'resolved', label: 'Resolved' }).expect(201);
    await t.http.post('/api/v1/cti/dispositions').set(owner).send({ code: 'old', label: 'Old', active: false }).expect(201);
    await t.http.post('/api/v1/cti/dispositions').set(owner).send({ code: 'resolved', label: 'Again' }).expect(409);
    const contact = (await t.http.post('/api/v1/cti/contacts').set(owner).send({ name: 'Caller', phones: [{ number: '+14155552671' }] })).body as { contactId: string };
    const agentId = randomUUID();
    const agent = await tenant.auth('agent', agentId);
    const callId = await connectedCall(t, tenant, agentId, { callerNumber: '+14155552671' });

    const other = await t.http.post(`/api/v1/cti/calls/${callId}/wrap-up`).set(await tenant.auth('agent')).send({ disposition: 'resolved' });
    expect(other.status).toBe(403);
    const inactive = await t.http.post(`/api/v1/cti/calls/${callId}/wrap-up`).set(agent).send({ disposition: 'old' });
    expect(inactive.status).toBe(400);
    expect(inactive.body.fields).toEqual([{ path: 'disposition', message: 'old is not active' }]);
    const unknown = await t.http.post(`/api/v1/cti/calls/${callId}/wrap-up`).set(agent).send({ disposition: 'nope' });
    expect(unknown.body.fields).toEqual([{ path: 'disposition', message: "nope is not one of the tenant's disposition codes" }]);
    const noSubject = await t.http.post(`/api/v1/cti/calls/${callId}/wrap-up`).set(agent).send({ disposition: 'resolved', ticket: { priority: 'high' } });
    expect(noSubject.body.fields).toEqual([{ path: 'ticket.subject', message: expect.stringContaining('needs a subject') }]);

    const done = await t.http
      .post(`/api/v1/cti/calls/${callId}/wrap-up`)
      .set(agent)
      .send({ disposition: 'resolved', notes: 'reset the router', ticket: { subject: 'Follow up in a week', status: 'pending', priority: 'urgent' } })
      .expect(200);
    const ticketId = done.body.ticketId as string;
    expect(ticketId).toEqual(expect.any(String));
    const ticket = (await t.http.get(`/api/v1/cti/tickets/${ticketId}`).set(agent).expect(200)).body;
    expect(ticket).toMatchObject({ subject: 'Follow up in a week', status: 'pending', priority: 'urgent', contactId: contact.contactId, callId, createdBy: agentId });
    expect((await t.http.get(`/api/v1/cti/calls/${callId}`).set(agent).expect(200)).body).toMatchObject({ disposition: 'resolved', wrapUpNotes: 'reset the router', ticketId, contactId: contact.contactId });
    expect(((await t.http.get('/api/v1/cti/tickets').query({ contactId: contact.contactId, status: 'open,pending' }).set(agent).expect(200)).body as { ticketId: string }[]).map((x) => x.ticketId)).toEqual([ticketId]);

    const event = await probe.find(ctiCallWrappedUpV1, (p) => p.callId === callId);
    expect(event.tenantId).toBe(tenant.tenantId);
    expect(event.payload).toMatchObject({ tenantId: tenant.tenantId, callId, agentId, disposition: 'resolved', ticketId });
    await t.http.post(`/api/v1/cti/calls/${callId}/wrap-up`).set(agent).send({ disposition: 'resolved' }).expect(409);

    // The survey score the IVR collected after the agent is stored with the call (and its agent).
    await publish(t.bus, ivrCallCompletedV1, tenant.tenantId, {
      callId,
      flowId: randomUUID(),
      flowVersion: 1,
      outcome: 'routed',
      variables: {},
      survey: { nodeId: 'survey', score: 4 },
      nodesVisited: 5,
      startedAt: new Date().toISOString(),
      completedAt: new Date().toISOString(),
      durationMs: 1000,
    });
    await waitFor('the survey score', async () => (await t.http.get(`/api/v1/cti/calls/${callId}`).set(agent)).body.surveyScore === 4);
    expect((await t.http.get(`/api/v1/cti/calls/${callId}`).set(agent)).body.agentId).toBe(agentId);
  });
});

describe('call control', () => {
  it('issues hold, transfer, monitor and hangup as voice commands for the call; refuses another agent (403) and an agent monitoring (403)', async () => {
    const tenant = newTenant();
    const agentId = randomUUID();
    const agent = await tenant.auth('agent', agentId);
    const supervisorId = randomUUID();
    const supervisor = await tenant.auth('supervisor', supervisorId);
    const callId = await connectedCall(t, tenant, agentId);

    const hold = await t.http.post(`/api/v1/cti/calls/${callId}/hold`).set(agent).send({ on: true }).expect(202);
    const held = await probe.find(voiceCommandIssuedV1, (p) => p.commandId === hold.body.commandId);
    expect(held.payload).toEqual({ callId, commandId: hold.body.commandId, issuedBy: 'cti', command: { type: 'hold', on: true } });
    expect(held.tenantId).toBe(tenant.tenantId);

    const transfer = await t.http.post(`/api/v1/cti/calls/${callId}/transfer`).set(agent).send({ target: { kind: 'number', number: '+1 415 555 2671' } }).expect(202);
    expect((await probe.find(voiceCommandIssuedV1, (p) => p.commandId === transfer.body.commandId)).payload.command).toEqual({ type: 'transfer', target: { kind: 'number', number: '+14155552671' } });
    const bad = await t.http.post(`/api/v1/cti/calls/${callId}/transfer`).set(agent).send({ target: { kind: 'number', number: '12345' } });
    expect(bad.status).toBe(400);
    expect(bad.body.fields[0].path).toBe('target.number');
    const queue = await t.http.post(`/api/v1/cti/calls/${callId}/transfer`).set(agent).send({ target: { kind: 'queue', queueId: 'sales' } });
    expect(queue.status).toBe(400);

    const monitor = await t.http.post(`/api/v1/cti/calls/${callId}/monitor`).set(supervisor).send({ mode: 'whisper' }).expect(202);
    expect((await probe.find(voiceCommandIssuedV1, (p) => p.commandId === monitor.body.commandId)).payload.command).toEqual({ type: 'monitor', supervisorId, mode: 'whisper' });
    await t.http.post(`/api/v1/cti/calls/${callId}/monitor`).set(agent).send({ mode: 'listen' }).expect(403);

    const intruder = await tenant.auth('agent');
    const refused = await t.http.post(`/api/v1/cti/calls/${callId}/hold`).set(intruder).send({ on: false });
    expect(refused.status).toBe(403);
    await t.http.post(`/api/v1/cti/calls/${callId}/hangup`).set(intruder).send({}).expect(403);

    // voice reports the hold: the projection follows.
    await publish(t.bus, voiceCallHeldV1, tenant.tenantId, { callId, held: true, by: 'command', at: new Date().toISOString() });
    await waitFor('the call held', async () => (await t.http.get(`/api/v1/cti/calls/${callId}`).set(agent)).body.state === 'held');

    const hangup = await t.http.post(`/api/v1/cti/calls/${callId}/hangup`).set(supervisor).send({ reason: 'abusive caller' }).expect(202);
    expect((await probe.find(voiceCommandIssuedV1, (p) => p.commandId === hangup.body.commandId)).payload.command).toEqual({ type: 'hangup', reason: 'abusive caller' });
    await t.http.post(`/api/v1/cti/calls/${randomUUID()}/hold`).set(supervisor).send({ on: true }).expect(404);
  });
  it('issues consultation, its completion or cancellation, and a conference as voice commands; refuses another agent and the agent itself as the target', async () => {
    const tenant = newTenant();
    const agentId = randomUUID();
    const agent = await tenant.auth('agent', agentId);
    const colleague = randomUUID();
    const callId = await connectedCall(t, tenant, agentId);
    const commandOf = async (commandId: string): Promise<unknown> => (await probe.find(voiceCommandIssuedV1, (p) => p.commandId === commandId)).payload.command;

    const consult = await t.http.post(`/api/v1/cti/calls/${callId}/consult`).set(agent).send({ target: { kind: 'agent', agentId: colleague } }).expect(202);
    expect(consult.body).toMatchObject({ callId, command: 'consult' });
    expect(await commandOf(consult.body.commandId)).toEqual({ type: 'consult', target: { kind: 'agent', agentId: colleague }, ringTimeoutMs: 30_000 });
    const self = await t.http.post(`/api/v1/cti/calls/${callId}/consult`).set(agent).send({ target: { kind: 'agent', agentId } });
    expect(self.status).toBe(400);
    expect(self.body.fields[0].path).toBe('target.agentId');

    const conference = await t.http.post(`/api/v1/cti/calls/${callId}/conference`).set(agent).send({}).expect(202);
    expect(await commandOf(conference.body.commandId)).toEqual({ type: 'conference', ringTimeoutMs: 30_000 });
    const dialled = await t.http.post(`/api/v1/cti/calls/${callId}/conference`).set(agent).send({ target: { kind: 'number', number: '+86 138 1234 5678' } }).expect(202);
    expect(await commandOf(dialled.body.commandId)).toEqual({ type: 'conference', target: { kind: 'number', number: '+8613812345678' }, ringTimeoutMs: 30_000 });

    const cancel = await t.http.post(`/api/v1/cti/calls/${callId}/consult/cancel`).set(agent).send({}).expect(202);
    expect(await commandOf(cancel.body.commandId)).toEqual({ type: 'consult-cancel' });
    const complete = await t.http.post(`/api/v1/cti/calls/${callId}/consult/complete`).set(agent).send({}).expect(202);
    expect(await commandOf(complete.body.commandId)).toEqual({ type: 'consult-complete' });

    const intruder = await tenant.auth('agent');
    await t.http.post(`/api/v1/cti/calls/${callId}/consult`).set(intruder).send({ target: { kind: 'agent', agentId: colleague } }).expect(403);
    await t.http.post(`/api/v1/cti/calls/${callId}/consult/complete`).set(intruder).send({}).expect(403);
    await t.http.post(`/api/v1/cti/calls/${callId}/conference`).set(intruder).send({}).expect(403);
  });
});
