import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CATALOGS } from '../../i18n/catalogs';
import { renderApp, signedIn } from '../../testing/render-app';

afterEach(() => cleanup());

const en = CATALOGS.en;
const label = (key: 'breaks.codeOf' | 'breaks.labelEnOf' | 'breaks.labelZhOf' | 'breaks.removeOf', n: number): string => en[key].replace('{n}', String(n));

async function openEditor() {
  const session = signedIn('admin', 'en');
  const rendered = renderApp({ locale: 'en', path: '/admin/breaks', ...session });
  await screen.findByRole('heading', { level: 1, name: en['admin.section.breaks'] });
  await screen.findByLabelText(label('breaks.codeOf', 1));
  return { ...rendered, user: userEvent.setup() };
}

const rowValues = (): string[][] =>
  [...document.querySelectorAll('[data-break-reason]')].map((row) => [...row.querySelectorAll('input')].map((input) => input.value));
const fieldError = (name: string): string | null => document.querySelector(`[data-field-error="${name}"]`)?.textContent ?? null;

describe('break reasons editor (admin console)', () => {
  it('starts from the defaults; renames, removes and adds reasons with both labels, and saves the whole list', async () => {
    const { backend, user } = await openEditor();
    expect(screen.getByText(en['breaks.defaults'])).toBeTruthy();
    expect(rowValues()).toEqual([
      ['lunch', 'Lunch', '午餐'],
      ['short-break', 'Short break', '短暂休息'],
      ['training', 'Training', '培训'],
      ['meeting', 'Meeting', '会议'],
      ['coaching', 'Coaching', '辅导'],
    ]);

    const english = screen.getByLabelText(label('breaks.labelEnOf', 1));
    await user.clear(english);
    await user.type(english, 'Lunch break');
    const chinese = screen.getByLabelText(label('breaks.labelZhOf', 1));
    await user.clear(chinese);
    await user.type(chinese, '午休');
    await user.click(screen.getByRole('button', { name: label('breaks.removeOf', 5) }));
    await user.click(screen.getByRole('button', { name: label('breaks.removeOf', 2) }));
    await user.click(screen.getByRole('button', { name: en['breaks.add'] }));
    await user.type(screen.getByLabelText(label('breaks.codeOf', 4)), 'wellbeing');
    await user.type(screen.getByLabelText(label('breaks.labelEnOf', 4)), ' Wellbeing ');
    await user.type(screen.getByLabelText(label('breaks.labelZhOf', 4)), '身心调整');
    await user.click(screen.getByRole('button', { name: en['breaks.save'] }));

    expect(await screen.findByText(en['breaks.saved'])).toBeTruthy();
    const sent = [
      { code: 'lunch', labels: { en: 'Lunch break', 'zh-CN': '午休' } },
      { code: 'training', labels: { en: 'Training', 'zh-CN': '培训' } },
      { code: 'meeting', labels: { en: 'Meeting', 'zh-CN': '会议' } },
      { code: 'wellbeing', labels: { en: 'Wellbeing', 'zh-CN': '身心调整' } },
    ];
    expect(backend.requests.filter((r) => r.method === 'PUT').map((r) => [r.path, r.body])).toEqual([['/acd/settings', { breakReasons: sent }]]);
    expect(backend.breakReasons).toEqual(sent);
    // Reloaded from the server: the tenant's own list now.
    await waitFor(() => expect(screen.queryByText(en['breaks.defaults'])).toBeNull());
    expect(rowValues()).toEqual(sent.map((r) => [r.code, r.labels.en, r.labels['zh-CN']]));
  });

  it("shows the server's errors under the field of the entry they name, and saves nothing", async () => {
    const { backend, user } = await openEditor();
    await user.click(screen.getByRole('button', { name: en['breaks.add'] }));
    await user.type(screen.getByLabelText(label('breaks.codeOf', 6)), 'lunch');
    await user.type(screen.getByLabelText(label('breaks.labelEnOf', 6)), 'Second lunch');
    await user.clear(screen.getByLabelText(label('breaks.codeOf', 3)));
    await user.type(screen.getByLabelText(label('breaks.codeOf', 3)), 'Training Day');
    await user.click(screen.getByRole('button', { name: en['breaks.save'] }));

    await waitFor(() => expect(fieldError('breakReasons.5.code')).toBe('break reason lunch is listed twice'));
    expect(fieldError('breakReasons.5.labels.zh-CN')).toBe(en['validation.required']);
    expect(fieldError('breakReasons.2.code')).toBe('must be 1-64 lower-case letters, digits or "-", starting with a letter or digit');
    expect(fieldError('breakReasons.5.labels.en')).toBeNull();
    expect((screen.getByLabelText(label('breaks.codeOf', 6)) as HTMLInputElement).getAttribute('aria-invalid')).toBe('true');
    expect(backend.breakReasons).toBeNull();
    expect(screen.queryByText(en['breaks.saved'])).toBeNull();

    // The errors stay with their rows when a row above them is removed.
    await user.click(screen.getByRole('button', { name: label('breaks.removeOf', 1) }));
    const moved = within(document.querySelector('[data-break-reason="4"]') as HTMLElement);
    expect((moved.getByLabelText(label('breaks.codeOf', 5)) as HTMLInputElement).value).toBe('lunch');
    expect(moved.getByText('break reason lunch is listed twice')).toBeTruthy();
  });

  it('shows an error about the whole list on top; keeps at least one reason and at most thirty', async () => {
    const { backend, user } = await openEditor();
    for (let n = 5; n > 1; n -= 1) await user.click(screen.getByRole('button', { name: label('breaks.removeOf', n) }));
    expect((screen.getByRole('button', { name: label('breaks.removeOf', 1) }) as HTMLButtonElement).disabled).toBe(true);
    for (let n = 1; n < 30; n += 1) await user.click(screen.getByRole('button', { name: en['breaks.add'] }));
    expect(rowValues()).toHaveLength(30);
    expect((screen.getByRole('button', { name: en['breaks.add'] }) as HTMLButtonElement).disabled).toBe(true);

    backend.answerNext('PUT /acd/settings', 400, { statusCode: 400, error: 'Bad Request', message: 'invalid body', fields: [{ path: 'breakReasons', message: 'must list at most 30 break reasons' }] });
    await user.click(screen.getByRole('button', { name: en['breaks.save'] }));
    expect((await screen.findByRole('alert')).textContent).toBe('must list at most 30 break reasons');
  }, 20_000);
});
