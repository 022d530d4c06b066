import { readFileSync, writeFileSync } from 'node:fs';
import type { CliIO } from '../io.js';
import type { parseFlags as ParseFlags } from '../flags.js';
import { ConfigError, UsageError } from '../../errors.js';
import type { BenchResult } from '../../bench/result.js';
import type { renderBenchJson as RenderBenchJson } from '../../report/bench-json.js';
import type { parseThreshold as ParseThreshold } from '../../bench/threshold-expr.js';

/**
 * `h2doctor bench merge a.json b.json … [--json] [--out FILE] [--threshold EXPR …]`: the exact
 * combined result of runs made apart (src/bench/merge.ts), printed as one run's would be, and
 * judged by the thresholds (exit 1 when one fails). The flag parser and the
 * JSON renderer come from bench.ts, which has them loaded already: imported here, they would
 * be split into bundle chunks of their own that every plain run then loads.
 */
export async function runBenchMerge(
  argv: string[], io: CliIO, deps: { parseFlags: typeof ParseFlags; renderBenchJson: typeof RenderBenchJson; parseThreshold: typeof ParseThreshold },
): Promise<number> {
  const { parseFlags, renderBenchJson, parseThreshold } = deps;
  const { values: v, positionals: files } = parseFlags(argv, { json: { type: 'boolean' }, out: { type: 'string' }, threshold: { type: 'string', multiple: true } });
  const thresholds = (v.threshold ?? []).map((t) => {
    try {
      return parseThreshold(t);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message, { cause: err });
      throw err;
    }
  });
  if (files.length === 0) throw new UsageError('bench merge: give one or more result files written by bench --json or --out');
  const runs = files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (err) {
      throw new UsageError(`bench merge: cannot read '${file}' (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    try {
      return JSON.parse(text) as BenchResult;
    } catch (err) {
      throw new UsageError(`bench merge: '${file}' is not JSON (${(err as Error).message.split('\n')[0]})`);
    }
  });
  const { mergeBenchResults, evaluateThresholds } = await import('../../bench/runtime.js');
  let merged: BenchResult;
  try {
    merged = await mergeBenchResults(runs);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof RangeError) throw new UsageError(`bench merge: ${err.message}`, { cause: err });
    throw err;
  }
  // The thresholds judge the merged result: N generators pass or fail together.
  if (thresholds.length > 0) merged.thresholds = evaluateThresholds(thresholds, merged);
  if (v.json) io.stdout.write(renderBenchJson(merged));
  else {
    const [{ renderBenchText }, { createStyle }] = await Promise.all([import('../../report/bench-text.js'), import('../../report/style.js')]);
    io.stdout.write(renderBenchText(merged, createStyle(io.isTTY)));
  }
  if (v.out !== undefined) {
    try {
      writeFileSync(v.out, renderBenchJson(merged));
    } catch (err) {
      throw new UsageError(`--out: cannot write '${v.out}' (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return merged.partial || merged.thresholds?.some((t) => !t.ok) ? 1 : 0;
}
