// Moves through Parley's screens that the walk and the desktop benchmark share (English labels).
import { type Page } from 'playwright-core';
import { textOf, until } from './walk';

/** Signs in on /login; the caller waits for the screen the role lands on. */
export async function signIn(page: Page, tenant: string, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Company ID').fill(tenant);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Waits for the agent desktop's softphone to be registered. */
export async function phoneRegistered(agent: Page, timeoutMs: number): Promise<void> {
  await until(
    'the phone registered ([data-phone-status="registered"])',
    async () => {
      const status = await agent.locator('[data-phone-status]').getAttribute('data-phone-status');
      return status === 'registered' ? { value: true, seen: status } : { seen: `data-phone-status="${status}": ${await textOf(agent, '[data-phone-status]')}` };
    },
    timeoutMs,
  );
}
