import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../diagnose/clean-facts.js';
import { diagnose } from '../diagnose/diagnose.js';
import { createStyle } from './style.js';
import { renderProbeText } from './probe-text.js';

test('clean: verdict ok first, then connection, SETTINGS and latency sections, no colour', () => {
  const out = renderProbeText(cleanFacts(), [], createStyle(false));
  const order = ['Verdicts', '✔ ok', 'Connection', 'Server SETTINGS (as sent)', 'Requests and latency'].map((s) => out.indexOf(s));
  assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), order.join());
  assert.match(out, /SETTINGS_MAX_CONCURRENT_STREAMS +100/);
  assert.match(out, /resumption: resumed/);
  assert.doesNotMatch(out, /\x1b\[/);
  assert.doesNotMatch(out, /^Push$/m);
});

test('findings: verdict lines with one evidence line, then what/why/what to do; push section; colour on a TTY', () => {
  const f = cleanFacts();
  f.pushes = [{ connection: 1, associatedStreamId: 1, promisedStreamId: 2, path: '/a.js', bytes: 2048, used: false }];
  f.connections.push({ index: 2, purpose: 'requests', requests: 0, streams: 1, end: { by: 'fin', atMs: 9, goaway: null } });
  const plain = renderProbeText(f, diagnose(f), createStyle(false));
  assert.match(plain, /Verdicts\n  ✖ error  connection-churn: .*\n           requests per connection: 20, 0\n  ▲ warn   push-on-api/);
  assert.match(plain, /What we saw:\n    /);
  assert.match(plain, /Why it hurts P99:\n    /);
  assert.match(plain, /What to do:\n    /);
  assert.match(plain, /Push\n  1 PUSH_PROMISE, 2\.0 KiB pushed/);
  assert.match(plain, /connection 2 \(requests\): closed by the server without GOAWAY/);
  assert.match(renderProbeText(f, diagnose(f), createStyle(true)), /\x1b\[31m✖ error\x1b\[39m/);
});
