/** The consistency scenarios' faults, crash points and sizes, and their one-line titles. */
export const consistencyConstants = {
  /** Share of order→inventory connections that are reset, and (drawn apart) that stall. */
  faultShare: 0.15,
  stallMs: 3000,
  /** Reset after this many bytes from order (a few requests into the connection). */
  resetAfter: '2kb',
  /** Order is killed after this share of orders, inventory after this one. */
  killOrderAt: 0.4,
  killInventoryAt: 0.65,
  /** Inventory stays dead this long before it is restarted. */
  inventoryDownMs: 300,
  skus: 20,
  stockPerSku: 1_000_000,
  /** Every Nth order is cancelled after it is placed (the compensation path). */
  cancelEvery: 20,
  /** Reconciler passes at the end, at most: the next runs only while the last left rows inconsistent. */
  finalPasses: 5,
} as const;

export const consistencyTitles = {
  'dual-write': `order commits, then calls inventory once; resets and ${consistencyConstants.stallMs / 1000} s stalls on ${consistencyConstants.faultShare * 100} % of connections, both processes killed`,
  'wal-reconciled': 'same faults; order + WAL row in one transaction, relay, idempotent inventory, reconciler',
} as const;
