// Named steps with a timeout each: the first failure stops the walk with what was expected, what the
// page showed and a screenshot; each passed step leaves a screenshot of its screen.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Page } from 'playwright-core';

export interface StepReport {
  name: string;
  ms: number;
  ok: boolean;
}

export class StepFailure extends Error {}

export class Walk {
  private readonly done: StepReport[] = [];

  constructor(
    private readonly screenshotsDir: string,
    private readonly log: (line: string) => void,
  ) {
    mkdirSync(screenshotsDir, { recursive: true });
    for (const file of readdirSync(screenshotsDir)) if (file.endsWith('.png')) rmSync(join(screenshotsDir, file));
  }

  get reports(): readonly StepReport[] {
    return this.done;
  }

  /** Runs one step; `screen` is the page the step is about (screenshot, and what it showed on failure). */
  async step<T>(name: string, timeoutMs: number, screen: Page | null, run: () => Promise<T>): Promise<T> {
    const number = String(this.done.length + 1).padStart(2, '0');
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`it did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const value = await Promise.race([run(), deadline]);
      if (screen) await screen.screenshot({ path: join(this.screenshotsDir, `${number}-${name}.png`), fullPage: true });
      const ms = Date.now() - started;
      this.done.push({ name, ms, ok: true });
      this.log(`ok   ${number} ${name} (${ms} ms)`);
      return value;
    } catch (error) {
      const ms = Date.now() - started;
      this.done.push({ name, ms, ok: false });
      const reason = error instanceof Error ? error.message : String(error);
      let shown = '';
      if (screen) {
        await screen.screenshot({ path: join(this.screenshotsDir, `${number}-${name}-failed.png`), fullPage: true }).catch(() => undefined);
        shown = await describePage(screen);
      }
      this.log(`FAIL ${number} ${name} (${ms} ms)`);
      throw new StepFailure(`step ${number} "${name}" failed after ${ms} ms: ${reason}${shown}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The page's address, its alerts and the start of its visible text. */
async function describePage(page: Page): Promise<string> {
  try {
    const alerts = (await page.getByRole('alert').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    const text = (await page.locator('body').innerText({ timeout: 2_000 })).replace(/\s+/g, ' ').trim();
    return `\n  the page ${page.url()} showed${alerts.length ? ` the alerts [${alerts.join(' | ')}] and` : ''}: ${text.slice(0, 1200)}`;
  } catch {
    return `\n  the page ${page.url()} could not be read`;
  }
}

/** Polls `probe` until it returns a value; else fails saying what was expected and what was last seen. */
export async function until<T>(expected: string, probe: () => Promise<{ value?: T; seen: string }>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let seen = 'nothing yet';
  for (;;) {
    const answer = await probe();
    if (answer.value !== undefined) return answer.value;
    seen = answer.seen;
    if (Date.now() > deadline) throw new Error(`expected ${expected} within ${timeoutMs} ms; last seen: ${seen}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The text of the first element `selector` matches, or null when none does (never waits). */
export async function textOf(page: Page, selector: string): Promise<string | null> {
  const locator = page.locator(selector).first();
  if ((await locator.count()) === 0) return null;
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}
