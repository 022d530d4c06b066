import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable } from './table.js';
import { createStyle } from './style.js';

test('columns align, numbers right, colour codes do not shift widths', () => {
  const s = createStyle(true);
  const out = renderTable(['name', 'p99'], [['a', s.red('10 ms')], ['longer', '2 ms']]);
  const lines = out.split('\n');
  assert.equal(lines[0], 'name      p99');
  assert.equal(lines[3], 'longer   2 ms');
  assert.ok(lines[2]!.endsWith('\x1b[31m10 ms\x1b[39m'));
});

test('a style without colour leaves text as it is', () => {
  assert.equal(createStyle(false).red('x'), 'x');
});
