import type { BenchResult } from '../bench/result.js';

/** `--json`: the result as one JSON document (schema: docs/json.md), numbers rounded to 6 decimals (ns for ms values). */
export function renderBenchJson(r: BenchResult): string {
  return JSON.stringify(r, (_key, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1e6) / 1e6 : value), 2) + '\n';
}
