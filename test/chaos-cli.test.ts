// `h2doctor chaos` as a command: flag grammar errors, scenario file errors, and real runs
// with --log, --scenario, several routes and --api alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command } from '../src/cli/commands/chaos.js';
import { captureIO, runCommand, type CommandRun } from './support/cli.js';
import { startOkUpstream } from './support/chaos.js';

const dir = mkdtempSync(join(tmpdir(), 'chaos-cli-'));
let h2: http2.Http2Server;
let upstream = '';

before(async () => {
  ({ server: h2, upstream } = await startOkUpstream());
});
after(() => h2.close());

/** Runs the command the way main() does: errors become an exit code and one line. */
function chaos(argv: string[], signal?: AbortSignal, onOut?: (text: string) => void) {
  return runCommand(command, argv, signal, onOut);
}

/**
 * Starts a long-running `chaos` and waits until `listening` (its first group: HOST:PORT)
 * appears in its output. `stop` aborts it and gives its exit code and output.
 */
async function startChaosCli(argv: string[], listening: RegExp): Promise<{ url: string; stop: () => Promise<CommandRun> }> {
  const ac = new AbortController();
  let url = '';
  let found!: () => void;
  const ready = new Promise<void>((resolve) => (found = resolve));
  const done = chaos(argv, ac.signal, (out) => {
    const m = listening.exec(out);
    if (m && !url) {
      url = `http://${m[1]}`;
      found();
    }
  });
  const early = done.then((r) => {
    throw new Error(`chaos exited before listening (code ${r.code}): ${r.err}`);
  });
  await Promise.race([ready, early]);
  early.catch(() => {});
  return { url, stop: () => (ac.abort(), done) };
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = http2.connect(url);
    s.on('error', reject);
    const req = s.request({ ':path': '/' });
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.resume();
    // Resolve only once the session is closed, so stopping the proxy cannot reset it.
    req.on('end', () => s.close(() => resolve(status)));
    req.end();
  });
}

test('bad flags: one usage line, exit 2, no stack', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--upstream', 'a:1', '--latency', '10x'], /--latency: '10x' is not a duration/],
    [['--upstream', 'a:1', '--latency', '100ms:sideways'], /direction must be :up or :down/],
    [['--upstream', 'a:1', '--stall', 'p=2'], /not a probability/],
    [['--upstream', 'a:1', '--rst-stream', 'code=NOPE'], /not an HTTP\/2 error code/],
    [['--upstream', 'a:1', '--bandwidth', '1mbit@1.5'], /not a probability/],
    [['--upstream', 'nohost'], /--upstream: 'nohost' is not HOST:PORT/],
    [['--listen', 'a:1', '--listen', 'b:2', '--upstream', 'c:3'], /one --upstream per --listen/],
    [[], /give --listen and --upstream, --scenario FILE, or --api ADDR/],
    [['--upstream', 'a:1', '--tls-cert', 'x.pem'], /--tls-cert and --tls-key go together/],
    [['--upstream', 'a:1', '--seed', 'abc'], /--seed: 'abc' is not an integer/],
    [['--upstream', 'a:1', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['--scenario', join(dir, 'missing.json')], /--scenario: cannot read .* \(ENOENT\)/],
  ];
  for (const [argv, re] of cases) {
    const r = await chaos(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, re);
    assert.equal(r.err.split('\n')[0]!.startsWith('h2doctor: '), true);
    assert.doesNotMatch(r.err, /\bat .*:\d+:\d+/);
  }
});

test('bad scenario file: one line naming the file and field, exit 1', async () => {
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ routes: [{ upstream: upstream }], phases: [{ at: 'soon', faults: ['latency 1ms'] }] }));
  const r = await chaos(['--scenario', file]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^h2doctor: .*bad\.json: phases\[0\]\.at: 'soon' is not a duration .*\[ERR_SCENARIO\]\n$/);
});

test('a run: routes printed, --log gets JSON lines, the metrics line counts faults', async () => {
  const log = join(dir, 'faults.jsonl');
  const run = await startChaosCli(
    ['--upstream', upstream, '--upstream', upstream, '--listen', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--latency', '5ms:down', '--blackhole', '@0', '--seed', '9', '--log', log],
    /chaos: (127\.0\.0\.1:\d+) → .*latency ms=5/,
  );
  assert.equal(await get(run.url), 200);
  const { code, out } = await run.stop();
  assert.equal(code, 0);
  assert.equal(out.match(/^chaos: 127\.0\.0\.1:\d+ → /gm)!.length, 2);
  assert.match(out, /blackhole :\S* ?@0|blackhole @0/);
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.length > 0 && lines.every((l) => l.fault === 'latency' && l.dir === 'down' && typeof l.t === 'number' && l.conn === 1));
  assert.match(out, new RegExp(`chaos: connections=1 faults: latency=${lines.length}\\n$`));
});

test('--scenario runs phases; --api alone starts with no proxies', async () => {
  const file = join(dir, 'ok.json');
  writeFileSync(file, JSON.stringify({ seed: 3, routes: [{ name: 'api', upstream }], phases: [{ name: 'spike', at: '0s', for: '100ms', faults: ['latency 10ms'] }] }));
  const r = await chaos(['--scenario', file, '--duration', '300ms']);
  assert.equal(r.code, 0);
  assert.match(r.out, /chaos: 127\.0\.0\.1:\d+ → .* \(api\)/);
  assert.match(r.out, /phase spike started at 0\.0s/);
  assert.match(r.out, /phase spike ended at 0\.1s/);

  let apiUrl = '';
  const ac = new AbortController();
  const done = chaos(['--api', '127.0.0.1:0'], ac.signal, (out) => {
    apiUrl ||= /toxiproxy API on (http:\/\/\S+)/.exec(out)?.[1] ?? '';
  });
  while (!apiUrl) await new Promise((res) => setTimeout(res, 10));
  assert.deepEqual(await (await fetch(`${apiUrl}/proxies`)).json(), {});
  ac.abort();
  assert.equal((await done).code, 0);
});

test('through main(): `h2doctor chaos --help` and a bad flag map to exit codes in one place', async () => {
  const { main } = await import('../src/cli/main.js');
  const help = captureIO();
  assert.equal(await main(['chaos', '--help'], help.io), 0);
  assert.match(help.out(), /Usage: h2doctor chaos --listen HOST:PORT --upstream HOST:PORT/);
  const bad = captureIO();
  assert.equal(await main(['chaos', '--upstream', '127.0.0.1:1', '--goaway-after', 'soon'], bad.io), 2);
  assert.match(bad.err(), /^h2doctor: --goaway-after: 'soon' is not a duration/);
});

test('--json: every line on stdout is a JSON event; the last one counts the faults', async () => {
  const run = await startChaosCli(['--upstream', upstream, '--listen', '127.0.0.1:0', '--latency', '2ms:down', '--json'], /"event":"listening".*"listen":"(127\.0\.0\.1:\d+)"/);
  assert.equal(await get(run.url), 200);
  const { code, out } = await run.stop();
  assert.equal(code, 0);
  const events = out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; faults?: unknown; connections?: number });
  assert.deepEqual(events.map((e) => e.event), ['listening', 'stats']);
  assert.deepEqual(events[0]!.faults, ['latency ms=2 jitterMs=0 :down']);
  assert.equal(events[1]!.connections, 1);
  assert.ok(((events[1]!.faults as Record<string, number>)['latency'] ?? 0) > 0);
});
