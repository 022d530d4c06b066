/**
 * Bundles the compiled CLI (dist/cli/main.js) into dist/cli-bundle/, which bin/h2doctor.js runs.
 *
 * Why: loading ~30 separate ES modules costs the CLI ~60 ms of CPU at every start (resolution,
 * package.json lookups, one compile per file), which is a third of a short `h2doctor bench`
 * run's CPU and what issue 4's whole-process CPU figure pays. One chunk per lazily imported
 * command keeps the lazy loading (`probe` never loads the lab). The library entry points
 * (`h2doctor/server` and the rest) stay plain tsc output; npm packages stay external.
 * The bench worker is a second entry point beside main.js, where src/bench/run.ts looks for it.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const outdir = new URL('../dist/cli-bundle/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: {
    main: new URL('../dist/cli/main.js', import.meta.url).pathname,
    'worker-entry': new URL('../dist/bench/worker-entry.js', import.meta.url).pathname,
    'zone-entry': new URL('../dist/lab/zone-entry.js', import.meta.url).pathname,
    // The consistency lab's order and inventory processes (src/lab/consistency/service-process.ts).
    'service-entry': new URL('../dist/lab/consistency/service-entry.js', import.meta.url).pathname,
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
