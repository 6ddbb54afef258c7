import { type Locale, type Role } from '@parley/contracts';
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { TenantApiClient } from '../api/tenant-api.client';
import { CATALOGS } from '../i18n/catalogs';
import { MISSING_MARK } from '../i18n/i18n.provider';
import { type MessageKey } from '../i18n/message-catalog';
import { areasFor, areaOfPath } from '../routing/areas';
import { SessionManager, storageRefreshTokenStore } from '../session/session.manager';
import { FakeParleyBackend } from '../testing/parley-backend.fake';
import { PASSWORD, renderApp, signedIn, type Rendered } from '../testing/render-app';
import { FakeTenantServer, memoryStorage } from '../testing/tenant-api.fake';
import { SIGNED_IN_SCREENS } from './admin/admin-routes';

const LOCALES: Locale[] = ['en', 'zh-CN'];
/**
 * Product, language and plan names, the example company, and technical names shown in hints (an
 * IANA zone, a URL scheme, a flow variable), which Chinese text keeps in Latin letters.
 */
const LATIN_WORDS_IN_CHINESE = new Set(['Parley', 'English', 'acme', 'IVR', 'issue', 'Asia', 'Shanghai', 'https', 'call', 'from']);
const ROLES: Role[] = ['owner', 'admin', 'supervisor', 'agent'];

/** A message without placeholders, as the catalog of `locale` words it. */
const text = (locale: Locale, key: MessageKey): string => CATALOGS[locale][key];

/** The page's product text: without values from the data (names, ids, numbers marked translate="no"). */
function productText(): string {
  const copy = document.body.cloneNode(true) as HTMLElement;
  for (const data of copy.querySelectorAll('[translate="no"]')) data.remove();
  return copy.textContent ?? '';
}

/** English sentences that a Chinese screen must not show (brand and language names are the same in both). */
function englishLeftIn(body: string): string[] {
  return Object.entries(CATALOGS.en)
    .filter(([key, en]) => !/\{/.test(en) && /[a-z]{4}/i.test(en) && CATALOGS['zh-CN'][key as MessageKey] !== en)
    .map(([, en]) => en)
    .filter((en) => body.includes(en));
}

function expectFullyTranslated(locale: Locale, rendered: Rendered): void {
  const body = productText();
  expect(rendered.missing).toEqual([]);
  expect(document.body.textContent).not.toContain(MISSING_MARK);
  if (locale === 'zh-CN') {
    expect(englishLeftIn(body)).toEqual([]);
    // Nothing hard-coded in English either: the only Latin words are names that stay as they are.
    expect([...new Set(body.match(/[A-Za-z]{3,}/g) ?? [])].filter((word) => !LATIN_WORDS_IN_CHINESE.has(word))).toEqual([]);
  }
}

/** Waits until every loading message is gone. */
async function settled(locale: Locale): Promise<void> {
  await waitFor(() => expect(document.body.textContent).not.toContain(text(locale, 'app.loading')));
  await act(async () => undefined);
}

afterEach(() => cleanup());

describe.each(LOCALES)('every screen in %s', (locale) => {
  it('login renders with every message translated', async () => {
    const rendered = renderApp({ locale, path: '/login' });
    expect(await screen.findByRole('heading', { name: text(locale, 'login.title') })).toBeTruthy();
    for (const key of ['login.tenant', 'login.email', 'login.password'] as const) expect(screen.getByLabelText(text(locale, key))).toBeTruthy();
    expect(screen.getByRole('button', { name: text(locale, 'login.submit') })).toBeTruthy();
    expectFullyTranslated(locale, rendered);
  });

  it('signup renders with every message translated', async () => {
    const rendered = renderApp({ locale, path: '/signup' });
    expect(await screen.findByRole('heading', { name: text(locale, 'signup.title') })).toBeTruthy();
    for (const key of ['signup.companyName', 'signup.slug', 'signup.adminName', 'signup.adminEmail', 'signup.password'] as const) {
      expect(screen.getByLabelText(text(locale, key))).toBeTruthy();
    }
    expectFullyTranslated(locale, rendered);
  });

  it.each([
    ['agent', '/agent', text(locale, 'area.agent')],
    ['supervisor', '/supervisor', text(locale, 'area.supervisor')],
    ['admin', '/admin/users', text(locale, 'admin.section.users')],
    ['owner', '/admin/users', text(locale, 'admin.section.users')],
  ] as const)('a signed-in %s lands on its area (%s)', async (role, path, heading) => {
    const rendered = renderApp({ locale, path: '/', ...signedIn(role, locale) });
    expect(await screen.findByRole('heading', { level: 1, name: heading })).toBeTruthy();
    expect(window.location.pathname).toBe(path);
    await settled(locale);
    expectFullyTranslated(locale, rendered);
  });

  // Every signed-in screen, from the routing table: a screen added there is checked here too.
  it.each(SIGNED_IN_SCREENS.map((s) => [s.path, s.roles[0] as Role] as const))('%s renders for a %s with every message translated', async (pattern, role) => {
    const session = signedIn(role, locale);
    session.backend.seedDemo();
    const rendered = renderApp({ locale, path: pattern.replace(':flowId', 'flow-1'), ...session });
    expect(await screen.findByRole('heading', { level: 1 })).toBeTruthy();
    await settled(locale);
    expect(document.querySelector('[role="alert"].form-alert')).toBeNull();
    expectFullyTranslated(locale, rendered);
  });

  it('validation messages appear under the fields in this language', async () => {
    const user = userEvent.setup();
    const rendered = renderApp({ locale, path: '/signup' });
    await screen.findByRole('heading', { name: text(locale, 'signup.title') });
    await user.type(screen.getByLabelText(text(locale, 'signup.slug')), 'Bad Slug');
    await user.type(screen.getByLabelText(text(locale, 'signup.adminEmail')), 'not-an-email');
    await user.type(screen.getByLabelText(text(locale, 'signup.password')), 'short');
    await user.click(screen.getByRole('button', { name: text(locale, 'signup.submit') }));
    const errors = Object.fromEntries([...document.querySelectorAll('[data-field-error]')].map((el) => [el.getAttribute('data-field-error'), el.textContent]));
    expect(errors).toEqual({
      companyName: text(locale, 'validation.required'),
      slug: text(locale, 'validation.slugFormat'),
      adminName: text(locale, 'validation.required'),
      adminEmail: text(locale, 'validation.email'),
      password: CATALOGS[locale]['validation.tooShort'].replace('{min}', '10'),
    });
    expect(rendered.backend.tenant.requests).toEqual([]);
    expectFullyTranslated(locale, rendered);
  });
});

describe('login', () => {
  async function fillLogin(locale: Locale): Promise<void> {
    const user = userEvent.setup();
    await screen.findByRole('heading', { name: text(locale, 'login.title') });
    await user.type(screen.getByLabelText(text(locale, 'login.tenant')), 'Acme');
    await user.type(screen.getByLabelText(text(locale, 'login.email')), 'ada@acme.test');
    await user.type(screen.getByLabelText(text(locale, 'login.password')), PASSWORD);
    await user.click(screen.getByRole('button', { name: text(locale, 'login.submit') }));
  }

  it("shows the API's field errors under their fields, translated, and other paths for the whole form", async () => {
    const backend = new FakeParleyBackend();
    const server = backend.tenant;
    server.answerNext('POST /auth/login', 400, {
      statusCode: 400,
      error: 'BAD_REQUEST',
      message: 'invalid body: ...',
      fields: [
        { path: 'email', message: 'must be an email address' },
        { path: 'tenant', message: 'must be at most 40 characters' },
        { path: 'password', message: 'a reason the web app has no translation for' },
        { path: '(body)', message: 'is not valid JSON' },
      ],
    });
    renderApp({ locale: 'zh-CN', path: '/login', backend });
    await fillLogin('zh-CN');
    expect(await screen.findByText('请输入有效的电子邮箱地址')).toBeTruthy();
    const errors = Object.fromEntries([...document.querySelectorAll('[data-field-error]')].map((el) => [el.getAttribute('data-field-error'), el.textContent]));
    expect(errors).toEqual({ email: '请输入有效的电子邮箱地址', tenant: '最多 40 个字符', password: 'a reason the web app has no translation for' });
    expect(within(screen.getByRole('alert')).getByText('(body)：is not valid JSON')).toBeTruthy();
    expect(server.requests[0]?.body).toEqual({ tenant: 'acme', email: 'ada@acme.test', password: PASSWORD });
  });

  it('says the credentials are wrong on 401 and stays on the form', async () => {
    const backend = new FakeParleyBackend();
    backend.tenant.addUser('acme', 'ada@acme.test', 'another password!', 'agent');
    renderApp({ locale: 'en', path: '/login', backend });
    await fillLogin('en');
    expect(await screen.findByText(text('en', 'login.invalidCredentials'))).toBeTruthy();
    expect(window.location.pathname).toBe('/login');
  });

  it("signs in, switches to the user's own language and opens the area of the role", async () => {
    const backend = new FakeParleyBackend();
    backend.tenant.addUser('acme', 'ada@acme.test', PASSWORD, 'supervisor', 'zh-CN');
    const rendered = renderApp({ locale: 'en', path: '/login', backend });
    await fillLogin('en');
    expect(await screen.findByRole('heading', { level: 1, name: text('zh-CN', 'area.supervisor') })).toBeTruthy();
    expect(window.location.pathname).toBe('/supervisor');
    expect(rendered.localeChanges).toEqual(['zh-CN']);
    expect(document.documentElement.lang).toBe('zh-CN');
  });
});

describe('signup', () => {
  it('shows "already taken" from the API under the company ID, in Chinese, and sends the form language', async () => {
    const user = userEvent.setup();
    const backend = new FakeParleyBackend();
    const server = backend.tenant;
    server.answerNext('POST /signup', 409, {
      statusCode: 409,
      error: 'CONFLICT',
      message: 'invalid body: slug "acme" is already taken',
      fields: [{ path: 'slug', message: 'is already taken' }],
    });
    renderApp({ locale: 'zh-CN', path: '/signup', backend });
    await screen.findByRole('heading', { name: text('zh-CN', 'signup.title') });
    const fill: [MessageKey, string][] = [
      ['signup.companyName', 'Acme'],
      ['signup.slug', 'acme'],
      ['signup.adminName', 'Ada'],
      ['signup.adminEmail', 'ada@acme.test'],
      ['signup.password', PASSWORD],
    ];
    for (const [key, value] of fill) await user.type(screen.getByLabelText(text('zh-CN', key)), value);
    await user.click(screen.getByRole('button', { name: text('zh-CN', 'signup.submit') }));
    expect(await screen.findByText(text('zh-CN', 'validation.slugTaken'))).toBeTruthy();
    expect(server.requests[0]?.body).toEqual({ companyName: 'Acme', slug: 'acme', adminName: 'Ada', adminEmail: 'ada@acme.test', password: PASSWORD, locale: 'zh-CN' });
  });
});

describe('shell', () => {
  it("keeps an agent out of the admin console (the area's content is not shown)", async () => {
    renderApp({ locale: 'en', path: '/admin', ...signedIn('agent', 'en') });
    expect(await screen.findByRole('alert')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toBe('Your role (Agent) cannot open the Admin console.');
    expect(document.querySelector('[data-area]')).toBeNull();
  });

  // Every screen against every role its route does not allow: a forbidden view, and not one API call.
  const forbidden = SIGNED_IN_SCREENS.flatMap((s) => ROLES.filter((role) => !s.roles.includes(role)).map((role) => [s.path, role] as const));
  it.each(forbidden)('%s is forbidden to a %s', async (pattern, role) => {
    const session = signedIn(role, 'en');
    session.backend.seedDemo();
    renderApp({ locale: 'en', path: pattern.replace(':flowId', 'flow-1'), ...session });
    const area = areaOfPath(pattern);
    expect(area).not.toBeNull();
    expect(areasFor(role)).not.toContain(area);
    expect((await screen.findByRole('alert')).textContent).toBe(
      CATALOGS.en['area.forbidden'].replace('{role}', text('en', `role.${role}`)).replace('{area}', text('en', `area.${area ?? 'agent'}`)),
    );
    await act(async () => undefined);
    expect(document.querySelector('[data-area]')).toBeNull();
    expect(session.backend.requests).toEqual([]);
  });

  it('lets admins and owners open the dashboard too, from the menu of their areas', async () => {
    const user = userEvent.setup();
    const session = signedIn('admin', 'en');
    session.backend.seedDemo();
    renderApp({ locale: 'en', path: '/admin/users', ...session });
    await user.click(await screen.findByRole('link', { name: text('en', 'area.supervisor') }));
    expect(await screen.findByRole('heading', { level: 1, name: text('en', 'area.supervisor') })).toBeTruthy();
    expect(window.location.pathname).toBe('/supervisor');
  });

  it('signs out: tells the server and returns to the sign-in page', async () => {
    const user = userEvent.setup();
    const { backend, storage } = signedIn('admin', 'en');
    const server = backend.tenant;
    renderApp({ locale: 'en', path: '/admin', backend, storage });
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: text('en', 'login.title') })).toBeTruthy();
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', path: '/auth/logout' });
    expect(storage.getItem('parley.refreshToken')).toBeNull();
  });
});

describe('language switcher', () => {
  it('switches the screen language and reports the choice', async () => {
    const user = userEvent.setup();
    const rendered = renderApp({ locale: 'en', path: '/login' });
    await screen.findByRole('heading', { name: text('en', 'login.title') });
    await user.selectOptions(screen.getByLabelText(text('en', 'language.label')), 'zh-CN');
    expect(await screen.findByRole('heading', { name: text('zh-CN', 'login.title') })).toBeTruthy();
    expect(rendered.localeChanges).toEqual(['zh-CN']);
    await act(async () => undefined);
    expectFullyTranslated('zh-CN', rendered);
  });

  it('a catalog missing a key is reported and visibly marked (what the tests above look for)', async () => {
    const missing: string[] = [];
    const server = new FakeTenantServer();
    const api = new TenantApiClient(server.transport);
    const { I18nProvider } = await import('../i18n/i18n.provider');
    const { LoginPage } = await import('./login.page');
    const { SessionProvider } = await import('../session/session.provider');
    const { RouterProvider } = await import('../routing/router');
    const broken = { ...CATALOGS, 'zh-CN': { ...CATALOGS['zh-CN'], 'login.title': '' } };
    render(
      <I18nProvider initialLocale="zh-CN" catalogs={broken} onMissingKey={(l, k) => missing.push(`${l}:${k}`)}>
        <SessionProvider api={api} manager={new SessionManager(api, { store: storageRefreshTokenStore(memoryStorage()) })}>
          <RouterProvider>
            <LoginPage />
          </RouterProvider>
        </SessionProvider>
      </I18nProvider>,
    );
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe(`${MISSING_MARK}login.title`);
    expect(missing).toContain('zh-CN:login.title');
  });
});
