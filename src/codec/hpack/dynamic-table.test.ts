import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DynamicTable, entrySize } from './dynamic-table.js';

test('entry size is name + value + 32 octets (RFC 7541 §4.1)', () => {
  assert.equal(entrySize(':authority', 'www.example.com'), 57);
});

test('newest entry is index 1; the oldest is evicted first (§4.4)', () => {
  const table = new DynamicTable(3 * 34);
  table.add('a', '1');
  table.add('b', '2');
  table.add('c', '3');
  assert.equal(table.length, 3);
  assert.equal(table.size, 102);
  assert.deepEqual([table.nameAt(1), table.nameAt(2), table.nameAt(3)], ['c', 'b', 'a']);
  table.add('d', '4');
  assert.equal(table.length, 3);
  assert.deepEqual([table.nameAt(1), table.valueAt(1), table.nameAt(3)], ['d', '4', 'b']);
});

test('an entry larger than the table empties it and is not inserted', () => {
  const table = new DynamicTable(100);
  table.add('a', '1');
  table.add('x'.repeat(40), 'y'.repeat(40));
  assert.equal(table.length, 0);
  assert.equal(table.size, 0);
  assert.equal(table.insertCount, 1);
});

test('lowering the maximum evicts until the table fits (§4.3)', () => {
  const table = new DynamicTable(4096);
  for (let i = 0; i < 10; i++) table.add(`n${i}`, 'v');
  assert.equal(table.size, 350);
  table.setMaxSize(100);
  assert.equal(table.length, 2);
  assert.equal(table.nameAt(1), 'n9');
  table.setMaxSize(0);
  assert.equal(table.length, 0);
});

test('grows past its initial ring capacity and keeps order', () => {
  const table = new DynamicTable(65_536);
  for (let i = 0; i < 1000; i++) table.add(`k${i}`, `v${i}`);
  assert.equal(table.length, 1000);
  assert.equal(table.valueAt(1), 'v999');
  assert.equal(table.valueAt(1000), 'v0');
});

test('onEvict reports each evicted entry with its insertion id', () => {
  const table = new DynamicTable(68);
  const evicted: Array<[string, number]> = [];
  table.onEvict = (name, _value, id) => evicted.push([name, id]);
  table.add('a', '1');
  table.add('b', '2');
  table.add('c', '3');
  table.add('d', '4');
  assert.deepEqual(evicted, [['a', 0], ['b', 1]]);
});
