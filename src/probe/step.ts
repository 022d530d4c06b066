import { AbortError, TimeoutError } from '../errors.js';

/**
 * Runs one probe step with its own time limit, so no step can hang the probe: on timeout or
 * abort `onCancel` tears down what the step opened, and the step's promise is abandoned.
 */
export function boundedStep<T>(
  what: string,
  timeoutMs: number,
  run: () => Promise<T>,
  onCancel: () => void,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(`${what}: aborted`));
      return;
    }
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const timer = setTimeout(() => finish(() => {
      onCancel();
      reject(new TimeoutError(`${what}: no answer within ${timeoutMs} ms`));
    }), timeoutMs);
    const onAbort = () => finish(() => {
      onCancel();
      reject(new AbortError(`${what}: aborted`));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    run().then((v) => finish(() => resolve(v)), (e) => finish(() => reject(e)));
  });
}

/** Resolves after `ms`, early (without error) when the signal aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
