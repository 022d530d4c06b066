import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { benchCli, benchJson, startNghttpd } from './bench-fixtures.js';

// --stages (ramping arrival rate) and --threshold (pass/fail) against nghttpd, which keeps up
// with these rates with room to spare.
let server: Awaited<ReturnType<typeof startNghttpd>>;
before(async () => {
  server = await startNghttpd();
});
after(async () => {
  await server.stop();
});

test('--stages: each stage achieves its target within 5 %, intervals show target beside achieved', async () => {
  const { code, result: r } = await benchJson([server.url, '-c', '2', '-m', '32', '--stages', '2s:200,2s:400,1s:400']);
  assert.equal(code, 0);
  assert.deepEqual(r.settings.stages, [{ durationMs: 2000, target: 200 }, { durationMs: 2000, target: 400 }, { durationMs: 1000, target: 400 }]);
  // Ramps 0→200, 200→400, then flat: 200 + 600 + 400 intended requests, latency from the intended time.
  assert.equal(r.requests.total, 1200);
  assert.equal(r.requests.failed, 0);
  assert.deepEqual(r.stages.map((s) => s.targetRps), [100, 300, 400]);
  for (const s of r.stages) {
    assert.ok(Math.abs(s.achievedRps - s.targetRps) / s.targetRps <= 0.05, `stage at ${s.startMs} ms: achieved ${s.achievedRps} vs ${s.targetRps} req/s`);
  }
  // 1 s intervals by default with stages; the targets follow the ramp.
  // (A sixth row holds the last responses when the machine was slow; nothing was planned there.)
  assert.deepEqual(r.intervals.slice(0, 5).map((i) => i.targetRps), [50, 150, 250, 350, 400]);
  assert.ok(r.intervals.slice(5).every((i) => i.targetRps === 0));
  assert.ok(r.selfCheck.scheduleLagMs !== null && r.selfCheck.scheduleLagMs.count === 1200);
  assert.ok(r.latency.total.p50 >= r.latency.uncorrected.p50 - 1e-9, 'total runs from the intended time');
});

test('--stages text: stage table and a target column; bad stages and --duration are usage errors', async () => {
  const r = await benchCli([server.url, '-c', '1', '-m', '8', '--stages', '500ms:100,500ms:0']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /open loop in 2 stages/);
  assert.match(r.out, /^stages \(target = planned mean arrival rate/m);
  assert.match(r.out, /target req\/s/);
  assert.match(r.out, /^total \(from intended send\)/m);
  for (const bad of [['--stages', '10s'], ['--stages', '10x:5'], ['--stages', '0s:10'], ['--stages', '1s:0'], ['--stages', '1s:10', '-d', '5s']]) {
    const u = await benchCli([server.url, ...bad]);
    assert.equal(u.code, 2, `${bad.join(' ')}: ${u.err}`);
  }
});

test('--threshold: ✔ and exit 0 when all hold; ✘ and exit 1 when one fails, JSON still printed', async () => {
  const pass = await benchJson([server.url, '-c', '2', '-m', '4', '-n', '500', '--threshold', 'p99<10s', '--threshold', 'errors<0.1%', '--threshold', 'rps>1']);
  assert.equal(pass.code, 0);
  assert.deepEqual(pass.result.thresholds!.map((t) => [t.expr, t.ok]), [['p99<10s', true], ['errors<0.1%', true], ['rps>1', true]]);
  assert.equal(pass.result.thresholds![0]!.value, pass.result.latency.total.p99);
  assert.equal(pass.result.thresholds![1]!.value, 0);

  const fail = await benchJson([server.url, '-c', '2', '-m', '4', '-n', '500', '--threshold', 'p50<1us', '--threshold', 'rps>1']);
  assert.equal(fail.code, 1);
  assert.deepEqual(fail.result.thresholds!.map((t) => t.ok), [false, true]);
  assert.equal(fail.result.requests.succeeded, 500);

  const text = await benchCli([server.url, '-c', '2', '-m', '4', '-n', '200', '--threshold', 'p50<1us', '--threshold', 'errors<1%']);
  assert.equal(text.code, 1);
  assert.match(text.out, /^✘ p50<1us  \(measured .+\)$/m);
  assert.match(text.out, /^✔ errors<1%  \(measured 0\.000 %\)$/m);
});

test('--threshold: a bad expression is exit 2 with one line saying what was expected', async () => {
  for (const bad of ['p99', 'p98<1ms', 'errors<5ms', 'latency>3']) {
    const r = await benchCli([server.url, '-n', '10', '--threshold', bad]);
    assert.equal(r.code, 2, bad);
    const lines = r.err.trim().split('\n').filter((l) => !l.startsWith('Try '));
    assert.equal(lines.length, 1, r.err);
    assert.match(lines[0]!, /--threshold: /);
  }
  const r = await benchCli([server.url, '-n', '10', '--threshold', 'p99']);
  assert.match(r.err, /expected METRIC<VALUE such as p99<200ms/);
});
