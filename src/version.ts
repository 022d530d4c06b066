import { readFileSync } from 'node:fs';

/**
 * The package version, read from package.json so it can never drift. The module runs from
 * dist/ (one level below the package root) or from the CLI bundle in dist/cli-bundle/ (two).
 */
export const version: string = readVersion();

function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'h2doctor' && pkg.version) return pkg.version;
    } catch {
      // not at this level; try the next
    }
  }
  return '0.0.0';
}
