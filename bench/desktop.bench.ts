// npm run bench:desktop — offer to ringing on the agent desktop, over BENCH_CALLS (50) calls one
// after another, on the platform `npm start` runs (e2e/kit starts it on free ports with a temporary
// data dir). The demo tenant skips the admin part: sipp dials the demo number +18005550100 and
// presses 2 (support); demo agent1 (PARLEY_DEMO_PASSWORD) works the agent desktop in Chromium and
// answers each call, hangs up after BENCH_TALK_MS (500), wraps it up and is available again.
//
// Per call, in the page (Date.now(), the same machine clock as the server's): the offer's time is
// offeredAt of acd.call.offered.v1, which the cti offer push carries to the page; the ringing
// panel's time is when a MutationObserver first sees [data-panel="ringing"] for the call. Also
// printed: offer → push received by the page's WebSocket, push → panel, and offer → the softphone
// ringing (the panel's Answer button usable: jssip got the INVITE). Goal: offer to ringing p95 < 300 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import { json } from '../apps/platform/test/platform-test-kit';
import { Chromium } from '../e2e/kit/browser';
import { OFFER_TIMING_PROBE, readOfferTimings, type OfferTiming } from '../e2e/kit/page-probes';
import { buildWebIfStale, freeSipPort, startE2ePlatform, type Platform } from '../e2e/kit/platform';
import { phoneRegistered, signIn } from '../e2e/kit/screens';
import { SippCall, sippMediaPort, writeCallerAudio, writeScenario } from '../e2e/kit/sipp';
import { until } from '../e2e/kit/walk';
import { percentile, round } from './voice/machine';

const CALLS = Number(process.env.BENCH_CALLS ?? 50);
const TALK_MS = Number(process.env.BENCH_TALK_MS ?? 500);
const GOAL_P95_MS = 300;
const PASSWORD = process.env.PARLEY_DEMO_PASSWORD ?? 'Sunflower-Harbor-4711';
const DEMO = { tenant: 'demo', owner: 'owner@demo.parley.local', agent: 'agent1@demo.parley.local', number: '+18005550100' };
const MAX_FAILURES_IN_A_ROW = 3;

const log = (line: string): void => void process.stderr.write(`[bench:desktop] ${line}\n`);

interface Summary {
  p50: number;
  p95: number;
  max: number;
  n: number;
}

function summary(values: readonly number[]): Summary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), max: round(sorted[sorted.length - 1]!), n: sorted.length };
}

async function main(): Promise<void> {
  if (!Number.isInteger(CALLS) || CALLS < 1) throw new Error(`BENCH_CALLS must be a whole number ≥ 1, not "${process.env.BENCH_CALLS}"`);
  if (!Number.isFinite(TALK_MS) || TALK_MS < 0) throw new Error(`BENCH_TALK_MS must be ≥ 0, not "${process.env.BENCH_TALK_MS}"`);
  const work = mkdtempSync(join(tmpdir(), 'parley-bench-desktop-'));
  let platform: Platform | undefined;
  let browser: Chromium | undefined;
  let caller: SippCall | undefined;
  const failures: string[] = [];
  let measured: OfferTiming[] = [];
  let desktop: Page | undefined;
  try {
    log(`web app ${buildWebIfStale()}`);
    platform = await startE2ePlatform(PASSWORD);
    const { base, sipPort } = platform;

    // The wrap-up needs a disposition code; the demo tenant starts with none.
    const login = await json(`${base}/api/v1/auth/login`, { method: 'POST', body: { tenant: DEMO.tenant, email: DEMO.owner, password: PASSWORD } });
    if (login.status !== 200) throw new Error(`the demo owner could not sign in (${login.status}): ${JSON.stringify(login.body)}`);
    const token = (login.body as { accessToken: string }).accessToken;
    const code = await json(`${base}/api/v1/cti/dispositions`, { method: 'POST', token, body: { code: 'bench', label: 'Benchmark call', active: true } });
    if (code.status !== 201) throw new Error(`the disposition code could not be created (${code.status}): ${JSON.stringify(code.body)}`);

    browser = await Chromium.launch();
    const { page: agent } = await browser.person(base, [OFFER_TIMING_PROBE]);
    desktop = agent;
    await signIn(agent, DEMO.tenant, DEMO.agent, PASSWORD);
    await agent.getByRole('heading', { name: 'Agent desktop', level: 1 }).waitFor();
    await phoneRegistered(agent, 20_000);
    await agent.getByRole('button', { name: 'Available', exact: true }).click();
    await agent.locator('[data-agent-state="available"]').waitFor();

    const scenario = writeScenario(work, 'press-2', { caller: '+14155550123', digit: '2', pressAfterMs: 4_000, byeTimeoutMs: 60_000 }, writeCallerAudio(work));
    let inARow = 0;
    for (let n = 1; n <= CALLS; n += 1) {
      const before = new Set((await readOfferTimings(agent)).map((t) => t.callId));
      caller = SippCall.start({ scenario, number: DEMO.number, sipPort, localPort: await freeSipPort(), mediaPort: sippMediaPort(), errorFile: join(work, `sipp-${n}.log`), timeoutSeconds: 90 });
      try {
        await takeCall(agent, before, caller);
        inARow = 0;
      } catch (error) {
        inARow += 1;
        const message = `call ${n}: ${error instanceof Error ? error.message : String(error)}`;
        failures.push(message);
        log(message);
        caller.stop();
        await recover(agent);
        if (inARow >= MAX_FAILURES_IN_A_ROW) throw new Error(`${MAX_FAILURES_IN_A_ROW} calls in a row failed; the last: ${message}`);
      }
      if (n % 10 === 0) log(`${n} of ${CALLS} calls`);
    }
  } catch (error) {
    failures.push(`the benchmark stopped: ${error instanceof Error ? error.message : String(error)}`);
    log(failures[failures.length - 1]!);
    if (platform) log(`the platform's last output:\n${platform.output().slice(-3000)}`);
  } finally {
    caller?.stop();
    if (desktop) measured = await readOfferTimings(desktop).catch(() => measured);
    await browser?.close();
    await platform?.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const complete = measured.filter((t) => t.offeredAt !== null && t.panelAt !== null);
  const offerToRinging = summary(complete.map((t) => t.panelAt! - t.offeredAt!));
  const line = {
    bench: 'desktop',
    calls: CALLS,
    calls_measured: complete.length,
    failed: failures.length,
    offer_to_ringing_ms: offerToRinging,
    goal_p95_ms: GOAL_P95_MS,
    goal_met: offerToRinging !== null && complete.length === CALLS && offerToRinging.p95 < GOAL_P95_MS,
    offer_time:
      "offeredAt of acd.call.offered.v1, carried by the cti 'offer' push to the page; ringing: a MutationObserver in the page first sees [data-panel=\"ringing\"] for the call (Date.now(), same machine clock)",
    offer_to_push_ms: summary(complete.filter((t) => t.pushAt !== null).map((t) => t.pushAt! - t.offeredAt!)),
    push_to_ringing_ms: summary(complete.filter((t) => t.pushAt !== null).map((t) => t.panelAt! - t.pushAt!)),
    offer_to_phone_ringing_ms: summary(complete.filter((t) => t.phoneAt !== null).map((t) => t.phoneAt! - t.offeredAt!)),
    talk_ms: TALK_MS,
    ...(failures.length > 0 ? { failures: failures.slice(0, 5) } : {}),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

/** One call: rings (a new offer), answered, talked, hung up, wrapped up, available again; the caller ends cleanly. */
async function takeCall(agent: Page, before: ReadonlySet<string>, caller: SippCall): Promise<void> {
  const timing = await until(
    'a new call ringing on the desktop (its ringing panel with Answer usable)',
    async () => {
      const fresh = (await readOfferTimings(agent)).filter((t) => !before.has(t.callId));
      const ringing = fresh.find((t) => t.phoneAt !== null);
      return ringing ? { value: ringing, seen: JSON.stringify(ringing) } : { seen: JSON.stringify(fresh) };
    },
    40_000,
    50,
  );
  const ringing = agent.locator(`[data-panel="ringing"][data-call-id="${timing.callId}"]`);
  await ringing.getByRole('button', { name: 'Answer' }).click();
  await agent.locator('[data-panel="in-call"]').waitFor();
  await new Promise((resolve) => setTimeout(resolve, TALK_MS));
  await agent.locator('[data-panel="in-call"]').getByRole('button', { name: 'Hang up' }).click();
  const wrapUp = agent.locator(`[data-panel="wrap-up"][data-call-id="${timing.callId}"]`);
  await wrapUp.getByRole('button', { name: 'Save and become available' }).click();
  await wrapUp.waitFor({ state: 'detached' });
  await agent.locator('[data-agent-state="available"]').waitFor();
  const outcome = await caller.done;
  if (outcome.code !== 0) throw new Error(`the caller (sipp) exited ${outcome.code}: ${outcome.problem.slice(-600)}`);
}

/** After a failed call: end what is left of it and be available again. */
async function recover(agent: Page): Promise<void> {
  const tryClick = async (selector: string, name: string): Promise<void> => {
    const button = agent.locator(selector).getByRole('button', { name, exact: true });
    if ((await button.count()) > 0) await button.first().click({ timeout: 5_000 }).catch(() => undefined);
  };
  await tryClick('[data-panel="in-call"]', 'Hang up');
  await tryClick('[data-panel="ringing"]', 'Reject');
  await tryClick('[data-panel="wrap-up"]', 'Save and become available');
  await agent.getByRole('button', { name: 'Available', exact: true }).click({ timeout: 5_000 }).catch(() => undefined);
  await agent.locator('[data-agent-state="available"]').waitFor({ timeout: 10_000 }).catch(() => undefined);
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:desktop] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
