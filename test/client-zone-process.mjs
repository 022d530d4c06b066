// One zone of the client's tests as a process of its own, so a test can freeze it (SIGSTOP:
// connections stay open, nothing answers, as in a zone outage or a partition) or kill it.
// Cleartext HTTP/2 (h2c) on 127.0.0.1, port 0; prints the port on stdout.
// Flags: --zone NAME (the body), --slow-share S --slow-ms MS (a random share of requests
// answers late), --status N (what non-health requests answer), --seed N. A request whose query
// has `stall=1` answers after --slow-ms the first time its `id` arrives, at once after that:
// a transient stall (GC pause, lock, cold cache) that a copy sent later does not meet.
import http2 from 'node:http2';

const args = new Map();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const zone = args.get('zone') ?? 'z';
const slowShare = Number(args.get('slow-share') ?? 0);
const slowMs = Number(args.get('slow-ms') ?? 0);
const status = Number(args.get('status') ?? 200);
// mulberry32: a seeded source, so which requests are slow is reproducible per process.
let seed = Number(args.get('seed') ?? 1) >>> 0;
function random() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

let slow = 0;
/** Request ids seen (for `stall=1`). */
const seen = new Set();
let served = 0;
const server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
server.on('sessionError', () => {});
server.on('stream', (stream, headers) => {
  stream.on('error', () => {});
  const path = String(headers[':path']);
  if (path === '/health') {
    stream.respond({ ':status': 200 });
    stream.end('ok');
    return;
  }
  if (path === '/counts') {
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.end(JSON.stringify({ served, slow }));
    return;
  }
  served++;
  const query = new URLSearchParams(path.split('?')[1] ?? '');
  const stalled = query.get('stall') === '1' && !seen.has(query.get('id'));
  if (query.has('id')) seen.add(query.get('id'));
  const answer = () => {
    if (stream.destroyed || stream.closed) return;
    stream.respond({ ':status': status });
    stream.end(zone);
  };
  if (stalled || (slowShare > 0 && random() < slowShare)) {
    slow++;
    const timer = setTimeout(answer, slowMs);
    // A cancelled hedge loser frees its timer at once.
    stream.once('close', () => clearTimeout(timer));
  } else answer();
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
