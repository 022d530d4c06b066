import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { startChaos } from './start-chaos.js';

// The upstream socket reads into a reused buffer (read-relay.ts): a write the kernel does not
// take whole still points into it, so reading must wait, or the next read overwrites bytes in
// flight. A reader that keeps pausing makes such writes common; the bytes must arrive intact.

const SIZE = 8 * 1024 * 1024;
const data = randomBytes(SIZE);
const digest = createHash('sha256').update(data).digest('hex');

const upstream = net.createServer((s) => {
  s.on('error', () => {});
  let off = 0;
  // Uneven writes, so reads do not line up with anything.
  const pump = () => {
    while (off < SIZE) {
      const n = Math.min(SIZE - off, 1 + ((off * 7919) % 200_000));
      const ok = s.write(data.subarray(off, off + n));
      off += n;
      if (!ok) return void s.once('drain', pump);
    }
    s.end();
  };
  pump();
});
const listening = new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
after(() => upstream.close());

function download(port: number, stallEvery: number): Promise<{ bytes: number; digest: string }> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let bytes = 0, chunks = 0;
    const s = net.connect(port, '127.0.0.1');
    s.on('data', (d: Buffer) => {
      h.update(d);
      bytes += d.length;
      if (++chunks % stallEvery === 0) {
        s.pause();
        setTimeout(() => s.resume(), 2);
      }
    });
    s.on('end', () => resolve({ bytes, digest: h.digest('hex') }));
    s.on('error', reject);
  });
}

for (const faults of [[], ['latency 5ms:down'], ['slice 1000:down']]) {
  test(`bytes arrive intact through a reused read buffer, faults ${JSON.stringify(faults)}`, async () => {
    await listening;
    const px = await startChaos({ upstream: `127.0.0.1:${(upstream.address() as net.AddressInfo).port}`, faults });
    try {
      const port = Number(px.url.split(':').pop());
      for (const stallEvery of [1_000_000, 3]) {
        const got = await download(port, stallEvery);
        assert.equal(got.bytes, SIZE);
        assert.equal(got.digest, digest);
      }
    } finally {
      await px.close();
    }
  });
}
