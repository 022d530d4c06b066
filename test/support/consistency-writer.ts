/**
 * A child process for the crash tests: places orders o-0, o-1, … through OrderStore; in order
 * `stopAt` it stops inside the transaction, after the order row and before the WAL row, tells
 * the parent "mid", and waits to be SIGKILLed.
 */
import { OrderStore, openDb, newTraceId, type DbTarget } from '../../src/consistency/index.js';
import { createRandom } from '../../src/random.js';

const { target, stopAt } = JSON.parse(process.argv[2]!) as { target: DbTarget; stopAt: number };
const store = await OrderStore.open(await openDb(target));
const random = createRandom(5);
for (let i = 0; ; i++) {
  await store.placeOrder(
    { orderId: `o-${i}`, traceId: newTraceId(random), sku: 'sku-1', qty: 1 },
    i === stopAt ? { afterOrderRow: () => new Promise<void>(() => process.send!('mid')) } : {},
  );
}
