/**
 * The gRPC section of the human `probe` report. Returns lines; colour only through Style.
 */
import { h2ErrorName } from '../codec/names.js';
import type { ProbeFacts } from '../probe/facts.js';
import type { Style } from './style.js';
import { formatMs } from '../units.js';

export function renderGrpcSection(facts: ProbeFacts, style: Style): string[] {
  const g = facts.grpc;
  if (!g) return [];
  const out: string[] = [style.bold('gRPC')];
  if (g.mode === 'detected') out.push(`  detected: ${g.detectedBy}; probed as gRPC`);
  if (g.notGrpc) {
    out.push(style.red(`  not gRPC: ${g.notGrpc}`), '');
    return out;
  }
  if (g.health) {
    const h = g.health;
    const color = h.status === 'SERVING' ? style.green : h.status === 'NOT_SERVING' || h.status === 'FAILED' ? style.red : style.yellow;
    out.push(`  health ${h.service ? `'${h.service}'` : '(server)'}: ${color(h.status)}${h.status === 'FAILED' ? ` (${h.grpcStatus}${h.message ? `: ${h.message}` : ''})` : ''}${h.ms !== null ? `, ${formatMs(h.ms)}` : ''}`);
  }
  if (g.reflection) {
    const r = g.reflection;
    out.push(r.services ? `  services (reflection ${r.version}): ${r.services.join(', ') || '(none)'}` : `  reflection: not available (${r.error})`);
  }
  const counts = Object.entries(g.statusCounts).sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${c}`).join(', ');
  out.push(`  calls to ${g.method}: ${counts || 'none completed'}`);
  const k = g.keepalive;
  if (k) {
    const verdict = k.rejected && k.goaway
      ? style.yellow(`GOAWAY ${h2ErrorName(k.goaway.errorCode)} "${k.goaway.debugData}" after ${k.goaway.afterPings} PING(s), ${formatMs(k.goaway.afterMs)}`)
      : k.goaway
        ? `GOAWAY ${h2ErrorName(k.goaway.errorCode)}${k.goaway.debugData ? ` "${k.goaway.debugData}"` : ''} after ${k.goaway.afterPings} PING(s)`
        : k.closedWithoutGoaway ? style.yellow('closed without GOAWAY') : style.green('accepted');
    out.push(`  keep-alive: ${k.pingsSent} PING(s) ${k.intervalMs} ms apart with no call active, ${k.pingsAcked} acked: ${verdict}`);
  }
  const w = g.watch;
  if (w) {
    const how = w.serverCloses === 0 ? 'no close by the server' : `${w.serverCloses} close(s) by the server, ${w.graceful ? 'graceful (two GOAWAYs)' : 'abrupt'}`;
    out.push(`  watch ${formatMs(w.watchedMs)}: ${w.calls} calls on ${w.connections} connection(s), ${how}; ${w.lost} call(s) lost, ${w.unprocessed} unprocessed`);
    for (const x of w.goaways.slice(0, 6)) out.push(`    connection ${x.connection} at ${formatMs(x.atMs)}: GOAWAY ${h2ErrorName(x.errorCode)} last-stream-id=${x.lastStreamId}${x.debugData ? ` "${x.debugData}"` : ''}`);
  }
  out.push('');
  return out;
}
