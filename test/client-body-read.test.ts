// Reading bodies: small ones arrive whole with their headers and are read ahead; large ones
// stop at the read-ahead bound and continue when the caller reads. Every way of reading must
// give the exact bytes, in order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type H2Client } from '../src/client/index.js';
import { rootCa, startServer, type TestServer } from './client-fixtures.js';

let server: TestServer;
let client: H2Client;
const large = Buffer.alloc(300_000);
for (let i = 0; i < large.length; i++) large[i] = (i * 7 + (i >> 9)) & 0xff;

before(async () => {
  server = await startServer((stream, headers) => {
    const path = headers[':path'];
    if (path === '/json') {
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ sku: 'A-1', stock: 7 }));
    } else if (path === '/large') {
      stream.respond({ ':status': 200 });
      stream.end(large);
    } else if (path === '/empty') {
      stream.respond({ ':status': 204 }, { endStream: true });
    } else {
      stream.respond({ ':status': 200 });
      stream.end('small body');
    }
  });
  client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() } });
});
after(async () => {
  await client.close();
  await server.close();
});

async function collect(readable: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

test('json(), text() and arrayBuffer() of small bodies', async () => {
  assert.deepEqual(await (await client.request({ path: '/json' })).json(), { sku: 'A-1', stock: 7 });
  assert.equal(await (await client.request({ path: '/small' })).text(), 'small body');
  const res = await client.request({ path: '/small' });
  await new Promise((r) => setTimeout(r, 50)); // the body has surely arrived and been read ahead
  assert.equal((await res.arrayBuffer()).toString(), 'small body');
  await assert.rejects(res.text(), TypeError, 'a body is read once');
});

test('a large body read late arrives whole and in order', async () => {
  const res = await client.request({ path: '/large' });
  await new Promise((r) => setTimeout(r, 100)); // read-ahead stops at its bound meanwhile
  assert.ok(large.equals(await res.arrayBuffer()));
});

test('.body streams small and large bodies exactly, read-ahead bytes first', async () => {
  const small = await client.request({ path: '/small' });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await collect(small.body)).toString(), 'small body');
  const big = await client.request({ path: '/large' });
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(large.equals(await collect(big.body)));
});

test('a body-less response needs no reading and is no leak', async () => {
  const res = await client.request({ path: '/empty' });
  assert.equal(res.status, 204);
  assert.equal(res.bodyUsed, true);
  assert.equal(client.stats().leaks, 0);
});
