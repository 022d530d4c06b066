import http2 from 'node:http2';
const { instrument } = await import('../dist/server/index.js');
const body = JSON.stringify({ id: 42, status: 'shipped', items: 3, total: '19.90' });
const server = http2.createServer();
server.on('stream', (stream) => { stream.respond({ ':status': 200, 'content-type': 'application/json' }); stream.end(body); });
const opts = process.env.OPTS;
if (opts !== 'bare') instrument(server, { log: () => undefined, trace: { header: 'traceparent' }, ...JSON.parse(opts || '{}') });
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
