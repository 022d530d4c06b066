import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { main } from '../src/cli/main.js';
import type { LabReport } from '../src/lab/verdict.js';
import { startTestPostgres, type TestPostgres } from './support/postgres.js';

// The "done when": `h2doctor lab --only dual-write,wal-reconciled --quick --json` meets
// the targets on SQLite, and again with --db on a PostgreSQL server this test starts (or the
// one CI started). Order and inventory are real processes, SIGKILLed mid-run; the numbers come
// from comparing the two databases with SQL at the end.
let pg: TestPostgres | undefined;
before(async () => {
  pg = await startTestPostgres();
});
after(async () => {
  await pg?.stop();
});

async function lab(extra: string[]): Promise<{ code: number; report: LabReport; err: string }> {
  const stdout = new PassThrough(), stderr = new PassThrough();
  let out = '', err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(['lab', '--only', 'dual-write,wal-reconciled', '--quick', '--json', ...extra], { stdout, stderr, isTTY: false, env: {} });
  assert.ok(out.length > 0, `no report; stderr: ${err}`);
  return { code, report: JSON.parse(out) as LabReport, err };
}

function check(report: LabReport): void {
  assert.deepEqual(report.scenarios.map((s) => s.name), ['dual-write', 'wal-reconciled']);
  const dual = report.scenarios[0]!.consistency!, wal = report.scenarios[1]!.consistency!;
  for (const c of [dual, wal]) {
    for (const key of ['orders', 'mismatches', 'duplicatesAbsorbed', 'redelivered', 'repaired', 'crashes'] as const) assert.equal(typeof c[key], 'number', key);
    assert.ok(c.orders > 0);
    assert.equal(c.crashes, 2, 'order and inventory were each SIGKILLed once');
  }
  assert.ok(dual.mismatches > 0, 'the naive path leaves orders without stock');
  assert.equal(wal.mismatches, 0, 'the WAL path converges');
  assert.ok(wal.duplicatesAbsorbed > 0, 'inventory absorbed redeliveries');
  for (const s of report.scenarios) assert.match(s.mechanism, new RegExp(`of ${s.consistency!.orders} orders`));
  for (const t of report.targets) assert.ok(t.met, `target missed: ${t.target} — measured ${t.measured}`);
  assert.equal(report.targets.length, 4);
}

test('lab dual-write,wal-reconciled --quick on SQLite meets the targets', { timeout: 120_000 }, async () => {
  const { code, report, err } = await lab([]);
  check(report);
  assert.equal(code, 0, err);
});

test('lab dual-write,wal-reconciled --quick --db postgres://… meets the targets', { timeout: 120_000 }, async () => {
  const { code, report, err } = await lab(['--db', pg!.url]);
  check(report);
  assert.equal(code, 0, err);
});
