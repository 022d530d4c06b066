/**
 * `h2doctor probe <url>`: thin. Parses flags, runs the probe (src/probe), judges it
 * (src/diagnose), renders (src/report/probe-*), and maps --fail-on to the exit code.
 */
import type { Command } from '../command.js';
import type { CliIO } from '../io.js';
import { parseFlags, parseTargetUrl, readFlagFile, usageOf } from '../flags.js';
import { parseHeaderFlag } from '../header-flag.js';
import { parseCount, parseDuration } from '../../units.js';
import { CheckFailedError, UsageError } from '../../errors.js';
import { runProbe, type ProbeOptions } from '../../probe/probe.js';
import type { Severity } from '../../diagnose/finding.js';
import { diagnose } from '../../diagnose/diagnose.js';
import { atOrAbove, isSeverity } from '../../diagnose/finding.js';
import { renderProbeJson } from '../../report/probe-json.js';
import { renderProbeText } from '../../report/probe-text.js';
import { createStyle } from '../../report/style.js';
import { formatFrameLog } from '../../tap/index.js';
import { grpcFlagOptions, grpcUsage, parseGrpcFlags } from './probe-grpc-flags.js';

const usage = `Usage: h2doctor probe <url> [options]

Diagnose a live HTTP/2 service and say what hurts its tail latency.

  https://host:port/path     TLS, ALPN offering h2 and http/1.1
  http://host:port/path      h2c with prior knowledge

Options:
  -n, --requests N           requests to send (default 20)
  -m, --concurrency M        how many of them in flight at once on one connection (default 10)
  -X, --method METHOD        request method (default GET)
  -H, --header 'name: value' request header (repeatable)
  -d, --data FILE            send FILE as the request body (with --call: HEX or @FILE)
  --insecure                 do not stop on certificate errors (still report them)
  --ca FILE                  extra trust anchors (PEM)
  --idle-wait SECONDS        keep an idle connection open up to this long and report when the
                             server closes it (default 0: skip)
  --frames                   print the frame log, both directions, nghttp -v style
  --json                     the report as JSON on stdout (schema in docs/json.md)
  --fail-on LEVEL            exit 1 when a finding at or above info|warn|error exists (default error)
  --timeout MS               per-step timeout (default 10000)
${grpcUsage}
Exit codes: 0 no finding at the --fail-on level, 1 a finding at that level or a failure, 2 usage.
Findings are described in docs/findings.md.
`;

const options = {
  requests: { type: 'string', short: 'n' },
  concurrency: { type: 'string', short: 'm' },
  method: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H', multiple: true },
  data: { type: 'string', short: 'd' },
  insecure: { type: 'boolean' },
  ca: { type: 'string', multiple: true },
  'idle-wait': { type: 'string' },
  frames: { type: 'boolean' },
  json: { type: 'boolean' },
  'fail-on': { type: 'string' },
  timeout: { type: 'string' },
  ...grpcFlagOptions,
} as const;

interface ProbeFlags {
  probe: ProbeOptions;
  failOn: Severity;
  json: boolean;
  frames: boolean;
}

/** Flags → probe options; every bad value is a UsageError naming its flag. */
function probeFlags(argv: string[]): ProbeFlags {
  const { values, positionals } = parseFlags(argv, options, 1);
  const url = parseTargetUrl(positionals[0], 'probe');
  const requests = values.requests === undefined ? 20 : parseCount(values.requests, '--requests');
  const concurrency = values.concurrency === undefined ? 10 : parseCount(values.concurrency, '--concurrency');
  const timeoutMs = values.timeout === undefined ? 10_000 : parseDuration(values.timeout, '--timeout', 'ms');
  if (timeoutMs <= 0) throw new UsageError('--timeout: must be more than 0');
  const idleWaitMs = values['idle-wait'] === undefined ? 0 : parseDuration(values['idle-wait'], '--idle-wait', 's');
  const failOn = values['fail-on'] ?? 'error';
  if (!isSeverity(failOn)) throw new UsageError(`--fail-on: '${failOn}' is not one of info, warn, error`);
  const method = (values.method ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`--method: '${values.method}' is not a method`);
  const headers = (values.header ?? []).map((h): [string, string] => {
    const { name, value } = parseHeaderFlag(h);
    return [name, value];
  });
  const grpc = parseGrpcFlags(values);
  const body = values.data === undefined || grpc ? null : readFlagFile(values.data, '--data');
  const ca = (values.ca ?? []).map((f) => readFlagFile(f, '--ca').toString('utf8'));
  return {
    probe: { url, requests, concurrency, method, headers, body, insecure: values.insecure ?? false, ca, idleWaitMs, timeoutMs, grpc },
    failOn, json: values.json ?? false, frames: values.frames ?? false,
  };
}

async function run(argv: string[], io: CliIO, signal: AbortSignal): Promise<number> {
  const values = usageOf(() => probeFlags(argv));
  const failOn = values.failOn;
  const result = await runProbe(values.probe, signal);
  const findings = diagnose(result.facts);
  if (values.json) {
    io.stdout.write(renderProbeJson(result.facts, findings));
  } else {
    io.stdout.write(renderProbeText(result.facts, findings, createStyle(io.isTTY)));
  }
  if (values.frames) {
    // With --json the frame log goes to stderr so stdout stays one JSON document.
    const sink = values.json ? io.stderr : io.stdout;
    for (const c of result.frames) sink.write(`\n--- connection ${c.connection} (${c.purpose}) ---\n${formatFrameLog(c.events)}`);
  }
  const failing = findings.filter((f) => atOrAbove(f.severity, failOn));
  if (failing.length > 0) {
    throw new CheckFailedError(`probe: ${failing.length} finding(s) at or above ${failOn}: ${failing.map((f) => f.id).join(', ')}`);
  }
  return 0;
}

export const command: Command = { usage, run };
