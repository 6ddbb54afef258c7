// npm run e2e — a whole day of Parley in the browser, on the platform `npm start` runs:
//   a company signs up → its owner creates the `sales` queue, a disposition code, an IVR flow
//   (welcome; menu: 1 → sales) and publishes it, adds a phone number bound to the flow, an agent
//   with a seat in the sales queue → the agent signs in to the desktop (second browser context),
//   the phone registers, the agent goes available → sipp calls the number and presses 1 → the
//   desktop rings with the caller's number masked (ringing panel and screen pop) → the agent
//   answers; audio flows both ways (getStats of the softphone's peer connection) → the agent hangs
//   up and wraps up → the owner's supervisor dashboard (third context, open all along) counted the
//   call and showed the agent's states live.
// Screenshots of each step go to e2e/screenshots/NN-step.png; the last line printed is one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { en } from '../apps/web/src/i18n/en.messages';
import { Chromium } from './kit/browser';
import { PEER_CONNECTIONS_PROBE, readAgentStates, readAudioStats, recordAgentStates, type AudioStats } from './kit/page-probes';
import { phoneRegistered, signIn } from './kit/screens';
import { buildWebIfStale, freeSipPort, startE2ePlatform, type Platform } from './kit/platform';
import { SippCall, sippMediaPort, writeCallerAudio, writeScenario } from './kit/sipp';
import { StepFailure, textOf, until, Walk } from './kit/walk';

const ROOT = join(__dirname, '..');
const SCREENSHOTS = join(__dirname, 'screenshots');
const STEPS_TOTAL = 24;

const suffix = Math.random().toString(36).slice(2, 8);
const COMPANY = { name: 'Acme Telecom', slug: `acme-${suffix}`, owner: 'Olivia Owner', email: `olivia@acme-${suffix}.test`, password: 'Harbor-Lantern-5821' };
const AGENT = { name: 'Alex Agent', email: `alex@acme-${suffix}.test`, password: 'Meadow-Copper-3907' };
const NUMBER = '+18885550142';
const CALLER = '+14155550123';
const CALLER_MASKED = '+1 415 ***-0123';
const FLOW_NAME = 'Acme main line';
const DISPOSITION = { code: 'sale', label: 'Sale made' };

/** The dashboard's state words (English) back to the acd's states. */
const STATE_BY_TEXT = new Map(
  Object.entries(en)
    .filter(([key]) => key.startsWith('agentState.'))
    .map(([key, text]) => [text, key.slice('agentState.'.length)]),
);
const stateOf = (text: string): string => [...STATE_BY_TEXT].find(([words]) => text.startsWith(words))?.[1] ?? `unknown: ${text}`;

const log = (line: string): void => void process.stderr.write(`[e2e] ${line}\n`);

async function main(): Promise<boolean> {
  const walk = new Walk(SCREENSHOTS, log);
  const work = mkdtempSync(join(tmpdir(), 'parley-e2e-work-'));
  let platform: Platform | undefined;
  let browser: Chromium | undefined;
  let caller: SippCall | undefined;
  let failure: string | null = null;
  let audio: AudioStats | null = null;
  let agentStates: string[] = [];
  const stop = (): void => {
    caller?.stop();
  };
  process.once('SIGINT', stop);
  try {
    await walk.step('build-web-app', 120_000, null, async () => log(`web app ${buildWebIfStale()}`));
    platform = await walk.step('start-platform', 120_000, null, () => startE2ePlatform('Sunflower-Harbor-4711'));
    const { base, sipPort } = platform;
    browser = await walk.step('launch-chromium', 30_000, null, () => Chromium.launch());

    // ——— the owner: sign-up and the admin console ———
    const { page: owner } = await browser.person(base);
    await walk.step('sign-up', 30_000, owner, async () => {
      await owner.goto('/signup');
      await owner.getByLabel('Company name').fill(COMPANY.name);
      await owner.getByLabel('Company ID').fill(COMPANY.slug);
      await owner.getByLabel('Your name').fill(COMPANY.owner);
      await owner.getByLabel('Your work email').fill(COMPANY.email);
      await owner.getByLabel('Password', { exact: true }).fill(COMPANY.password);
      await owner.getByRole('button', { name: 'Create account' }).click();
      await owner.getByRole('heading', { name: 'Users and seats' }).waitFor();
    });

    const section = async (name: string, heading = name): Promise<void> => {
      await owner.getByRole('navigation', { name: 'Console sections' }).getByRole('link', { name, exact: true }).click();
      await owner.getByRole('heading', { name: heading, level: 1 }).waitFor();
    };

    await walk.step('create-queue-sales', 30_000, owner, async () => {
      await section('Queues');
      await owner.getByRole('button', { name: 'New queue' }).click();
      await owner.getByLabel('Queue ID').fill('sales');
      await owner.getByLabel('Name', { exact: true }).fill('Sales');
      // Long enough that the wrap-up, not the timer, ends the after-call work.
      await owner.getByLabel('After-call work (seconds)').fill('120');
      await owner.getByRole('button', { name: 'Save', exact: true }).click();
      await owner.locator('table.data-table tbody tr', { hasText: 'sales' }).waitFor();
    });

    await walk.step('create-disposition-code', 30_000, owner, async () => {
      await section('Disposition codes');
      await owner.getByLabel('Code', { exact: true }).fill(DISPOSITION.code);
      await owner.getByLabel('Label', { exact: true }).fill(DISPOSITION.label);
      await owner.getByRole('button', { name: 'Add code' }).click();
      await owner.getByLabel(`Label of ${DISPOSITION.code}`).waitFor();
    });

    await walk.step('create-ivr-flow', 30_000, owner, async () => {
      await section('IVR flows');
      await owner.getByLabel('Flow name').fill(FLOW_NAME);
      await owner.getByRole('button', { name: 'Create and edit' }).click();
      await owner.locator('[data-node-id="welcome"]').waitFor();
    });

    await walk.step('edit-ivr-flow', 30_000, owner, async () => {
      const node = (id: string) => owner.locator(`[data-node-id="${id}"]`);
      await node('welcome').getByLabel('Text of prompt 1 (English)').fill('Welcome to Acme.');
      await owner.getByLabel('New node type').selectOption({ label: 'Menu' });
      await owner.getByRole('button', { name: 'Add node' }).click();
      await node('menu-1').waitFor();
      await owner.getByLabel('New node type').selectOption({ label: 'Send to queue' });
      await owner.getByRole('button', { name: 'Add node' }).click();
      await node('enqueue-1').waitFor();
      await node('welcome').getByLabel('Then go to').selectOption('menu-1');
      await node('menu-1').getByLabel('Text of prompt 1 (English)').fill('For sales, press 1.');
      await node('menu-1').getByLabel('Then go to').selectOption('enqueue-1');
      await node('menu-1').getByLabel('After too many wrong keys, go to').selectOption('goodbye');
      await node('enqueue-1').getByLabel('Queue', { exact: true }).fill('sales');
      await owner.getByRole('button', { name: 'Save draft' }).click();
      await owner.getByText('Draft saved.').waitFor();
    });

    await walk.step('publish-ivr-flow', 30_000, owner, async () => {
      await owner.getByRole('button', { name: 'Publish' }).click();
      await owner.getByText('Published as version 1.').waitFor();
    });

    await walk.step('add-number-and-bind', 30_000, owner, async () => {
      await section('Phone numbers');
      await owner.getByLabel('Phone number', { exact: true }).fill(NUMBER);
      await owner.getByLabel('Label', { exact: true }).fill('Main line');
      await owner.getByRole('button', { name: 'Add number' }).click();
      const row = owner.locator('table.data-table tbody tr', { hasText: NUMBER });
      await row.getByLabel(`Flow for ${NUMBER}`).selectOption({ label: FLOW_NAME });
      await row.getByRole('button', { name: 'Bind', exact: true }).click();
      await row.getByText('latest published version (now 1)').waitFor();
    });

    await walk.step('create-agent-with-seat', 30_000, owner, async () => {
      await section('Users and seats');
      await owner.getByLabel('Name', { exact: true }).fill(AGENT.name);
      await owner.getByLabel('Email', { exact: true }).fill(AGENT.email);
      await owner.getByLabel('Role', { exact: true }).selectOption('agent');
      await owner.getByLabel('First password').fill(AGENT.password);
      await owner.getByRole('button', { name: 'Add user' }).click();
      const row = owner.locator('table.data-table tbody tr', { hasText: AGENT.email });
      await row.getByRole('button', { name: 'Assign seat' }).click();
      await row.getByText('Has a seat').waitFor();
    });

    await walk.step('agent-in-sales-queue', 30_000, owner, async () => {
      await section('Agents');
      // The acd learns of the seat from the tenant service's event: the card may need a reload.
      const card = owner.locator('article', { has: owner.getByRole('heading', { name: AGENT.name }) });
      await until(
        `an agent card for ${AGENT.name}`,
        async () => {
          if ((await card.count()) > 0) return { value: true, seen: 'the card' };
          const seen = (await textOf(owner, 'section')) ?? '';
          await section('Queues');
          await section('Agents');
          return { seen };
        },
        15_000,
        500,
      );
      await card.getByRole('checkbox', { name: 'Sales' }).check();
      await card.getByRole('button', { name: 'Save queues' }).click();
      // Saved: the list loads again, with the agent in the queue.
      await owner.locator('article', { has: owner.getByRole('heading', { name: AGENT.name }) }).getByRole('checkbox', { name: 'Sales' }).and(owner.locator(':checked')).waitFor();
    });

    // ——— the supervisor's view: the owner's dashboard in its own context, watching from now on ———
    const { page: dashboard } = await browser.person(base);
    await walk.step('dashboard-opens', 30_000, dashboard, async () => {
      await signIn(dashboard, COMPANY.slug, COMPANY.email, COMPANY.password);
      await dashboard.getByRole('heading', { name: 'Users and seats' }).waitFor();
      await dashboard.getByRole('link', { name: 'Supervisor dashboard' }).click();
      await dashboard.locator('.feed-status--open').waitFor();
      await dashboard.locator('tr[data-agent]', { hasText: AGENT.name }).waitFor();
      await dashboard.locator('tr[data-queue="sales"]').waitFor();
      await recordAgentStates(dashboard, AGENT.name);
    });

    // ——— the agent: the desktop in a second context ———
    const { page: agent } = await browser.person(base, [PEER_CONNECTIONS_PROBE]);
    await walk.step('agent-signs-in', 30_000, agent, async () => {
      await signIn(agent, COMPANY.slug, AGENT.email, AGENT.password);
      await agent.getByRole('heading', { name: 'Agent desktop', level: 1 }).waitFor();
    });

    await walk.step('agent-phone-registers', 30_000, agent, async () => {
      await phoneRegistered(agent, 20_000);
    });

    await walk.step('agent-goes-available', 20_000, agent, async () => {
      await agent.getByRole('button', { name: 'Available', exact: true }).click();
      await agent.locator('[data-agent-state="available"]').waitFor();
      await dashboard.locator('tr[data-agent]', { hasText: AGENT.name }).locator('td[data-cell="state"]', { hasText: 'Available' }).waitFor();
    });

    // ——— the call ———
    const audioFile = writeCallerAudio(work);
    const scenario = writeScenario(work, 'press-1', { caller: CALLER, digit: '1', pressAfterMs: 4_500, byeTimeoutMs: 120_000 }, audioFile);
    await walk.step('caller-dials-and-presses-1', 10_000, null, async () => {
      caller = SippCall.start({ scenario, number: NUMBER, sipPort, localPort: await freeSipPort(), mediaPort: sippMediaPort(), errorFile: join(work, 'sipp-errors.log'), timeoutSeconds: 180 });
    });

    await walk.step('desktop-rings-with-masked-number', 45_000, agent, async () => {
      const ringing = agent.locator('[data-panel="ringing"]');
      await ringing.waitFor({ timeout: 40_000 });
      await ringing.getByRole('button', { name: 'Answer' }).and(agent.locator(':enabled')).waitFor({ timeout: 20_000 });
      await until(`the ringing panel's caller to read "${CALLER_MASKED}"`, async () => {
        const shown = await textOf(agent, '[data-panel="ringing"] [data-field="caller"]');
        return shown === CALLER_MASKED ? { value: true, seen: shown } : { seen: String(shown) };
      }, 10_000);
      await until(`the screen pop's caller number to read "${CALLER_MASKED}"`, async () => {
        const shown = await textOf(agent, '[data-panel="pop"] [data-field="caller-number"]');
        return shown === CALLER_MASKED ? { value: true, seen: shown } : { seen: String(shown) };
      }, 10_000);
    });

    await walk.step('agent-answers', 20_000, agent, async () => {
      await agent.locator('[data-panel="ringing"]').getByRole('button', { name: 'Answer' }).click();
      await agent.locator('[data-panel="in-call"]').waitFor();
      await agent.locator('[data-agent-state="on-call"]').waitFor();
    });

    audio = await walk.step('audio-flows-both-ways', 30_000, agent, () =>
      until(
        'the softphone to receive > 50 packets with audio energy > 0 and send > 50 packets (DTLS connected)',
        async () => {
          const stats = await readAudioStats(agent);
          const ok = stats !== null && stats.dtlsState === 'connected' && stats.packetsReceived > 50 && stats.totalAudioEnergy > 0 && stats.packetsSent > 50;
          return ok ? { value: stats, seen: JSON.stringify(stats) } : { seen: JSON.stringify(stats) };
        },
        25_000,
        500,
      ),
    );

    await walk.step('agent-hangs-up', 30_000, agent, async () => {
      await agent.locator('[data-panel="in-call"]').getByRole('button', { name: 'Hang up' }).click();
      await agent.locator('[data-panel="wrap-up"]').waitFor();
      const call = caller;
      if (!call) throw new Error('no caller is running');
      const outcome = await call.done;
      if (outcome.code !== 0) throw new Error(`expected the caller (sipp) to end cleanly on the BYE; it exited ${outcome.code}:\n${outcome.problem}`);
    });

    await walk.step('agent-wraps-up', 30_000, agent, async () => {
      const form = agent.locator('[data-panel="wrap-up"]');
      await form.getByLabel('Outcome of the call').selectOption(DISPOSITION.code);
      await form.getByLabel('Notes').fill('Wants the yearly plan; send the contract today.');
      await form.getByRole('button', { name: 'Save and become available' }).click();
      await form.waitFor({ state: 'detached' });
      await agent.locator('[data-agent-state="available"]').waitFor();
    });

    await walk.step('dashboard-counted-the-call', 45_000, dashboard, async () => {
      await until('the sales queue to show answered ≥ 1', async () => {
        const answered = await textOf(dashboard, 'tr[data-queue="sales"] td[data-cell="answered"]');
        return Number(answered) >= 1 ? { value: true, seen: String(answered) } : { seen: `answered: ${answered}` };
      }, 40_000, 500);
    });

    await walk.step('dashboard-showed-agent-states-live', 20_000, dashboard, async () => {
      // The last change (back to available) may still be on its way to the dashboard.
      agentStates = await until(
        'the dashboard to have shown the agent available → reserved or on-call → after-call-work → available',
        async () => {
          const states = (await readAgentStates(dashboard)).map((s) => stateOf(s.text));
          return followsTheCall(states) ? { value: states, seen: states.join(' → ') } : { seen: states.join(' → ') };
        },
        15_000,
        300,
      );
      log(`the dashboard showed: ${agentStates.join(' → ')}`);
    });
  } catch (error) {
    failure = error instanceof StepFailure ? error.message : `the walk broke outside its steps: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    if (platform) log(`the platform's last output:\n${platform.output().slice(-3000)}`);
  } finally {
    process.removeListener('SIGINT', stop);
    caller?.stop();
    await browser?.close();
    await platform?.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const steps = walk.reports;
  const passed = steps.filter((s) => s.ok).length;
  const ok = failure === null && passed === STEPS_TOTAL;
  if (failure) log(failure);
  else if (passed !== STEPS_TOTAL) log(`the walk ran ${steps.length} steps, ${STEPS_TOTAL} were expected: update STEPS_TOTAL`);
  const line = {
    e2e: 'day',
    ok,
    steps,
    steps_passed: passed,
    steps_total: STEPS_TOTAL,
    screenshots: relative(ROOT, SCREENSHOTS),
    ...(audio ? { audio } : {}),
    agent_states_seen: agentStates,
    ...(failure ? { error: failure.split('\n')[0] } : {}),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return ok;
}

/** available, then reserved or on-call, then after-call-work, then available again, in that order. */
function followsTheCall(states: readonly string[]): boolean {
  const wanted: readonly (readonly string[])[] = [['available'], ['reserved', 'on-call'], ['after-call-work'], ['available']];
  let next = 0;
  for (const state of states) if (next < wanted.length && wanted[next]?.includes(state)) next += 1;
  return next === wanted.length;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    process.stderr.write(`[e2e] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
