// The house rules on size (issue #12): no file in src/ over 400 lines, no function over 100.
// The measure is scripts/size-report.ts's own (`npm run size` prints the longest), so the
// script and this test cannot disagree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_FILE_LINES, MAX_FUNCTION_LINES, functionSizes, lineCount, measureSizes, overLimit } from '../scripts/size-report.js';

const root = new URL('..', import.meta.url).pathname;

/** A function `name` of exactly `lines` lines (header, body, closing brace). */
function functionOf(name: string, lines: number): string {
  const body = Array.from({ length: lines - 3 }, (_, i) => `  x += ${i};`);
  return [`function ${name}(): number {`, '  let x = 0;', ...body.slice(0, -1), '  return x;', '}'].join('\n').concat('\n');
}

test('no file in src/ is over 400 lines and no function over 100 lines', () => {
  const sizes = measureSizes(root);
  // The walk found the source tree (and skipped unit tests): an empty list would pass vacuously.
  assert.ok(sizes.files.some((f) => f.file === 'src/bench/connection.ts'), 'src/ was not measured');
  assert.ok(!sizes.files.some((f) => f.file.endsWith('.test.ts')), 'unit tests are not held to the limits');
  const over = overLimit(sizes);
  assert.deepEqual(over, [], `over the house limits (npm run size lists the longest):\n  ${over.join('\n  ')}`);
});

test('the measure flags a function one line over the limit, and not one at it', () => {
  const atLimit = functionSizes('at.ts', functionOf('atLimit', MAX_FUNCTION_LINES));
  const over = functionSizes('over.ts', functionOf('overLimit', MAX_FUNCTION_LINES + 1));
  assert.deepEqual(atLimit.map((f) => [f.name, f.lines]), [['atLimit (line 1)', MAX_FUNCTION_LINES]]);
  assert.deepEqual(over.map((f) => [f.name, f.lines]), [['overLimit (line 1)', MAX_FUNCTION_LINES + 1]]);
  assert.deepEqual(overLimit({ files: [], functions: atLimit }), []);
  assert.deepEqual(overLimit({ files: [], functions: over }), [`over.ts overLimit (line 1): ${MAX_FUNCTION_LINES + 1} lines`]);
});

test('the measure sees methods and nested closures, named by class and binding', () => {
  const text = [
    'export class Engine {',
    '  run(): void {',
    '    const tick = () => {',
    '      void 0;',
    '    };',
    '    tick();',
    '  }',
    '}',
    '',
  ].join('\n');
  const names = functionSizes('engine.ts', text).map((f) => [f.name, f.lines]);
  assert.deepEqual(names, [['Engine.run (line 2)', 6], ['tick (line 3)', 3]]);
});

test('the measure flags a file one line over the limit, and not one at it', () => {
  const text = (n: number) => 'x;\n'.repeat(n);
  assert.equal(lineCount(text(MAX_FILE_LINES)), MAX_FILE_LINES);
  assert.equal(lineCount(`${text(MAX_FILE_LINES - 1)}x;`), MAX_FILE_LINES, 'no final newline: the same count');
  assert.deepEqual(overLimit({ files: [{ file: 'a.ts', lines: lineCount(text(MAX_FILE_LINES)) }], functions: [] }), []);
  assert.deepEqual(overLimit({ files: [{ file: 'b.ts', lines: lineCount(text(MAX_FILE_LINES + 1)) }], functions: [] }), [
    `b.ts: ${MAX_FILE_LINES + 1} lines`,
  ]);
});
