import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unionMs } from './merge.js';

test('rps span: the union of the runs\' spans counts overlaps once and gaps not at all', () => {
  assert.equal(unionMs([[0, 10]]), 10);
  assert.equal(unionMs([[0, 10], [5, 15]]), 15);
  assert.equal(unionMs([[20, 30], [0, 10]]), 20);
  assert.equal(unionMs([[0, 10], [2, 3], [9, 12], [20, 21]]), 13);
});
