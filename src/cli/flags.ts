import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, UsageError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type ParsedFlags<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>
>;

/**
 * Strict flag parsing on top of node:util parseArgs: unknown flags, missing values and
 * stray positionals become a UsageError (exit 2) with a one-line message.
 */
export function parseFlags<T extends Options>(argv: string[], options: T, maxPositionals = Infinity): ParsedFlags<T> {
  let parsed: ParsedFlags<T>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true }) as ParsedFlags<T>;
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '');
    throw new UsageError(msg, { cause: err });
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[maxPositionals]}'`);
  }
  return parsed;
}

/**
 * Runs a command's flags-to-options step. The one place where a ConfigError (a bad value
 * found by src/units.ts or a library's option check) becomes a UsageError: exit 2 and
 * "Try 'h2doctor --help'". Configuration errors found later, while running, stay exit 1.
 */
export function usageOf<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}

/** An http:// or https:// URL; anything else is a usage error. */
export function parseTargetUrl(text: string | undefined, command: string): URL {
  if (!text) throw new UsageError(`${command}: missing <url> (e.g. https://127.0.0.1:8443/)`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${command}: '${text}' is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${command}: '${text}' must start with http:// (h2c) or https:// (TLS)`);
  }
  return url;
}

/** Reads the file a flag names (`--data`, `--ca`, `--scenario` …); a missing file is a usage error. */
export function readFlagFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw fileFlagError(flag, 'read', path, err);
  }
}

/** `--out: cannot write 'x' (EACCES)`: the usage error for a file a flag names. */
export function fileFlagError(flag: string, verb: 'read' | 'write', path: string, err: unknown): UsageError {
  return new UsageError(`${flag}: cannot ${verb} '${path}' (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
}
