import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { diagnose, probeRules } from './diagnose.js';
import { cleanFacts } from './clean-facts.js';
import { atOrAbove } from './finding.js';

test('a clean server gets no finding at all', () => {
  assert.deepEqual(diagnose(cleanFacts()), []);
});

test('findings come errors first', () => {
  const f = cleanFacts();
  f.resumption = { ticketReceived: false, resumed: false, fullHandshakeMs: 3, secondHandshakeMs: 3 };
  f.alpn = 'http/1.1';
  assert.deepEqual(diagnose(f).map((x) => x.severity), ['error', 'warn']);
});

test('every rule id is documented in docs/findings.md, and ids are unique', () => {
  const doc = readFileSync(new URL('../../docs/findings.md', import.meta.url), 'utf8');
  const ids = probeRules.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(doc, new RegExp(`^## \`${id}\``, 'm'), `docs/findings.md lacks ## \`${id}\``);
});

test('severity order', () => {
  assert.ok(atOrAbove('error', 'warn'));
  assert.ok(!atOrAbove('info', 'warn'));
  assert.ok(atOrAbove('info', 'info'));
});
