import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CATALOGS } from '../../i18n/catalogs';
import { agentStats, queueStats } from '../../testing/parley-backend.fake';
import { renderApp, signedIn, TEST_NOW } from '../../testing/render-app';

afterEach(() => cleanup());

const en = CATALOGS.en;

function openDashboard(options: { now?: () => number } = {}) {
  const session = signedIn('supervisor', 'en');
  session.backend.seedDemo();
  const agentId = session.backend.agents[0]?.agentId ?? '';
  const rendered = renderApp({ locale: 'en', path: '/supervisor', ...session, ...(options.now ? { services: { now: options.now } } : {}) });
  return { ...rendered, agentId };
}

const queueRow = (): HTMLElement => document.querySelector('[data-queue="sales"]') as HTMLElement;
const cell = (row: Element, name: string): string => row.querySelector(`[data-cell="${name}"]`)?.textContent ?? '';
const agentRow = (agentId: string): HTMLElement => document.querySelector(`[data-agent="${agentId}"]`) as HTMLElement;

describe('supervisor dashboard', () => {
  it('shows the snapshot: queue figures, the agent with time in state and call, and the SL alert below target', async () => {
    const { agentId } = openDashboard();
    await waitFor(() => expect(cell(queueRow(), 'waiting')).toBe('2'));
    expect(cell(queueRow(), 'service-level')).toBe('50% (target 80%)');
    expect(cell(queueRow(), 'answered')).toBe('10');
    expect(cell(queueRow(), 'abandoned')).toBe('1');
    // 42 s at 10:00:00, shown at 10:00:10 while two callers still wait.
    expect(cell(queueRow(), 'longest-wait')).toBe('0:52');
    expect(screen.getByRole('alert').textContent).toBe('Service level of 销售热线 is 50%, below its target of 80%.');
    await waitFor(() => expect(cell(agentRow(agentId), 'state')).toBe(en['agentState.on-call']));
    // In the state since 09:58:00; the clock says 10:00:10.
    expect(cell(agentRow(agentId), 'time-in-state')).toBe('2:10');
    expect(cell(agentRow(agentId), 'call')).toBe('6f1c2b9e');
  });

  it('updates live from the feed: queue figures, the chart, the SL alert, an agent state change', async () => {
    const { feed, agentId } = openDashboard();
    await waitFor(() => expect(cell(queueRow(), 'waiting')).toBe('2'));
    const chart = (): number => Number(document.querySelector('svg[data-points]')?.getAttribute('data-points'));
    const before = chart();

    act(() => feed.push({ type: 'queue.stats', stats: queueStats('sales', { waiting: 5, serviceLevel: 0.95, answered: 12, asOf: '2025-06-02T10:00:06.000Z' }) }));
    expect(cell(queueRow(), 'waiting')).toBe('5');
    expect(cell(queueRow(), 'answered')).toBe('12');
    expect(cell(queueRow(), 'service-level')).toBe('95% (target 80%)');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(chart()).toBe(before + 1);

    act(() => feed.push({ type: 'queue.stats', stats: queueStats('sales', { waiting: 7, serviceLevel: 0.7, asOf: '2025-06-02T10:00:07.000Z' }) }));
    expect(screen.getByRole('alert').textContent).toBe('Service level of 销售热线 is 70%, below its target of 80%.');
    expect(chart()).toBe(before + 2);

    act(() => feed.push({ type: 'agent.state', change: { agentId, state: 'after-call-work', reason: null, since: '2025-06-02T10:00:05.000Z', callId: '6f1c2b9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f' } }));
    expect(cell(agentRow(agentId), 'state')).toBe(en['agentState.after-call-work']);
    expect(cell(agentRow(agentId), 'time-in-state')).toBe('0:05');
    expect(within(agentRow(agentId)).queryByRole('button')).toBeNull();

    act(() => feed.push({ type: 'agent.stats', stats: { ...agentStats(agentId, 'available', 1000, '2025-06-02T10:00:09.000Z') } }));
    expect(cell(agentRow(agentId), 'state')).toBe(en['agentState.available']);
    expect(cell(agentRow(agentId), 'call')).toBe('—');
    expect(screen.getByRole('img', { name: /Agents by state/ }).getAttribute('aria-label')).toContain(`${en['agentState.available']} 1`);
  });

  it('ticks the time in state from the state start, without a push', async () => {
    let clock = TEST_NOW;
    const { agentId } = openDashboard({ now: () => clock });
    await waitFor(() => expect(cell(agentRow(agentId), 'time-in-state')).toBe('2:10'));
    clock += 65_000;
    await waitFor(() => expect(cell(agentRow(agentId), 'time-in-state')).toBe('3:15'), { timeout: 2500 });
  });

  it('asks call control to listen, whisper or barge on the agent call (POST /cti/calls/:id/monitor)', async () => {
    const user = userEvent.setup();
    const { backend, agentId } = openDashboard();
    // A supervisor may not list users, so the agent is named by id.
    await user.click(await screen.findByRole('button', { name: en['dashboard.monitorAgent.whisper'].replace('{agent}', agentId) }));
    expect(await screen.findByText(en['dashboard.monitoring.whisper'])).toBeTruthy();
    expect(backend.monitorCalls).toEqual([{ callId: '6f1c2b9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f', mode: 'whisper' }]);
  });

  it("sets an agent's state for them: refused while on a call (409 in words), done once the agent is free", async () => {
    const user = userEvent.setup();
    const { backend, agentId } = openDashboard();
    backend.agentStates.set(agentId, { ...backend.agentState(agentId), state: 'on-call' });
    const picker = await screen.findByRole('combobox', { name: en['dashboard.forceStateOf'].replace('{agent}', agentId) });
    await user.selectOptions(picker, 'offline');
    expect(await screen.findByText(new RegExp(`cannot go from on-call to offline`))).toBeTruthy();
    expect(backend.stateRequests).toEqual([]);
    backend.agentStates.set(agentId, { ...backend.agentState(agentId), state: 'after-call-work' });
    // A break is set with one of the tenant's reasons, each offered by its label.
    await waitFor(() => expect([...picker.querySelectorAll('option')].map((o) => o.textContent)).toContain('On break: Coaching'));
    expect([...picker.querySelectorAll('option')].map((o) => o.value)).toEqual(['', 'available', 'break:lunch', 'break:short-break', 'break:training', 'break:meeting', 'break:coaching', 'offline']);
    await user.selectOptions(picker, 'On break: Coaching');
    expect(await screen.findByText(en['dashboard.forceState.done'])).toBeTruthy();
    expect(backend.stateRequests).toEqual([{ agentId, state: 'break', reason: 'coaching' }]);
  });

  it("shows an agent's break reason by the tenant's label in the UI language (the code when the list has no such reason)", async () => {
    const session = signedIn('supervisor', 'zh-CN');
    session.backend.seedDemo();
    session.backend.breakReasons = [{ code: 'wellbeing', labels: { en: 'Wellbeing', 'zh-CN': '身心调整' } }];
    const agentId = session.backend.agents[0]?.agentId ?? '';
    const { feed } = renderApp({ locale: 'zh-CN', path: '/supervisor', ...session });
    await waitFor(() => expect(cell(agentRow(agentId), 'state')).toBe(CATALOGS['zh-CN']['agentState.on-call']));
    act(() => feed.push({ type: 'agent.state', change: { agentId, state: 'break', reason: 'wellbeing', since: '2025-06-02T10:00:05.000Z', callId: null } }));
    await waitFor(() => expect(cell(agentRow(agentId), 'state')).toBe(`${CATALOGS['zh-CN']['agentState.break']} (身心调整)`));
    act(() => feed.push({ type: 'agent.state', change: { agentId, state: 'break', reason: 'old-code', since: '2025-06-02T10:00:06.000Z', callId: null } }));
    expect(cell(agentRow(agentId), 'state')).toBe(`${CATALOGS['zh-CN']['agentState.break']} (old-code)`);
  });

  it('keeps one live feed running while open and stops it when closed', async () => {
    const { feed } = openDashboard();
    await waitFor(() => expect(cell(queueRow(), 'waiting')).toBe('2'));
    expect(screen.getByText(en['dashboard.feed.open'])).toBeTruthy();
    // StrictMode mounts twice in development: whatever it starts, it stops all but one.
    expect(feed.starts - feed.stops).toBe(1);
    cleanup();
    expect(feed.starts - feed.stops).toBe(0);
    expect(feed.status).toBe('closed');
  });
});
