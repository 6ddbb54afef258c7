import { type ScreenPop } from '@parley/contracts';
import { type AgentStateView } from '../../api/acd-api.types';
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CATALOGS } from '../../i18n/catalogs';
import { agentStats, type FakeParleyBackend } from '../../testing/parley-backend.fake';
import { renderApp, signedIn } from '../../testing/render-app';

afterEach(() => cleanup());

const en = CATALOGS.en;
const zh = CATALOGS['zh-CN'];
const CALL_ID = '6f1c2b9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f';

function popFor(callId: string): ScreenPop {
  return {
    callId,
    queueId: 'sales',
    caller: { maskedNumber: '+1 415 ***-2671', canReveal: false },
    contact: { contactId: 'c-1', name: 'Grace Hopper', company: 'Navy', vipLevel: 2, tags: ['gold'] },
    lastCalls: [{ callId: 'old-1', at: '2025-05-30T09:00:00.000Z', queueId: 'sales', agentId: null, disposition: 'sale', surveyScore: 5 }],
    openTickets: [{ ticketId: 't-1', subject: 'Refund for order 1234', status: 'pending', priority: 'high', updatedAt: '2025-05-30T09:05:00.000Z' }],
    ivr: { attributes: { entry: 'sales menu' }, variables: { account: '88213' } },
    crm: { status: 'timeout', detail: 'no answer in 800 ms' },
    builtAt: '2025-06-02T10:00:04.000Z',
  };
}

/**
 * The desktop of a signed-in agent (`agent@acme.test`), offline at first, with three disposition
 * codes; `prepare` sets up the backend before the desktop opens.
 */
async function openDesktop(options: { locale?: 'en' | 'zh-CN'; prepare?: (backend: FakeParleyBackend) => void } = {}) {
  const locale = options.locale ?? 'en';
  const session = signedIn('agent', locale);
  const { backend } = session;
  backend.dispositions = [
    { code: 'sale', label: 'Sale', active: true },
    { code: 'callback', label: 'Call back', active: true },
    { code: 'retired', label: 'Retired', active: false },
  ];
  const agentId = backend.tenant.allUsers().find((u) => u.email === 'agent@acme.test')?.id ?? '';
  backend.calls.set(CALL_ID, {
    callId: CALL_ID,
    queueId: 'sales',
    state: 'offered',
    agentId,
    callerMasked: '+1 415 ***-2671',
    contactId: null,
    routedAt: '2025-06-02T09:59:30.000Z',
    offeredAt: '2025-06-02T10:00:05.000Z',
    connectedAt: null,
    endedAt: null,
    endReason: null,
    talkMs: null,
    surveyScore: null,
    disposition: null,
    wrapUpNotes: null,
    ticketId: null,
  });
  options.prepare?.(backend);
  const rendered = renderApp({ locale, path: '/agent', ...session });
  await screen.findByRole('heading', { level: 1, name: CATALOGS[locale]['area.agent'] });
  await waitFor(() => expect(stateShown()).toBe('offline'));
  return { ...rendered, agentId };
}

const stateShown = (): string | null => document.querySelector('[data-agent-state]')?.getAttribute('data-agent-state') ?? null;
const panel = (name: string): HTMLElement | null => document.querySelector(`[data-panel="${name}"]`);
const field = (container: HTMLElement | null, name: string): string => container?.querySelector(`[data-field="${name}"]`)?.textContent ?? '';

/** A colleague of the agent (a seated user of the tenant) with a name and, unless offline, a live routing state. */
function addColleague(backend: FakeParleyBackend, name: string, state: AgentStateView['state'] | null): string {
  const user = backend.tenant.addUser('acme', `${name.split(' ')[0]?.toLowerCase() ?? 'x'}@acme.test`, 'another password', 'agent');
  user.name = name;
  if (state) backend.agentStates.set(user.id, { agentId: user.id, state, reason: null, since: '2025-06-02T09:00:00.000Z', callId: null, missedOffers: 0 });
  return user.id;
}

/** The options of a select, as the agent sees them. */
const optionsOf = (select: HTMLElement): { value: string; text: string; disabled: boolean }[] =>
  [...select.querySelectorAll('option')].map((o) => ({ value: o.value, text: o.textContent ?? '', disabled: o.disabled }));

/** An offer pushed and the phone ringing for it, as the cti service and the voice node do. */
function ring(rendered: Awaited<ReturnType<typeof openDesktop>>, options: { pushOffer?: boolean; pushPop?: boolean } = {}): void {
  const { feed, phone } = rendered;
  act(() => {
    if (options.pushOffer ?? true) {
      feed.push({ type: 'offer', offer: { callId: CALL_ID, offerId: 'offer-1', queueId: 'sales', callerMasked: '+1 415 ***-2671', ringTimeoutMs: 20_000, offeredAt: '2025-06-02T10:00:05.000Z' } });
    }
    if (options.pushPop ?? true) feed.push({ type: 'pop', pop: popFor(CALL_ID) });
    phone.ring(CALL_ID, 'caller');
  });
}

/** Rings, answers and connects the call. */
async function connected(rendered: Awaited<ReturnType<typeof openDesktop>>) {
  const user = userEvent.setup();
  ring(rendered);
  await user.click(within(panel('ringing')!).getByRole('button', { name: en['desktop.call.answer'] }));
  act(() => rendered.phone.confirm());
  act(() =>
    rendered.feed.push({ type: 'call.state', change: { callId: CALL_ID, state: 'connected', agentId: rendered.agentId, at: '2025-06-02T10:00:08.000Z', reason: null } }),
  );
  await waitFor(() => expect(panel('in-call')).not.toBeNull());
  return user;
}

describe('agent desktop', () => {
  it('registers the phone, opens the agent feed, and goes available with PUT /acd/agents/:id/state', async () => {
    const rendered = await openDesktop();
    const user = userEvent.setup();
    expect(rendered.phone.starts).toBeGreaterThan(0);
    expect(rendered.feed.status).toBe('open');
    expect(document.querySelector('[data-phone-status]')?.textContent).toBe(en['desktop.phone.registered']);
    await user.click(screen.getByRole('button', { name: en['desktop.state.goAvailable'] }));
    await waitFor(() => expect(stateShown()).toBe('available'));
    expect(rendered.backend.stateRequests).toEqual([{ agentId: rendered.agentId, state: 'available', reason: null }]);
  });

  it('takes a break with a reason code, and shows the acd refusing a change (409) in words', async () => {
    const rendered = await openDesktop();
    const user = userEvent.setup();
    // The tenant set no reasons of its own: the acd's defaults, in English.
    const reasons = await screen.findByLabelText(en['desktop.state.reason']);
    await waitFor(() => expect(optionsOf(reasons).map((o) => o.text)).toEqual(['Lunch', 'Short break', 'Training', 'Meeting', 'Coaching']));
    await user.selectOptions(reasons, 'training');
    await user.click(screen.getByRole('button', { name: en['desktop.state.goBreak'] }));
    await waitFor(() => expect(stateShown()).toBe('break'));
    expect(rendered.backend.stateRequests.at(-1)).toEqual({ agentId: rendered.agentId, state: 'break', reason: 'training' });
    expect(document.querySelector('[data-agent-state]')?.textContent).toBe(`${en['agentState.break']} · Training`);

    // The routing engine put the agent on a call meanwhile: the acd refuses a break.
    rendered.backend.agentStates.set(rendered.agentId, { agentId: rendered.agentId, state: 'on-call', reason: null, since: '2025-06-02T10:00:09.000Z', callId: CALL_ID, missedOffers: 0 });
    act(() => rendered.feed.push({ type: 'agent.state', change: { agentId: rendered.agentId, state: 'on-call', reason: null, since: '2025-06-02T10:00:09.000Z', callId: CALL_ID } }));
    await user.click(screen.getByRole('button', { name: en['desktop.state.goOffline'] }));
    expect((await screen.findByRole('alert')).textContent).toBe('You cannot go from “On a call” to “Offline” now.');
    expect(rendered.backend.stateRequests).toHaveLength(1);
  });

  it("offers the tenant's own break reasons, labelled in the UI language; an unknown reason shows its code, the engine's is worded", async () => {
    const rendered = await openDesktop({
      locale: 'zh-CN',
      prepare: (backend) => {
        backend.breakReasons = [
          { code: 'wellbeing', labels: { en: 'Wellbeing', 'zh-CN': '身心调整' } },
          { code: 'team-huddle', labels: { en: 'Team huddle', 'zh-CN': '团队碰头' } },
        ];
      },
    });
    const user = userEvent.setup();
    const reasons = await screen.findByLabelText(zh['desktop.state.reason']);
    await waitFor(() => expect(optionsOf(reasons).map((o) => [o.value, o.text])).toEqual([['wellbeing', '身心调整'], ['team-huddle', '团队碰头']]));
    await user.selectOptions(reasons, 'team-huddle');
    await user.click(screen.getByRole('button', { name: zh['desktop.state.goBreak'] }));
    await waitFor(() => expect(document.querySelector('[data-agent-state]')?.textContent).toBe(`${zh['agentState.break']} · 团队碰头`));
    expect(rendered.backend.stateRequests).toEqual([{ agentId: rendered.agentId, state: 'break', reason: 'team-huddle' }]);

    // A reason the list no longer has (the admin removed it) shows as its code; the engine's own in words.
    act(() => rendered.feed.push({ type: 'agent.state', change: { agentId: rendered.agentId, state: 'break', reason: 'lunch', since: '2025-06-02T10:00:09.000Z', callId: null } }));
    expect(document.querySelector('[data-agent-state]')?.textContent).toBe(`${zh['agentState.break']} · lunch`);
    act(() => rendered.feed.push({ type: 'agent.state', change: { agentId: rendered.agentId, state: 'break', reason: 'missed-offers', since: '2025-06-02T10:00:10.000Z', callId: null } }));
    expect(document.querySelector('[data-agent-state]')?.textContent).toBe(`${zh['agentState.break']} · ${zh['breakReason.missed-offers']}`);
  });

  it('shows why a break cannot be taken when the reasons could not be loaded', async () => {
    await openDesktop({ prepare: (backend) => backend.answerAlways('GET /acd/settings/break-reasons', 503, { statusCode: 503, error: 'Service Unavailable', message: 'acd is restarting' }) });
    expect((await screen.findByText(/acd is restarting/)).textContent).toBe(`The break reasons could not be loaded. ${en['errors.server'].replace('{status}', '503').replace('{message}', 'acd is restarting')}`);
    expect((screen.getByRole('button', { name: en['desktop.state.goBreak'] }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('rings with the offer: queue, masked caller number, time waited in queue; answer goes to the phone', async () => {
    const rendered = await openDesktop();
    const user = userEvent.setup();
    act(() =>
      rendered.feed.push({ type: 'offer', offer: { callId: CALL_ID, offerId: 'offer-1', queueId: 'sales', callerMasked: '+1 415 ***-2671', ringTimeoutMs: 20_000, offeredAt: '2025-06-02T10:00:05.000Z' } }),
    );
    const ringing = panel('ringing');
    expect(ringing?.getAttribute('data-call-id')).toBe(CALL_ID);
    expect(field(ringing, 'caller')).toBe('+1 415 ***-2671');
    expect(field(ringing, 'queue')).toBe('sales');
    expect(field(ringing, 'ringing-for')).toBe('0:05');
    // Routed at 09:59:30, offered at 10:00:05.
    await waitFor(() => expect(field(panel('ringing'), 'waited')).toBe('0:35'));
    // Until the phone rings, the call cannot be answered.
    expect(screen.getByText(en['desktop.ringing.waitingForPhone'])).toBeTruthy();
    expect((within(ringing!).getByRole('button', { name: en['desktop.call.answer'] }) as HTMLButtonElement).disabled).toBe(true);
    act(() => rendered.phone.ring(CALL_ID));
    await user.click(within(panel('ringing')!).getByRole('button', { name: en['desktop.call.answer'] }));
    expect(rendered.phone.actions).toEqual(['answer']);
    expect(within(panel('ringing')!).getByRole('heading').textContent).toBe(en['desktop.ringing.answering']);
  });

  it('rejects a ringing call on the phone (486), and an offer the phone has not rung for through the acd', async () => {
    const rendered = await openDesktop();
    const user = userEvent.setup();
    ring(rendered);
    await user.click(within(panel('ringing')!).getByRole('button', { name: en['desktop.call.reject'] }));
    expect(rendered.phone.actions).toEqual(['reject']);
    await waitFor(() => expect(panel('ringing')).toBeNull());
    expect(panel('wrap-up')).toBeNull();

    rendered.backend.agentStates.set(rendered.agentId, { agentId: rendered.agentId, state: 'reserved', reason: null, since: '2025-06-02T10:00:06.000Z', callId: 'b1c2d3e4-0000-4000-8000-000000000002', missedOffers: 0 });
    act(() =>
      rendered.feed.push({ type: 'offer', offer: { callId: 'b1c2d3e4-0000-4000-8000-000000000002', offerId: 'offer-2', queueId: 'sales', callerMasked: null, ringTimeoutMs: 0, offeredAt: '2025-06-02T10:00:06.000Z' } }),
    );
    await user.click(within(panel('ringing')!).getByRole('button', { name: en['desktop.call.reject'] }));
    await waitFor(() => expect(panel('ringing')).toBeNull());
    expect(rendered.backend.stateRequests.at(-1)).toMatchObject({ state: 'available' });
  });

  it('answered: in call with the timer and the screen pop (masked number, IVR entries, tickets, history, CRM)', async () => {
    const rendered = await openDesktop();
    await connected(rendered);
    const call = panel('in-call');
    expect(call?.getAttribute('data-call-id')).toBe(CALL_ID);
    expect(field(call, 'call-timer')).toBe('0:00');
    const pop = panel('pop')!;
    expect(field(pop, 'caller-number')).toBe('+1 415 ***-2671');
    expect(pop.textContent).not.toContain('4155552671');
    expect(field(pop, 'contact')).toContain('Grace Hopper');
    expect(field(pop, 'contact')).toContain('Priority customer, level 2');
    expect(field(pop, 'ivr')).toBe('entrysales menuaccount88213');
    expect(field(pop, 'tickets')).toBe('Refund for order 1234 · Pending · High');
    expect(within(pop.querySelector('[data-field="history"]')!).getAllByRole('row')).toHaveLength(2);
    expect(field(pop, 'crm')).toBe(en['desktop.crm.timeout']);
    // The pop came pushed: nobody asked for it again.
    expect(rendered.backend.requests.filter((r) => r.path.endsWith('/pop'))).toEqual([]);
  });

  it('asks for the screen pop over HTTP when the phone rings without the pushed one', async () => {
    const rendered = await openDesktop();
    rendered.backend.pops.set(CALL_ID, popFor(CALL_ID));
    ring(rendered, { pushOffer: false, pushPop: false });
    await waitFor(() => expect(field(panel('pop'), 'caller-number')).toBe('+1 415 ***-2671'));
    expect(rendered.backend.requests.filter((r) => r.path === `/cti/calls/${CALL_ID}/pop`)).toHaveLength(1);
  });

  it('hold, mute, keypad and transfer act on the softphone', async () => {
    let grace = '';
    const opened = await openDesktop({ prepare: (backend) => void (grace = addColleague(backend, 'Grace Hopper', 'available')) });
    const rendered = { ...opened, grace };
    const user = await connected(rendered);
    const call = (): HTMLElement => panel('in-call')!;
    await user.click(within(call()).getByRole('button', { name: en['desktop.call.hold'] }));
    expect(within(call()).getByRole('heading').textContent).toContain(en['desktop.call.onHold']);
    await user.click(within(call()).getByRole('button', { name: en['desktop.call.resume'] }));
    await user.click(within(call()).getByRole('button', { name: en['desktop.call.mute'] }));
    expect(within(call()).getByRole('button', { name: en['desktop.call.unmute'] })).toBeTruthy();
    await user.click(within(call()).getByRole('button', { name: en['desktop.call.keypad'] }));
    for (const key of ['5', '7', '#']) await user.click(within(call()).getByRole('button', { name: `Key ${key}` }));

    const transfer = within(call()).getByRole('form', { name: en['desktop.transfer.title'] });
    await user.selectOptions(within(transfer).getByLabelText(en['desktop.transfer.to']), 'number');
    await user.type(within(transfer).getByLabelText(en['desktop.transfer.number']), '555-2671');
    await user.click(within(transfer).getByRole('button', { name: en['desktop.transfer.submit'] }));
    expect(transfer.querySelector('[data-field-error="transfer"]')?.textContent).toBe(en['desktop.transfer.badNumber']);
    await user.clear(within(transfer).getByLabelText(en['desktop.transfer.number']));
    await user.type(within(transfer).getByLabelText(en['desktop.transfer.number']), '+1 415 555 2671');
    await user.click(within(transfer).getByRole('button', { name: en['desktop.transfer.submit'] }));
    expect(await within(call()).findByText(en['desktop.transfer.done'])).toBeTruthy();
    await user.selectOptions(within(transfer).getByLabelText(en['desktop.transfer.to']), 'agent');
    await user.selectOptions(within(transfer).getByLabelText(en['desktop.transfer.agent']), 'Grace Hopper — Available');
    await user.click(within(transfer).getByRole('button', { name: en['desktop.transfer.submit'] }));

    expect(rendered.phone.actions).toEqual(['answer', 'hold:true', 'hold:false', 'mute:true', 'dtmf:5', 'dtmf:7', 'dtmf:#', 'transfer:number:+14155552671', `transfer:agent:${rendered.grace}`]);
    // Call control went to the phone, not to the server.
    expect(rendered.backend.callCommands).toEqual([]);
  });

  it('consults a colleague (the server dials, the caller waits on hold), then completes the transfer or joins all three', async () => {
    let colleague = '';
    const rendered = await openDesktop({ prepare: (backend) => void (colleague = addColleague(backend, 'Ada Lovelace', 'after-call-work')) });
    const user = await connected(rendered);
    const call = (): HTMLElement => panel('in-call')!;
    const transfer = within(call()).getByRole('form', { name: en['desktop.transfer.title'] });
    await user.selectOptions(await within(transfer).findByRole('combobox', { name: en['desktop.transfer.agent'] }), 'Ada Lovelace — Wrapping up');
    await user.click(within(transfer).getByRole('button', { name: en['desktop.consult.submit'] }));
    expect(await within(call()).findByText(en['desktop.consult.started'], { selector: 'p' })).toBeTruthy();
    await user.click(within(call()).getByRole('button', { name: en['desktop.conference.join'] }));
    expect(await within(call()).findByText(en['desktop.conference.started'])).toBeTruthy();
    await user.click(within(call()).getByRole('button', { name: en['desktop.consult.complete'] }));
    expect(await within(call()).findByText(en['desktop.consult.completed'])).toBeTruthy();
    expect(rendered.backend.callCommands).toEqual([
      { callId: CALL_ID, command: 'consult', body: { target: { kind: 'agent', agentId: colleague } } },
      { callId: CALL_ID, command: 'conference', body: {} },
      { callId: CALL_ID, command: 'consult/complete', body: {} },
    ]);
    // The softphone itself did not transfer: the server carried it out.
    expect(rendered.phone.actions.some((a) => a.startsWith('transfer'))).toBe(false);
  });

  it('picks a colleague by name: available first, busy next, offline ones not selectable, the agent itself absent', async () => {
    const ids: Record<string, string> = {};
    const rendered = await openDesktop({
      prepare: (backend) => {
        ids.otto = addColleague(backend, 'Otto Offline', null);
        ids.bea = addColleague(backend, 'Bea Busy', 'on-call');
        ids.zoe = addColleague(backend, 'Zoe Ready', 'available');
        ids.al = addColleague(backend, 'Al Ready', 'available');
        ids.bo = addColleague(backend, 'Bo Break', 'break');
        // Deactivated: not a colleague any more.
        const gone = backend.tenant.addUser('acme', 'gone@acme.test', 'x', 'agent');
        Object.assign(gone, { name: 'Gone Away', active: false, hasSeat: false });
      },
    });
    const user = await connected(rendered);
    const transfer = within(panel('in-call')!).getByRole('form', { name: en['desktop.transfer.title'] });
    const picker = within(transfer).getByRole('combobox', { name: en['desktop.transfer.agent'] });
    await waitFor(() => expect(optionsOf(picker).length).toBeGreaterThan(1));
    await waitFor(() => expect(optionsOf(picker).find((o) => o.value === ids.al)?.text).toBe('Al Ready — Available'));
    expect(optionsOf(picker)).toEqual([
      { value: '', text: en['desktop.transfer.chooseAgent'], disabled: false },
      { value: ids.al, text: 'Al Ready — Available', disabled: false },
      { value: ids.zoe, text: 'Zoe Ready — Available', disabled: false },
      { value: ids.bea, text: 'Bea Busy — On a call', disabled: false },
      { value: ids.bo, text: 'Bo Break — On break', disabled: false },
      { value: ids.otto, text: 'Otto Offline — Offline', disabled: true },
    ]);

    // Nobody chosen: refused before anything is sent.
    await user.click(within(transfer).getByRole('button', { name: en['desktop.transfer.submit'] }));
    expect(transfer.querySelector('[data-field-error="transfer"]')?.textContent).toBe(en['desktop.transfer.badAgent']);
    await user.selectOptions(picker, 'Zoe Ready — Available');
    await user.click(within(transfer).getByRole('button', { name: en['desktop.transfer.submit'] }));
    expect(rendered.phone.actions.at(-1)).toBe(`transfer:agent:${ids.zoe}`);
    expect(await within(panel('in-call')!).findByText(en['desktop.transfer.done'])).toBeTruthy();
  });

  it('transfers to a queue through the acd: queues listed with their callers waiting and agents available', async () => {
    const rendered = await openDesktop({
      prepare: (backend) => {
        backend.addQueue('sales', 'Sales', { waiting: 2, available: 1 });
        backend.addQueue('support', 'Support', { waiting: 0, available: 3 });
      },
    });
    const user = await connected(rendered);
    const transfer = within(panel('in-call')!).getByRole('form', { name: en['desktop.transfer.title'] });
    await user.selectOptions(within(transfer).getByLabelText(en['desktop.transfer.to']), 'queue');
    const picker = within(transfer).getByRole('combobox', { name: en['desktop.transfer.queue'] });
    await waitFor(() => expect(optionsOf(picker).map((o) => o.text)).toEqual([en['desktop.transfer.chooseQueue'], 'Sales — 2 waiting, 1 available', 'Support — 0 waiting, 3 available']));
    // A queue can be consulted (the acd picks its agent), but a conference with it starts as a consultation.
    expect((within(transfer).getByRole('button', { name: en['desktop.consult.submit'] }) as HTMLButtonElement).disabled).toBe(false);
    expect((within(transfer).getByRole('button', { name: en['desktop.conference.submit'] }) as HTMLButtonElement).disabled).toBe(true);
    expect(within(transfer).getByText(en['desktop.transfer.queueHint'])).toBeTruthy();

    await user.click(within(transfer).getByRole('button', { name: en['desktop.transfer.submit'] }));
    expect(transfer.querySelector('[data-field-error="transfer"]')?.textContent).toBe(en['desktop.transfer.badQueue']);
    await user.selectOptions(picker, 'support');
    await user.click(within(transfer).getByRole('button', { name: en['desktop.transfer.submit'] }));
    expect(await within(panel('in-call')!).findByText('Transferred to Support: the caller waits there for the next agent.')).toBeTruthy();
    expect(rendered.backend.queueTransfers).toEqual([{ callId: CALL_ID, queueId: 'support', agentId: rendered.agentId }]);
    expect(rendered.backend.requests.find((r) => r.path === `/acd/calls/${CALL_ID}/transfer`)?.body).toEqual({ queueId: 'support' });
    // The phone did not transfer and call control was not asked: the acd carries it out.
    expect(rendered.phone.actions.some((a) => a.startsWith('transfer'))).toBe(false);
    expect(rendered.backend.callCommands).toEqual([]);
  });

  it("consults a queue: the acd rings its available agent, named from the colleague list; complete goes to the cti's consult/complete", async () => {
    const ids: Record<string, string> = {};
    const rendered = await openDesktop({
      prepare: (backend) => {
        backend.addQueue('sales', 'Sales', { waiting: 1, available: 0 });
        backend.addQueue('support', 'Support', { waiting: 0, available: 1 });
        ids.bea = addColleague(backend, 'Bea Busy', 'on-call');
        ids.ada = addColleague(backend, 'Ada Lovelace', 'available');
        ids.zoe = addColleague(backend, 'Zoe Ready', 'available');
        // Bea is in the queue but busy; Zoe is free but not in the queue: only Ada can be consulted.
        backend.addToQueue(ids.bea, 'support');
        backend.addToQueue(ids.ada, 'support');
        backend.addToQueue(ids.zoe, 'sales');
      },
    });
    const user = await connected(rendered);
    const call = (): HTMLElement => panel('in-call')!;
    const transfer = within(call()).getByRole('form', { name: en['desktop.transfer.title'] });
    // The colleague list is loaded before the queue is consulted, so the answer's agent can be named.
    await waitFor(() => expect(optionsOf(within(transfer).getByRole('combobox', { name: en['desktop.transfer.agent'] })).length).toBe(4));
    await user.selectOptions(within(transfer).getByLabelText(en['desktop.transfer.to']), 'queue');
    const picker = within(transfer).getByRole('combobox', { name: en['desktop.transfer.queue'] });
    await waitFor(() => expect(optionsOf(picker)).toHaveLength(3));

    // No queue chosen: refused before anything is sent.
    await user.click(within(transfer).getByRole('button', { name: en['desktop.consult.submit'] }));
    expect(transfer.querySelector('[data-field-error="transfer"]')?.textContent).toBe(en['desktop.transfer.badQueue']);
    expect(rendered.backend.requests.some((r) => r.path.endsWith('/consult'))).toBe(false);

    await user.selectOptions(picker, 'support');
    await user.click(within(transfer).getByRole('button', { name: en['desktop.consult.submit'] }));
    expect(await within(call()).findByText('Calling Ada Lovelace (Support): the caller is on hold and hears music.')).toBeTruthy();
    expect(rendered.backend.requests.filter((r) => r.path === `/acd/calls/${CALL_ID}/consult`).map((r) => ({ method: r.method, body: r.body }))).toEqual([{ method: 'POST', body: { queueId: 'support' } }]);
    expect(rendered.backend.queueConsults).toEqual([{ callId: CALL_ID, queueId: 'support', agentId: rendered.agentId, consultedAgentId: ids.ada }]);
    // The acd asked, not the cti: nothing was dialled by a cti consult of an agent or number.
    expect(rendered.backend.callCommands).toEqual([]);

    await user.click(within(call()).getByRole('button', { name: en['desktop.consult.complete'] }));
    expect(await within(call()).findByText(en['desktop.consult.completed'])).toBeTruthy();
    expect(rendered.backend.callCommands).toEqual([{ callId: CALL_ID, command: 'consult/complete', body: {} }]);
    expect(within(call()).queryByRole('button', { name: en['desktop.consult.complete'] })).toBeNull();
    // Neither the phone nor the acd's blind transfer carried the call.
    expect(rendered.phone.actions.some((a) => a.startsWith('transfer'))).toBe(false);
    expect(rendered.backend.queueTransfers).toEqual([]);
  });

  it('names the consulted agent generically when the colleague list does not know them; conference and cancel go to the cti', async () => {
    const rendered = await openDesktop({ locale: 'zh-CN', prepare: (backend) => void backend.addQueue('support', '技术支持', { waiting: 0, available: 1 }) });
    const user = userEvent.setup();
    ring(rendered);
    await user.click(within(panel('ringing')!).getByRole('button', { name: zh['desktop.call.answer'] }));
    act(() => rendered.phone.confirm());
    act(() => rendered.feed.push({ type: 'call.state', change: { callId: CALL_ID, state: 'connected', agentId: rendered.agentId, at: '2025-06-02T10:00:08.000Z', reason: null } }));
    await waitFor(() => expect(panel('in-call')).not.toBeNull());
    const call = (): HTMLElement => panel('in-call')!;
    const transfer = within(call()).getByRole('form', { name: zh['desktop.transfer.title'] });
    await user.selectOptions(within(transfer).getByLabelText(zh['desktop.transfer.to']), 'queue');
    const picker = within(transfer).getByRole('combobox', { name: zh['desktop.transfer.queue'] });
    await waitFor(() => expect(optionsOf(picker)).toHaveLength(2));
    await user.selectOptions(picker, 'support');
    // An agent of another team (not among the colleagues this desktop lists).
    const stranger = '00000000-0000-4000-8000-0000000000ff';
    rendered.backend.answerNext(`POST /acd/calls/${CALL_ID}/consult`, 202, { callId: CALL_ID, queueId: 'support', agentId: stranger, decisionId: 'decision-9', status: 'ringing' });
    await user.click(within(transfer).getByRole('button', { name: zh['desktop.consult.submit'] }));
    expect(await within(call()).findByText('正在呼叫 技术支持 的一位坐席：来电者处于保持状态并听到等待音乐。')).toBeTruthy();

    await user.click(within(call()).getByRole('button', { name: zh['desktop.conference.join'] }));
    expect(await within(call()).findByText(zh['desktop.conference.started'])).toBeTruthy();
    await user.click(within(call()).getByRole('button', { name: zh['desktop.consult.cancel'] }));
    expect(await within(call()).findByText(zh['desktop.consult.cancelled'])).toBeTruthy();
    expect(rendered.backend.callCommands).toEqual([
      { callId: CALL_ID, command: 'conference', body: {} },
      { callId: CALL_ID, command: 'consult/cancel', body: {} },
    ]);
    expect(within(call()).queryByRole('button', { name: zh['desktop.consult.complete'] })).toBeNull();
  });

  it("shows the acd's 409 when no agent of the queue is free, and leaves the call as it was", async () => {
    let bea = '';
    const rendered = await openDesktop({
      prepare: (backend) => {
        backend.addQueue('sales', 'Sales', { waiting: 1, available: 0 });
        bea = addColleague(backend, 'Bea Busy', 'on-call');
        backend.addToQueue(bea, 'sales');
        // The agent itself is in the queue too, but is not consulted about its own call.
        backend.addToQueue(backend.tenant.allUsers().find((u) => u.email === 'agent@acme.test')?.id ?? '', 'sales');
      },
    });
    const user = await connected(rendered);
    const call = (): HTMLElement => panel('in-call')!;
    const transfer = within(call()).getByRole('form', { name: en['desktop.transfer.title'] });
    await user.selectOptions(within(transfer).getByLabelText(en['desktop.transfer.to']), 'queue');
    const picker = within(transfer).getByRole('combobox', { name: en['desktop.transfer.queue'] });
    await waitFor(() => expect(optionsOf(picker)).toHaveLength(2));
    await user.selectOptions(picker, 'sales');
    await user.click(within(transfer).getByRole('button', { name: en['desktop.consult.submit'] }));
    expect((await within(call()).findByRole('alert')).textContent).toBe('The server answered with an error (409): no agent of queue sales is available to consult');

    // Still connected to the caller, not held, with no consultation controls and nothing sent to the cti or the phone.
    expect(within(call()).getByRole('heading').textContent).toContain(en['desktop.call.title']);
    expect(within(call()).queryByRole('group', { name: en['desktop.consult.started'] })).toBeNull();
    expect(within(call()).queryByRole('button', { name: en['desktop.consult.complete'] })).toBeNull();
    expect(rendered.backend.queueConsults).toEqual([]);
    expect(rendered.backend.callCommands).toEqual([]);
    expect(rendered.phone.actions).toEqual(['answer']);
    expect(rendered.backend.agentState(bea).state).toBe('on-call');
  });

  it("shows the acd's refusal of a queue transfer in its own words, and lists colleagues without states when the acd cannot say", async () => {
    let ann = '';
    const rendered = await openDesktop({
      prepare: (backend) => {
        ann = addColleague(backend, 'Ann Other', 'available');
        backend.addQueue('sales', 'Sales', { waiting: 1, available: 0 });
      },
    });
    const user = await connected(rendered);
    const transfer = within(panel('in-call')!).getByRole('form', { name: en['desktop.transfer.title'] });
    await user.selectOptions(within(transfer).getByLabelText(en['desktop.transfer.to']), 'queue');
    const queues = within(transfer).getByRole('combobox', { name: en['desktop.transfer.queue'] });
    await waitFor(() => expect(optionsOf(queues)).toHaveLength(2));
    await user.selectOptions(queues, 'sales');
    rendered.backend.answerNext(`POST /acd/calls/${CALL_ID}/transfer`, 409, { statusCode: 409, error: 'Conflict', message: `call ${CALL_ID} is not connected to you` });
    await user.click(within(transfer).getByRole('button', { name: en['desktop.transfer.submit'] }));
    expect((await within(panel('in-call')!).findByRole('alert')).textContent).toBe(`The server answered with an error (409): call ${CALL_ID} is not connected to you`);
    expect(rendered.backend.queueTransfers).toEqual([]);

    // The acd cannot list the targets now: colleagues stay pickable by name, their state unknown, and the failure is said.
    await user.selectOptions(within(transfer).getByLabelText(en['desktop.transfer.to']), 'agent');
    const picker = within(transfer).getByRole('combobox', { name: en['desktop.transfer.agent'] });
    expect(optionsOf(picker).find((o) => o.value === ann)).toEqual({ value: ann, text: 'Ann Other — Available', disabled: false });
    rendered.backend.answerAlways('GET /acd/transfer-targets', 503, { statusCode: 503, error: 'Service Unavailable', message: 'acd is restarting' });
    await user.click(within(transfer).getByRole('button', { name: en['desktop.transfer.refresh'] }));
    await waitFor(() => expect(transfer.querySelector('[data-targets-error]')?.textContent).toContain('acd is restarting'));
    // A state the acd can no longer confirm is not shown as if it were current.
    expect(optionsOf(picker).find((o) => o.value === ann)).toEqual({ value: ann, text: `Ann Other — ${en['desktop.transfer.stateUnknown']}`, disabled: false });
    rendered.backend.answerNormally('GET /acd/transfer-targets');
    await user.click(within(transfer).getByRole('button', { name: en['desktop.transfer.refresh'] }));
    await waitFor(() => expect(optionsOf(picker).find((o) => o.value === ann)?.text).toBe('Ann Other — Available'));
    expect(transfer.querySelector('[data-targets-error]')).toBeNull();
  });

  it('picks colleagues by name even when the acd never answered, with their state unknown', async () => {
    let ann = '';
    const rendered = await openDesktop({
      prepare: (backend) => {
        ann = addColleague(backend, 'Ann Other', 'available');
        backend.answerAlways('GET /acd/transfer-targets', 404, { statusCode: 404, error: 'Not Found', message: 'Cannot GET /api/v1/acd/transfer-targets' });
      },
    });
    const user = await connected(rendered);
    const transfer = within(panel('in-call')!).getByRole('form', { name: en['desktop.transfer.title'] });
    const picker = within(transfer).getByRole('combobox', { name: en['desktop.transfer.agent'] });
    await waitFor(() => expect(optionsOf(picker).find((o) => o.value === ann)).toEqual({ value: ann, text: `Ann Other — ${en['desktop.transfer.stateUnknown']}`, disabled: false }));
    expect(transfer.querySelector('[data-targets-error]')?.textContent).toContain('Cannot GET /api/v1/acd/transfer-targets');
    await user.selectOptions(picker, ann);
    await user.click(within(transfer).getByRole('button', { name: en['desktop.transfer.submit'] }));
    expect(rendered.phone.actions.at(-1)).toBe(`transfer:agent:${ann}`);
  });

  it('hang-up opens the wrap-up; submit posts disposition, notes and ticket, then sets available', async () => {
    const rendered = await openDesktop();
    const user = await connected(rendered);
    await user.click(within(panel('in-call')!).getByRole('button', { name: en['desktop.call.hangup'] }));
    expect(rendered.phone.actions.at(-1)).toBe('hangup');
    await waitFor(() => expect(panel('in-call')).toBeNull());
    // The acd puts the agent in after-call work for the call.
    rendered.backend.agentStates.set(rendered.agentId, { agentId: rendered.agentId, state: 'after-call-work', reason: null, since: '2025-06-02T10:00:09.000Z', callId: CALL_ID, missedOffers: 0 });
    act(() => rendered.feed.push({ type: 'agent.state', change: { agentId: rendered.agentId, state: 'after-call-work', reason: null, since: '2025-06-02T10:00:09.000Z', callId: CALL_ID, acwEndsAt: '2025-06-02T10:00:39.000Z' } }));
    const wrapUp = panel('wrap-up')!;
    expect(wrapUp.getAttribute('data-call-id')).toBe(CALL_ID);
    expect(field(wrapUp, 'acw')).toBe('Back to available in 0:29');
    // The pop stays for the wrap-up.
    expect(field(panel('pop'), 'caller-number')).toBe('+1 415 ***-2671');

    const form = within(wrapUp);
    const codes = form.getByLabelText(en['desktop.wrapUp.disposition']);
    expect([...codes.querySelectorAll('option')].map((o) => o.value)).toEqual(['sale', 'callback']);
    await user.selectOptions(codes, 'callback');
    await user.type(form.getByLabelText(en['desktop.wrapUp.notes']), 'Wants a call on Monday');
    await user.click(form.getByLabelText(en['desktop.wrapUp.createTicket']));
    await user.type(form.getByLabelText(en['desktop.wrapUp.subject']), 'Call back about the refund');
    await user.selectOptions(form.getByLabelText(en['desktop.wrapUp.priority']), 'high');
    await user.click(form.getByRole('button', { name: en['desktop.wrapUp.submit'] }));

    await waitFor(() => expect(panel('wrap-up')).toBeNull());
    expect(rendered.backend.wrapUps).toEqual([
      { callId: CALL_ID, request: { disposition: 'callback', notes: 'Wants a call on Monday', ticket: { subject: 'Call back about the refund', status: 'open', priority: 'high' } } },
    ]);
    expect(rendered.backend.stateRequests.at(-1)).toEqual({ agentId: rendered.agentId, state: 'available', reason: null });
    expect(stateShown()).toBe('available');
    // A late "ended" push does not open the form again.
    act(() => rendered.feed.push({ type: 'call.state', change: { callId: CALL_ID, state: 'ended', agentId: rendered.agentId, at: '2025-06-02T10:00:09.000Z', reason: 'agent-hangup' } }));
    expect(panel('wrap-up')).toBeNull();
  });

  it('shows the wrap-up refused by the server under its field, and a new ticket without subject is refused before sending', async () => {
    const rendered = await openDesktop();
    const user = await connected(rendered);
    act(() => rendered.phone.end('BYE'));
    const form = within(await waitFor(() => panel('wrap-up')!));
    expect(field(panel('wrap-up'), 'acw')).toBe('Wrapping up for 0:00');
    await user.click(form.getByLabelText(en['desktop.wrapUp.createTicket']));
    await user.click(form.getByRole('button', { name: en['desktop.wrapUp.submit'] }));
    await waitFor(() => expect(panel('wrap-up')?.querySelector('[data-field-error="ticket.subject"]')?.textContent).toBe(en['validation.required']));
    await user.click(form.getByLabelText(en['desktop.wrapUp.createTicket']));
    rendered.backend.dispositions[0]!.active = false;
    await user.click(form.getByRole('button', { name: en['desktop.wrapUp.submit'] }));
    expect(await form.findByText('is not an active disposition code')).toBeTruthy();
    expect(rendered.backend.wrapUps).toEqual([]);
    expect(panel('wrap-up')).not.toBeNull();
  });

  it("shows the agent's own figures for today from the agent.stats push", async () => {
    const rendered = await openDesktop();
    expect(document.querySelector('[data-stat="calls"]')?.textContent).toBe('—');
    act(() => rendered.feed.push({ type: 'agent.stats', stats: agentStats('someone-else', 'available', 0, '2025-06-02T10:00:09.000Z') }));
    expect(document.querySelector('[data-stat="calls"]')?.textContent).toBe('—');
    act(() => rendered.feed.push({ type: 'agent.stats', stats: agentStats(rendered.agentId, 'available', 0, '2025-06-02T10:00:09.000Z') }));
    expect(document.querySelector('[data-stat="calls"]')?.textContent).toBe('4');
    expect(document.querySelector('[data-stat="talk"]')?.textContent).toBe('10:00');
    expect(document.querySelector('[data-stat="aht"]')?.textContent).toBe('2:45');
  });

  it('session.replaced: says the desktop was opened elsewhere, stops the phone and the feed; it can be taken back', async () => {
    const rendered = await openDesktop();
    const user = userEvent.setup();
    const stopsBefore = rendered.phone.stops;
    act(() => rendered.feed.push({ type: 'session.replaced' }));
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe(en['desktop.replaced.title']);
    expect(screen.getByRole('alert').textContent).toBe(en['desktop.replaced.body']);
    expect(rendered.phone.stops).toBeGreaterThan(stopsBefore);
    expect(rendered.phone.snapshot().registration).toBe('unregistered');
    expect(rendered.feed.status).toBe('closed');
    expect(panel('in-call')).toBeNull();

    const startsBefore = rendered.phone.starts;
    await user.click(screen.getByRole('button', { name: en['desktop.replaced.takeBack'] }));
    expect(await screen.findByRole('heading', { level: 1, name: en['area.agent'] })).toBeTruthy();
    expect(rendered.phone.starts).toBeGreaterThan(startsBefore);
    expect(rendered.feed.status).toBe('open');
  });

  it('after a network loss, registers the phone again and reconnects the feed at once', async () => {
    const rendered = await openDesktop();
    act(() => rendered.phone.set({ connection: 'disconnected', registration: 'unregistered' }));
    expect(document.querySelector('[data-phone-status]')?.textContent).toBe(en['desktop.phone.disconnected']);
    act(() => void window.dispatchEvent(new Event('online')));
    expect(rendered.phone.reconnects).toBe(1);
    expect(rendered.feed.retries).toBe(1);
  });
});
