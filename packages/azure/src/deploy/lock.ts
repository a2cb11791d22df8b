/** Rollouts in this process, by endpoint: a second one on the same endpoint waits for the first. */
const tails = new Map<string, Promise<unknown>>();

/**
 * Run `fn` after every earlier call for the same key has settled. Across processes (two
 * workflow runs) the endpoint's provisioning state and the 409 retry do the same job.
 */
export async function withEndpointLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(fn);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  try {
    return await run;
  } finally {
    if (tails.get(key) === tail) tails.delete(key);
  }
}
