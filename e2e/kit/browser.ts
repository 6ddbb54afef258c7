// Debian Chromium with the flags WebRTC needs here (fake microphone, loopback ICE), one browser and
// a context per person, each with its own storage (so its own session).
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@parley/testing';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export class Chromium {
  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<Chromium> {
    return new Chromium(await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS }));
  }

  /** A fresh context (storage, cookies) on `origin`, in English, with the microphone allowed and `initScripts` before any page script. */
  async person(origin: string, initScripts: readonly string[] = [], actionTimeoutMs = 15_000): Promise<{ context: BrowserContext; page: Page }> {
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', baseURL: origin });
    await context.grantPermissions(['microphone'], { origin });
    for (const script of initScripts) await context.addInitScript(script);
    context.setDefaultTimeout(actionTimeoutMs);
    const page = await context.newPage();
    return { context, page };
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
  }
}
