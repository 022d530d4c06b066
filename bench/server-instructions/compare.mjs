/**
 * Difference of two symbolize.mjs profiles (B − A), by area and by function.
 *
 *   node compare.mjs bare.json instrumented.json [TOP=40]
 *
 * GC and compiler work swing from window to window (one mark-compact more or less is
 * thousands of instructions per request): read the mutator areas (h2doctor's JIT code,
 * node's, builtins) for what the code costs, and the GC count beside them.
 */
import { readFileSync } from 'node:fs';
const [fa, fb, top = '40'] = process.argv.slice(2);
const A = JSON.parse(readFileSync(fa)), B = JSON.parse(readFileSync(fb));
const cat = (name) => {
  if (name.startsWith('JIT ')) return /node:|internal\//.test(name) ? 'jit-node' : /prom-client/.test(name) ? 'jit-prom' : /server-instructions\/child/.test(name) ? 'jit-app' : /file:\/\//.test(name) ? 'jit-h2doctor' : 'jit-other';
  if (/Scaveng|Heap::|MarkCompact|Sweeper|GCTracer|heap::base|Marking|Evacuat|RememberedSet|SlotSet|PagedSpace|NewSpace|SemiSpace|LocalHeap|MemoryAllocator|IterateObjectCache|BodyDescriptor|SizeFromMap|GlobalHandles|RootVisitor|ScavengeVisitor|Visit/.test(name)) return 'gc';
  if (/compiler::|Compiler|Maglev|Bytecode|Parser|Scanner|interpreter::|Zone|Deoptimiz/.test(name)) return 'compile';
  if (/Builtins_/.test(name)) return 'builtins';
  if (/nghttp2/.test(name)) return 'nghttp2';
  if (/malloc|free|_int_/.test(name)) return 'malloc';
  if (/node::/.test(name)) return 'node-cxx';
  if (/v8::/.test(name)) return 'v8';
  return 'other';
};
const names = new Set([...Object.keys(A), ...Object.keys(B)]);
const rows = [...names].map((k) => [k, (B[k] ?? 0) - (A[k] ?? 0), A[k] ?? 0, B[k] ?? 0]);
const cats = {};
for (const [k, d, a, b] of rows) { if (k === 'PROGRAM TOTALS') continue; const c = cat(k); cats[c] ??= [0, 0, 0]; cats[c][0] += d; cats[c][1] += a; cats[c][2] += b; }
console.log(`total: ${A['PROGRAM TOTALS'].toFixed(0)} -> ${B['PROGRAM TOTALS'].toFixed(0)} Ir/req (diff ${(B['PROGRAM TOTALS'] - A['PROGRAM TOTALS']).toFixed(0)})`);
for (const [c, [d, a, b]] of Object.entries(cats).sort((x, y) => y[1][0] - x[1][0])) console.log(`  ${c.padEnd(14)} ${a.toFixed(0).padStart(8)} ${b.toFixed(0).padStart(8)} ${d.toFixed(0).padStart(7)}`);
rows.sort((x, y) => y[1] - x[1]);
for (const [k, d, a, b] of rows.slice(0, Number(top))) console.log(`${d.toFixed(1).padStart(8)} ${a.toFixed(1).padStart(8)} ${b.toFixed(1).padStart(8)}  ${k.slice(0, 140)}`);
console.log('...');
for (const [k, d, a, b] of rows.slice(-10)) console.log(`${d.toFixed(1).padStart(8)} ${a.toFixed(1).padStart(8)} ${b.toFixed(1).padStart(8)}  ${k.slice(0, 140)}`);
