/**
 * `h2doctor lab`: thin. Runs the incident end to end (src/lab), renders the comparison table
 * (src/report/lab-text), JSON, or the HTML report, and exits 1 when a target is missed.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from '../command.js';
import type { CliIO } from '../io.js';
import { fileFlagError, parseFlags, usageOf } from '../flags.js';
import { parseCount } from '../../units.js';
import { CheckFailedError, UsageError } from '../../errors.js';
import { runLab, type LabEvent } from '../../lab/lab.js';
import { scenarioNames } from '../../lab/scenarios.js';
import { parseDbTarget } from '../../consistency/open-db.js';
import { renderLabText } from '../../report/lab-text.js';
import { renderLabHtml } from '../../report/lab-html.js';
import { createStyle } from '../../report/style.js';

/** `--db`: a PostgreSQL URL (a bad one is a usage error, exit 2), or a folder for the SQLite files. */
function parseLabDb(text: string): string {
  const target = parseDbTarget(text);
  return target.kind === 'postgres' ? target.url : target.file;
}

const usage = `Usage: h2doctor lab [options]

Reproduces the incident on this machine and measures it live: an order service on HTTP/2 that
pushes static assets before every API response, clients that stop reusing connections, an
inventory service with latency spikes and a zone that dies; then the fixes (push guard, pooled
clients, deadline + tuned breaker + fallback, zone failover). Everything runs on 127.0.0.1.

Options:
  --quick            fewer requests per scenario (about 30 s in all)
  --only a,b         run only these scenarios: ${scenarioNames.join(', ')}
  --json             the report as JSON on stdout (schema in docs/json.md)
  --html FILE        also write a self-contained HTML report with charts to FILE
  --seed N           seed for the chaos proxies' fault choices (default 1)
  --no-probe         skip the probe of the order service in each scenario
  --no-profile       do not profile order in push-abuse and inventory-spike (no flame graphs
                     in the HTML report, no slowestRequest in --json)
  --db URL           run dual-write and wal-reconciled on this PostgreSQL server
                     (postgres://user:pass@host:port/db; two databases are created and dropped,
                     so the user needs CREATEDB). Default: SQLite in a temporary folder.

Exit codes: 0 every target met, 1 a target missed or a failure, 2 usage.
`;

const options = {
  quick: { type: 'boolean' },
  only: { type: 'string' },
  json: { type: 'boolean' },
  html: { type: 'string' },
  seed: { type: 'string' },
  'no-probe': { type: 'boolean' },
  'no-profile': { type: 'boolean' },
  db: { type: 'string' },
} as const;

function progress(io: CliIO): ((e: LabEvent) => void) | undefined {
  // Progress only on a terminal; piped output stays clean.
  if (!io.isTTY) return undefined;
  return (e) => {
    if (e.type === 'scenario-start') io.stderr.write(`\r\x1b[K[${e.index + 1}/${e.total}] ${e.name} …`);
    else io.stderr.write(`\r\x1b[K`);
  };
}

async function run(argv: string[], io: CliIO, signal: AbortSignal): Promise<number> {
  const { values } = parseFlags(argv, options, 0);
  let only: string[] | undefined;
  if (values.only !== undefined) {
    only = values.only.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = only.filter((n) => !(scenarioNames as readonly string[]).includes(n));
    if (unknown.length || only.length === 0) throw new UsageError(`--only: unknown scenario '${unknown[0] ?? values.only}' (known: ${scenarioNames.join(', ')})`);
  }
  const seed = values.seed === undefined ? 1 : usageOf(() => parseCount(values.seed!, '--seed', true));
  const report = await runLab({ quick: values.quick ?? false, only, seed, probe: !values['no-probe'], profile: !values['no-profile'], ...(values.db !== undefined ? { db: parseLabDb(values.db) } : {}) }, progress(io), signal);
  if (values.html) {
    try {
      await writeFile(values.html, renderLabHtml(report));
    } catch (err) {
      throw fileFlagError('--html', 'write', values.html, err);
    }
  }
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderLabText(report, createStyle(io.isTTY)));
  const missed = report.targets.filter((t) => !t.met);
  if (missed.length) throw new CheckFailedError(`lab: ${missed.length} target(s) missed: ${missed.map((t) => t.target).join('; ')}`);
  return 0;
}

export const command: Command = { usage, run };
