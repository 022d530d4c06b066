// The layering of src/: no runtime import from a lower layer to a higher one. Type-only
// imports (`import type`, `export type`, or every specifier marked `type`) are free: they
// vanish at runtime. The order, bottom to top, is written down in README.md ("Layout").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
// Unit tests beside the code are not shipped (sourceFiles leaves them out): they may reach for anything they need.
import { sourceFiles } from '../scripts/size-report.js';

/** Bottom to top. Folders (and root files) in one row may import each other. */
export const layers: readonly (readonly string[])[] = [
  ['errors', 'version'],
  ['clock'],
  ['random'],
  ['units'],
  ['stats'],
  ['codec', 'grpc'],
  ['tap'],
  ['server', 'client', 'chaos', 'bench', 'consistency'],
  ['probe', 'diagnose', 'lab', 'report'],
  ['cli'],
  // The root entry point re-exports the error hierarchy and a name or two from below.
  ['index'],
];

const srcRoot = resolve(new URL('../src', import.meta.url).pathname);
const levelOf = new Map(layers.flatMap((row, level) => row.map((name) => [name, level] as const)));

/** `codec` for src/codec/hpack/decoder.ts, `units` for src/units.ts. */
function unitOf(file: string): string {
  const [first, ...rest] = relative(srcRoot, file).split(sep);
  return rest.length === 0 ? first!.replace(/\.ts$/, '') : first!;
}


/** The relative module specifiers a file imports at runtime (static, re-export and dynamic). */
export function runtimeImports(text: string, fileName = 'x.ts'): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const allTypes = (elements: readonly { isTypeOnly: boolean }[]) => elements.length > 0 && elements.every((e) => e.isTypeOnly);
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const typeOnly = c !== undefined && (c.isTypeOnly || (c.name === undefined && c.namedBindings !== undefined && ts.isNamedImports(c.namedBindings) && allTypes(c.namedBindings.elements)));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = node.isTypeOnly || (node.exportClause !== undefined && ts.isNamedExports(node.exportClause) && allTypes(node.exportClause.elements));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) out.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out.filter((s) => s.startsWith('.'));
}

test('every folder and root file of src/ has a layer', () => {
  const unknown = [...new Set(sourceFiles(srcRoot).map(unitOf))].filter((u) => !levelOf.has(u));
  assert.deepEqual(unknown, [], 'add these to `layers` in test/layering.test.ts and to the README layout');
});

test('no runtime import from a lower layer to a higher one', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(srcRoot)) {
    const from = unitOf(file);
    for (const spec of runtimeImports(readFileSync(file, 'utf8'), file)) {
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (!target.startsWith(srcRoot + sep)) continue;
      const to = unitOf(target);
      if ((levelOf.get(to) ?? Infinity) > (levelOf.get(from) ?? -1)) {
        violations.push(`src/${relative(srcRoot, file)} imports ${spec} (${from} may not import ${to})`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('type-only imports are told apart from runtime ones', () => {
  const text = [
    "import type { A } from './a.js';",
    "import { type B, type C } from './b.js';",
    "import { type D, e } from './d.js';",
    "export type { F } from './f.js';",
    "export { g } from './g.js';",
    "const h = await import('./h.js');",
    "import { readFileSync } from 'node:fs';",
  ].join('\n');
  assert.deepEqual(runtimeImports(text), ['./d.js', './g.js', './h.js']);
});
