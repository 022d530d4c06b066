import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldedTree, renderFlameSvg } from './flame-svg.js';

test('foldedTree adds folded lines into one tree and skips lines that are not stacks', () => {
  const root = foldedTree(['main;quote;sqrt 2', 'main;quote 3', 'main;log 1', '', 'garbage', 'main;x -1']);
  assert.equal(root.value, 6);
  const main = root.children.get('main')!;
  assert.equal(main.value, 6);
  assert.equal(main.children.get('quote')!.value, 5);
  assert.equal(main.children.get('quote')!.children.get('sqrt')!.value, 2);
  assert.equal(main.children.get('log')!.value, 1);
});

test('renderFlameSvg: a frame per node sized by its share, names escaped, an empty graph says so', () => {
  const svg = renderFlameSvg(['main;<quote> & co 3', 'main;log 1'], { width: 420, title: 'T "1"' });
  // all, main, <quote> & co, log.
  assert.equal(svg.match(/<rect class="bar"/g)!.length, 4);
  assert.match(svg, /&lt;quote&gt; &amp; co \(3 samples, 75\.00%\)/);
  assert.match(svg, /aria-label="T &quot;1&quot;"/);
  const widths = [...svg.matchAll(/<rect class="bar" x="[\d.]+" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
  // Siblings in name order ('<' sorts before 'l').
  assert.deepEqual(widths, [400, 400, 300, 100]);
  assert.match(renderFlameSvg([]), /no samples/);
});
