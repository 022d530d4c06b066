// Sizes against the house rules (one concept per file, no file over 400 lines, no function
// over 100 lines): prints the longest files and functions of src/ (tests excluded) and exits
// 1 when one is over its limit.
// Usage: node --import tsx scripts/size-report.ts [--top N]
// test/house-size.test.ts runs the same measure (`measureSizes`, `overLimit`) under `npm test`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 100;

export interface FileSize {
  /** Path relative to the repository root. */
  file: string;
  lines: number;
}

export interface FunctionSize extends FileSize {
  /** `Class.method (line N)`, `name (line N)`, or `(anonymous) (line N)`. */
  name: string;
}

/** The shipped TypeScript files under `dir` (unit tests beside the code and .d.ts left out). */
export function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** A readable name for a function-like node: `Class.method`, `name`, or `(arrow) in name`. */
function nameOf(node: ts.Node, sf: ts.SourceFile): string {
  const own = (n: ts.Node): string | undefined => {
    const named = n as ts.Node & { name?: ts.Node };
    if (ts.isConstructorDeclaration(n)) return 'constructor';
    if (named.name && (ts.isIdentifier(named.name) || ts.isPrivateIdentifier(named.name))) return named.name.text;
    if (ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name)) return n.parent.name.text;
    if (ts.isPropertyAssignment(n.parent) && ts.isIdentifier(n.parent.name)) return n.parent.name.text;
    return undefined;
  };
  let name = own(node) ?? '(anonymous)';
  const cls = ts.findAncestor(node.parent, ts.isClassLike);
  if (cls?.name && (ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessor(node))) name = `${cls.name.text}.${name}`;
  return `${name} (line ${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1})`;
}

/** Lines of one file's text (a final newline does not start another line). */
export function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Every function with a body in `text` (nested ones too), with its length in lines. */
export function functionSizes(file: string, text: string): FunctionSize[] {
  const out: FunctionSize[] = [];
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body !== undefined) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ file, name: nameOf(node, sf), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Sizes of the files and functions of `root`/src (tests excluded), longest first. */
export function measureSizes(root: string): { files: FileSize[]; functions: FunctionSize[] } {
  const files: FileSize[] = [];
  const functions: FunctionSize[] = [];
  for (const path of sourceFiles(join(root, 'src'))) {
    const text = readFileSync(path, 'utf8');
    const file = relative(root, path);
    files.push({ file, lines: lineCount(text) });
    functions.push(...functionSizes(file, text));
  }
  files.sort((a, b) => b.lines - a.lines);
  functions.sort((a, b) => b.lines - a.lines);
  return { files, functions };
}

/** One line per file or function over its limit; empty when the house rules hold. */
export function overLimit(sizes: { files: FileSize[]; functions: FunctionSize[] }): string[] {
  return [...sizes.files.filter((f) => f.lines > MAX_FILE_LINES).map((f) => `${f.file}: ${f.lines} lines`),
    ...sizes.functions.filter((f) => f.lines > MAX_FUNCTION_LINES).map((f) => `${f.file} ${f.name}: ${f.lines} lines`)];
}

function main(): void {
  const root = new URL('..', import.meta.url).pathname;
  const topIndex = process.argv.indexOf('--top');
  const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 10;
  const sizes = measureSizes(root);
  console.log(`longest files (limit ${MAX_FILE_LINES} lines):`);
  for (const f of sizes.files.slice(0, top)) console.log(`  ${String(f.lines).padStart(4)}  ${f.file}`);
  console.log(`longest functions (limit ${MAX_FUNCTION_LINES} lines):`);
  for (const f of sizes.functions.slice(0, top)) console.log(`  ${String(f.lines).padStart(4)}  ${f.file}  ${f.name}`);
  const over = overLimit(sizes);
  if (over.length > 0) {
    console.log(`over the limit:\n  ${over.join('\n  ')}`);
    process.exitCode = 1;
  }
}

// Run as a script, not when a test imports the functions above.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
