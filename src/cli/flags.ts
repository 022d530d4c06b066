import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

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
