import { UsageError } from '../errors.js';
import { requestFieldProblem } from '../codec/request-fields.js';

/**
 * `--header 'name: value'`, parsed and checked once for every command that sends requests.
 * The name is lowercased (HTTP/2 sends lowercase names, RFC 9113 §8.2.1) and the value trimmed
 * of the whitespace around it; a field HTTP/2 forbids is a UsageError naming the rule.
 */
export function parseHeaderFlag(text: string): { name: string; value: string } {
  const i = text.indexOf(':', text.startsWith(':') ? 1 : 0);
  const name = i > 0 ? text.slice(0, i).trim().toLowerCase() : '';
  if (!name || /\s/.test(name)) throw new UsageError(`--header: '${text}' is not 'name: value'`);
  const value = text.slice(i + 1).trim();
  const problem = requestFieldProblem(name, value);
  if (problem !== undefined) throw new UsageError(`--header: '${name}' ${problem}`);
  return { name, value };
}
