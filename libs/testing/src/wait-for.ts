/**
 * Polls `check` until it gives a value (not undefined or false) and returns it; fails naming
 * `what` after `timeoutMs`. For integration tests waiting on something asynchronous (an event
 * consumed, a state saved) without fixed sleeps.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
