/** Wire taps on the server side of a socket test. */
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import { createTap, type WireTap } from '../../src/tap/wire-tap.js';

/**
 * A plain TCP listener on 127.0.0.1 in front of `server`: each accepted socket is wrapped in a
 * server-role tap (pushed to `taps`) before node:http2 sees it, so the tap reports what the
 * server read and wrote. Close it with `front.close()`; `server` stays the caller's.
 */
export async function listenTapped(server: http2.Http2Server, taps: WireTap[]): Promise<{ front: net.Server; port: number }> {
  const front = net.createServer((socket) => {
    const tap = createTap(socket, { role: 'server', record: true });
    taps.push(tap);
    server.emit('connection', tap);
  });
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  return { front, port: (front.address() as net.AddressInfo).port };
}

/** An h2c node:http2 session to 127.0.0.1:`port` whose socket is a recording client-side tap. */
export function connectTapped(port: number): { tap: WireTap; session: http2.ClientHttp2Session } {
  const tap = createTap(net.connect(port, '127.0.0.1'), { record: true });
  const session = http2.connect(`http://127.0.0.1:${port}`, { createConnection: () => tap });
  return { tap, session };
}
