/** Polling for a condition the test cannot subscribe to (a counter in stats, a server-side list). */

/** Resolves once `cond()` is true, checking every 10 ms; rejects after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
