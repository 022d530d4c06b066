/**
 * `h2doctor flame FILE.json…`: thin. Reads saved slow-request records (h2doctor/server), adds
 * up their folded stacks and writes one self-contained SVG flame graph (src/report/flame-svg).
 */
import { readFileSync } from 'node:fs';
import type { Command } from '../command.js';
import type { CliIO } from '../io.js';
import { fileFlagError, parseFlags } from '../flags.js';
import { UsageError } from '../../errors.js';
import { renderFlameSvg } from '../../report/flame-svg.js';

const usage = `Usage: h2doctor flame FILE.json [FILE.json…] [options] > flame.svg

Draws a flame graph of the CPU samples of slow requests, as one self-contained SVG on stdout.
Each FILE holds what h2doctor/server captured with instrument(server, { profile }): one
slow-request record, an array of them, or a whole doctor.snapshot(). The samples of every
record with a profile are added up. They cover everything the thread ran while each request
was open, not only that request.

Options:
  --title TEXT   heading (default: the route of the slowest request)
  --width N      width in px (default 1200)
`;

const options = {
  title: { type: 'string' },
  width: { type: 'string' },
} as const;

/** The parts of a saved slow-request record this command reads. */
interface SavedRecord {
  route?: unknown;
  durationMs?: unknown;
  profile?: { folded?: unknown };
}

/** Records with a profile in a saved file: a record, an array of them, or a snapshot. */
export function recordsWithProfiles(value: unknown): SavedRecord[] {
  if (Array.isArray(value)) return value.flatMap(recordsWithProfiles);
  if (value === null || typeof value !== 'object') return [];
  const v = value as SavedRecord & { slowRequests?: { recent?: unknown } };
  if (v.slowRequests !== undefined) return recordsWithProfiles(v.slowRequests.recent);
  return typeof v.profile?.folded === 'string' ? [v] : [];
}

async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, options);
  if (positionals.length === 0) throw new UsageError('flame: give at least one FILE.json of slow-request records');
  const width = values.width === undefined ? 1200 : Number(values.width);
  if (!Number.isInteger(width) || width < 200 || width > 20000) throw new UsageError(`--width: expected a number of px from 200 to 20000, got '${values.width}'`);
  const records: SavedRecord[] = [];
  for (const file of positionals) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw fileFlagError('FILE', 'read', file, err);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`flame: ${file} is not JSON (${(err as Error).message})`);
    }
    const found = recordsWithProfiles(parsed);
    if (found.length === 0) throw new UsageError(`flame: ${file} has no slow-request record with a profile (instrument the server with { profile })`);
    records.push(...found);
  }
  const slowest = records.reduce((a, b) => (Number(b.durationMs) > Number(a.durationMs) ? b : a));
  const lines = records.flatMap((r) => String(r.profile!.folded).split('\n'));
  const title = values.title ?? `CPU samples during ${records.length === 1 ? 'a slow request' : `${records.length} slow requests`}${typeof slowest.route === 'string' ? ` (slowest: ${slowest.route})` : ''}`;
  io.stdout.write(renderFlameSvg(lines, {
    title, width,
    subtitle: 'everything the thread ran while the request(s) were open; width = share of samples, bottom = outermost frame',
  }));
  return 0;
}

export const command: Command = { usage, run };
