/**
 * The human `probe` report: verdicts first (severity, title, one line of evidence), then each
 * finding in the Clinic.js Doctor manner (what we saw, why it hurts P99, what to do), then the
 * sections: connection and TLS, SETTINGS, requests and latency, push. Returns a string; colour
 * only through the given Style.
 */
import type { Finding, Severity } from '../diagnose/finding.js';
import { h2ErrorName } from '../codec/names.js';
import type { ProbeFacts } from '../probe/facts.js';
import { probeJsonReport } from './probe-json.js';
import { plainStyle, type Style } from './style.js';
import { renderTable } from './table.js';
import { formatBytes, formatMs } from '../units.js';
import { renderGrpcSection } from './probe-grpc-text.js';

function mark(s: Severity, style: Style): string {
  if (s === 'error') return style.red('✖ error');
  if (s === 'warn') return style.yellow('▲ warn ');
  return style.cyan('ℹ info ');
}

/** Wraps prose at `width` columns under an indent. */
function wrapText(text: string, indent: string, width = 100): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && indent.length + line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

export function renderProbeText(facts: ProbeFacts, findings: readonly Finding[], style: Style = plainStyle): string {
  const j = probeJsonReport(facts, findings);
  const out: string[] = [];
  out.push(style.bold(`h2doctor probe ${facts.target}`));
  out.push(style.dim(`${j.requests.sent} requests on ${j.connections.opened} connection(s) in ${formatMs(facts.durationMs)}, ${facts.checkedAt}`));
  out.push('');

  // ---- verdicts
  out.push(style.bold('Verdicts'));
  if (findings.length === 0) out.push(`  ${style.green('✔ ok')}     no problems found`);
  for (const f of findings) {
    out.push(`  ${mark(f.severity, style)}  ${style.bold(f.id)}: ${f.title}`);
    if (f.evidence[0]) out.push(`           ${style.dim(f.evidence[0])}`);
  }
  if (facts.stoppedEarly) out.push('', `  ${style.yellow('Stopped early:')} ${facts.stoppedEarly}`);
  out.push('');

  for (const f of findings) {
    out.push(`${mark(f.severity, style)}  ${style.bold(f.id)}: ${f.title}`);
    out.push('  What we saw:');
    for (const e of f.evidence) out.push(wrapText(e, '    '));
    out.push('  Why it hurts P99:');
    out.push(wrapText(f.why, '    '));
    out.push('  What to do:');
    out.push(wrapText(f.fix, '    '));
    out.push('');
  }

  // ---- connection and TLS
  out.push(style.bold('Connection'));
  const rows: string[][] = facts.timings.map((t) => [t.step, formatMs(t.ms)]);
  out.push(renderTable(['step', 'time'], rows, { indent: 2 }).trimEnd());
  for (const e of facts.stepErrors) out.push(style.yellow(`  ${e.step} check did not run: ${e.error}`));
  out.push(`  address ${facts.address ?? '-'}, ALPN ${facts.alpn ?? 'none'}${facts.tls ? ` (offered ${facts.tls.alpnOffered.join(', ')})` : ''}`);
  if (facts.tls) {
    const t = facts.tls;
    out.push(`  TLS ${t.version ?? '-'}, ${t.cipher ?? '-'}, chain ${t.verified ? style.green('verified') : style.red(`not verified (${t.verifyError})`)}`);
    out.push(renderTable(['certificate', 'issuer', 'valid until'], t.chain.map((c) => [c.subject, c.issuer, c.validTo.slice(0, 10)]), { indent: 2, align: ['left', 'left', 'left'] }).trimEnd());
    if (facts.resumption) {
      const r = facts.resumption;
      out.push(`  resumption: ${r.resumed ? style.green('resumed') : style.yellow(r.ticketReceived ? 'not resumed' : 'no ticket received')}; full handshake ${formatMs(r.fullHandshakeMs)}, second ${formatMs(r.secondHandshakeMs)}`);
    }
  }
  out.push('');

  // ---- settings
  if (j.settings.server) {
    out.push(style.bold('Server SETTINGS (as sent)'));
    if (j.settings.server.length === 0) out.push('  (empty: every value at its RFC 9113 §6.5.2 default)');
    else out.push(renderTable(['setting', 'value'], j.settings.server.map((s) => [s.name, String(s.value)]), { indent: 2 }).trimEnd());
    out.push(`  SETTINGS ACK ${formatMs(j.settings.ackMs)}, PING RTT ${formatMs(j.session?.pingRttMs)}, connection WINDOW_UPDATEs ${j.session?.connectionWindowUpdates.count ?? 0} (${formatBytes(j.session?.connectionWindowUpdates.bytes ?? 0)})`);
    out.push('');
  }

  // ---- requests and latency
  if (facts.requests.length > 0) {
    out.push(style.bold('Requests and latency'));
    out.push(`  sent ${j.requests.sent}, succeeded ${j.requests.succeeded}, failed ${j.requests.failed}, retried ${j.requests.retried}; requests per connection ${j.connections.requestsPerConnection.join(', ')}`);
    out.push(renderTable(['', 'p50', 'p99', 'max'], [
      ['TTFB', formatMs(j.latency.ttfb.p50), formatMs(j.latency.ttfb.p99), formatMs(j.latency.ttfb.max)],
      ['total', formatMs(j.latency.total.p50), formatMs(j.latency.total.p99), formatMs(j.latency.total.max)],
    ], { indent: 2 }).trimEnd());
    const failed = facts.requests.filter((r) => r.error !== null);
    if (failed.length) out.push(renderTable(['request', 'conn', 'stream', 'error'], failed.slice(0, 10).map((r) => [`#${r.index}`, String(r.connection), String(r.streamId ?? '-'), r.error!]), { indent: 2, align: ['left', 'right', 'right', 'left'] }).trimEnd());
    const ended = facts.connections.filter((c) => c.end.by === 'goaway' || c.end.by === 'fin' || c.end.by === 'reset');
    for (const c of ended) {
      const g = c.end.goaway;
      out.push(`  connection ${c.index} (${c.purpose}): ${g ? `GOAWAY ${h2ErrorName(g.errorCode)} last-stream-id=${g.lastStreamId}${g.debugData ? ` "${g.debugData}"` : ''}` : c.end.by === 'fin' ? 'closed by the server without GOAWAY' : 'reset by the server'}`);
    }
    out.push('');
  }

  out.push(...renderGrpcSection(facts, style));

  // ---- push
  if (j.push.promises > 0 || (j.push.afterDisabled?.promises ?? 0) > 0) {
    out.push(style.bold('Push'));
    out.push(`  ${j.push.promises} PUSH_PROMISE, ${formatBytes(j.push.bytes)} pushed; per response ${j.push.perResponse.promises.toFixed(1)} promises, ${formatBytes(Math.round(j.push.perResponse.bytes))}`);
    const byPath = new Map<string, { n: number; bytes: number; used: number }>();
    for (const p of facts.pushes) {
      const e = byPath.get(p.path) ?? { n: 0, bytes: 0, used: 0 };
      e.n++;
      e.bytes += p.bytes;
      if (p.used) e.used++;
      byPath.set(p.path, e);
    }
    if (byPath.size) out.push(renderTable(['path', 'promises', 'bytes', 'used'], [...byPath].map(([p, e]) => [p, String(e.n), formatBytes(e.bytes), String(e.used)]), { indent: 2 }).trimEnd());
    if (j.push.afterDisabled && j.push.afterDisabled.promises > 0) out.push(style.red(`  with ENABLE_PUSH=0: ${j.push.afterDisabled.promises} PUSH_PROMISE (${j.push.afterDisabled.paths.join(', ')})`));
    out.push('');
  }
  if (facts.idle) {
    out.push(style.bold('Idle'));
    out.push(facts.idle.closedAfterMs === null ? `  still open after ${formatMs(facts.idle.waitedMs)} idle` : `  closed after ${formatMs(facts.idle.closedAfterMs)} idle (${facts.idle.end.goaway ? 'GOAWAY' : facts.idle.end.by})`);
    out.push('');
  }
  return out.join('\n');
}
