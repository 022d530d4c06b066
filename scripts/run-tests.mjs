// Runs every test with Node's own test runner through tsx.
// Node 20's `--test` does not expand globs, so the files are listed here.
// Usage: node scripts/run-tests.mjs [filter-substring ...]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = [...walk(join(root, 'src'), []), ...walk(join(root, 'test'), [])]
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Tests that measure latency end to end (the lab, bench rate search and stages) run after the rest, alone, so another test
// file competing for the two cores cannot move their numbers.
const isolated = (f) => /(^|\/)(lab-[^/]*|bench-find-max-rate|bench-stages-thresholds)\.test\.ts$/.test(f) && f.startsWith('test/');
const groups = [
  { files: files.filter((f) => !isolated(f)), concurrency: process.env.TEST_CONCURRENCY ?? '2' },
  { files: files.filter(isolated), concurrency: '1' },
].filter((g) => g.files.length > 0);
let status = 0;
for (const g of groups) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${g.concurrency}`, ...g.files],
    { cwd: root, stdio: 'inherit' },
  );
  status ||= result.status ?? 1;
}
process.exit(status);
