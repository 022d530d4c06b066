import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numberPlaceholders, SerialLock } from './sql-db.js';

test('? placeholders become $1…$n for PostgreSQL', () => {
  assert.equal(numberPlaceholders('SELECT a FROM t WHERE b = ? AND c > ? LIMIT ?'), 'SELECT a FROM t WHERE b = $1 AND c > $2 LIMIT $3');
});

test('SerialLock runs holders one at a time, in arrival order', async () => {
  const lock = new SerialLock();
  const seen: string[] = [];
  const a = lock.hold(async () => {
    seen.push('a start');
    await new Promise((r) => setTimeout(r, 10));
    seen.push('a end');
  });
  const b = lock.hold(async () => void seen.push('b'));
  await Promise.all([a, b]);
  assert.deepEqual(seen, ['a start', 'a end', 'b']);
});
