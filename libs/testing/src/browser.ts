// Headless Debian Chromium for end-to-end tests with a browser: the flags that make WebRTC work on
// a loopback-only machine (see /work/shared/VOICE.md), pages served from http://127.0.0.1 (a secure
// context, so getUserMedia exists), and jssip bundled for the browser (the npm package ships no
// browser build).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  // Without it Chromium gathers no ICE candidate on a loopback-only network.
  '--allow-loopback-in-peer-connection',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Builds a browser bundle of jssip (an IIFE exposing `JsSIP`); returns its source. */
export async function bundleJssip(): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), 'parley-jssip-'));
  try {
    const path = join(outdir, 'jssip.js');
    await build({
      stdin: { contents: "module.exports = require('jssip');", resolveDir: __dirname, loader: 'js' },
      bundle: true,
      format: 'iife',
      globalName: 'JsSIP',
      platform: 'browser',
      target: 'chrome120',
      outfile: path,
      logLevel: 'silent',
    });
    return readFileSync(path, 'utf8');
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Chromium (fresh profile) plus a local HTTP server for the test pages; `close()` removes all three. */
export class BrowserHarness {
  private constructor(
    private readonly context: BrowserContext,
    private readonly server: Server,
    private readonly profileDir: string,
    private readonly pages: Map<string, string>,
  ) {}

  static async launch(pages: Record<string, string> = {}): Promise<BrowserHarness> {
    const served = new Map(Object.entries(pages));
    const server = createServer((request, response) => {
      const body = served.get((request.url ?? '/').split('?')[0]!);
      if (body === undefined) {
        response.writeHead(404).end();
        return;
      }
      const type = request.url?.endsWith('.js') ? 'text/javascript' : 'text/html';
      response.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const profileDir = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
    try {
      const context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
      return new BrowserHarness(context, server, profileDir, served);
    } catch (error) {
      server.close();
      rmSync(profileDir, { recursive: true, force: true });
      throw error;
    }
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  addPage(path: string, body: string): void {
    this.pages.set(path, body);
  }

  async open(path: string): Promise<Page> {
    const page = await this.context.newPage();
    await page.goto(`${this.origin}${path}`);
    return page;
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}
