// `h2doctor flame`: slow-request records saved from a real instrumented server (profile on,
// CPU work in computeQuote) become one self-contained SVG flame graph, well-formed, that
// headless Chromium renders with its frames drawn and nothing fetched. Bad input is one line
// and exit 2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import { instrument, type ServerDoctor, type SlowRequest } from '../src/server/index.js';
import { command as flame } from '../src/cli/commands/flame.js';
import { runCommand } from './support/cli.js';
import { checkPage } from './support/chromium.js';

const dir = mkdtempSync(join(tmpdir(), 'h2doctor-flame-'));

function computeQuote(rounds: number): number {
  let x = 1;
  for (let i = 0; i < rounds; i++) x = (x * 1103515245 + 12345) % 2147483647 + Math.sqrt(i);
  return x;
}

let doctor: ServerDoctor;
const slow: SlowRequest[] = [];
before(async () => {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const body = String(headers[':path']).startsWith('/quote') ? String(computeQuote(3_000_000)) : 'ok';
    stream.respond({ ':status': 200 });
    stream.end(body);
  });
  doctor = instrument(server, { slowRequests: { threshold: 5, runtime: false }, profile: true });
  doctor.onSlowRequest((r) => slow.push(r));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  for (const path of ['/quote/1', '/fast', '/quote/2']) {
    const req = client.request({ ':path': path });
    req.resume();
    await once(req, 'end');
  }
  client.close();
  // A slow record is published once the profiler's next cut covers it (at most one cut per
  // 100 ms, and a periodic one every second): wait for it rather than racing it.
  for (const t0 = Date.now(); slow.length < 2 && Date.now() - t0 < 5000;) await new Promise((r) => setTimeout(r, 50));
  assert.ok(slow.length >= 2, `captured ${slow.length} slow requests`);
  writeFileSync(join(dir, 'one.json'), JSON.stringify(slow[0]));
  writeFileSync(join(dir, 'snapshot.json'), JSON.stringify(doctor.snapshot()));
});
after(async () => {
  await doctor.close({ graceMs: 200 });
});

/** Well-formed XML for what this renderer writes: tags nest and close, no stray `<` or `&`. */
function assertWellFormed(svg: string): void {
  const body = svg.replace(/^<\?xml[^>]*\?>\s*/, '');
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  let roots = 0;
  while (i < body.length) {
    if (body[i] === '<') {
      tag.lastIndex = i;
      const m = tag.exec(body);
      assert.ok(m, `malformed markup at ${i}: ${body.slice(i, i + 60)}`);
      const [, close, name, , selfClose] = m;
      if (close) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
      else if (!selfClose) {
        if (stack.length === 0) roots++;
        stack.push(name!);
      } else if (stack.length === 0) roots++;
      i = tag.lastIndex;
    } else {
      const next = body.indexOf('<', i);
      const text = body.slice(i, next === -1 ? undefined : next);
      assert.doesNotMatch(text, /&(?!(lt|gt|amp|quot|#39);)/, `unescaped & in ${text.slice(0, 60)}`);
      if (stack.length === 0) assert.match(text, /^\s*$/, 'text outside the root element');
      i = next === -1 ? body.length : next;
    }
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(roots, 1);
}

test('one saved record and a whole snapshot each become a well-formed SVG naming computeQuote', async () => {
  for (const file of ['one.json', 'snapshot.json']) {
    const r = await runCommand(flame, [join(dir, file)]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^<\?xml/);
    assertWellFormed(r.out);
    assert.match(r.out, /computeQuote/);
    assert.match(r.out, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  }
  // Several files: their samples add up.
  const both = await runCommand(flame, [join(dir, 'one.json'), join(dir, 'snapshot.json'), '--title', 'a & b']);
  assert.equal(both.code, 0, both.err);
  assertWellFormed(both.out);
  assert.match(both.out, /<title>a &amp; b<\/title>/);
});

test('the flame graph renders in headless Chromium: no errors, no requests, its frames drawn', { timeout: 60_000 }, async (t) => {
  const r = await runCommand(flame, [join(dir, 'snapshot.json')]);
  const svgPath = join(dir, 'flame.svg');
  writeFileSync(svgPath, r.out);
  const shot = join(dir, 'flame.png');
  const page = await checkPage(pathToFileURL(svgPath).href, shot, { fullPage: false });
  t.diagnostic(`screenshot: ${shot}`);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.requests, [], 'the SVG is self-contained');
  assert.match(page.title, /^CPU samples during/);
  assert.equal(page.charts.length, 1);
  // Every frame is a rect.bar; the background is one more rect.
  assert.equal(page.charts[0]!.bars, (r.out.match(/<rect class="bar"/g) ?? []).length + 1);
  assert.ok(page.charts[0]!.bars > 5);
});

test('bad input: one line on stderr (no stack trace) and exit 2', async () => {
  writeFileSync(join(dir, 'bad.json'), '{ not json');
  writeFileSync(join(dir, 'noprofile.json'), JSON.stringify({ route: '/x', durationMs: 5 }));
  for (const argv of [[], [join(dir, 'missing.json')], [join(dir, 'bad.json')], [join(dir, 'noprofile.json')], [join(dir, 'one.json'), '--width', 'x']]) {
    const r = await runCommand(flame, argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    // The reason on one line (then the usual hint), never a stack trace.
    assert.match(r.err, /^h2doctor: flame: |^h2doctor: .*(FILE|--width)/, r.err);
    assert.doesNotMatch(r.err, /\n\s+at /, r.err);
    assert.equal(r.out, '');
  }
});
