import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { main } from '../src/cli/main.js';
import { captureIO } from './support/cli.js';
import { startOkUpstream } from './support/chaos.js';
import { portOf } from './support/net.js';

test('--help lists usage and exits 0', async () => {
  const c = captureIO();
  assert.equal(await main(['--help'], c.io), 0);
  assert.match(c.out(), /Usage: h2doctor <command>/);
});

test('--version prints the package version', async () => {
  const c = captureIO();
  assert.equal(await main(['--version'], c.io), 0);
  assert.match(c.out(), /^\d+\.\d+\.\d+\n$/);
});

test('unknown command and unknown flag: one usage line, exit 2, no stack', async () => {
  for (const argv of [['frobnicate'], ['--frobnicate']]) {
    const c = captureIO();
    assert.equal(await main(argv, c.io), 2);
    assert.match(c.err(), /^h2doctor: unknown (command|option) '-{0,2}frobnicate'\n/);
    assert.doesNotMatch(c.err(), /\bat .*:\d+:\d+/);
  }
});

test('no arguments prints usage and exits 2', async () => {
  const c = captureIO();
  assert.equal(await main([], c.io), 2);
});

test('the installed bin runs from dist (npx h2doctor --help)', () => {
  const bin = new URL('../bin/h2doctor.js', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: h2doctor/);
  const bad = spawnSync(process.execPath, [bin, '--nope'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 2);
});

test('the installed bin (the bundled CLI) runs bench with worker threads and reports the version', async () => {
  const { server } = await startOkUpstream();
  try {
    const port = portOf(server);
    const bin = new URL('../bin/h2doctor.js', import.meta.url).pathname;
    const { spawn } = await import('node:child_process');
    // Asynchronously: the server answering lives in this process.
    const run = (args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, ...args]);
      let stdout = '', stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    const r = await run(['bench', `http://127.0.0.1:${port}/`, '-n', '400', '-c', '2', '-m', '4', '-t', '2', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { requests: { succeeded: number } };
    assert.equal(result.requests.succeeded, 400);
    const v = await run(['--version']);
    assert.equal(v.stdout.trim(), (await import('../package.json', { with: { type: 'json' } })).default.version);
  } finally {
    server.close();
  }
});

test('Ctrl-C (SIGINT): the command stops, one line "interrupted", exit 130, no usage hint', async () => {
  const { server } = await startOkUpstream();
  try {
    const port = portOf(server);
    const bin = new URL('../bin/h2doctor.js', import.meta.url).pathname;
    const { spawn } = await import('node:child_process');
    // A bench that would run 30 s; interrupted once it has printed nothing but is running.
    const child = spawn(process.execPath, [bin, 'bench', `http://127.0.0.1:${port}/`, '-c', '1', '-m', '2', '-d', '30s', '--json']);
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    let served = 0;
    server.on('stream', () => void served++);
    const until = Date.now() + 10_000;
    while (served < 20 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.ok(served >= 20, 'the bench was running');
    child.kill('SIGINT');
    assert.equal(await closed, 130, stderr);
    assert.equal(stderr, 'h2doctor: interrupted\n');
    assert.equal((JSON.parse(stdout) as { partial: boolean }).partial, true, 'the partial results are still printed');
  } finally {
    server.close();
  }
});
