import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createTestPki } from './support/certs.js';

async function handshake(cert: string, ca: string): Promise<{ authorized: boolean; error: string | null }> {
  const pki = createTestPki();
  const server = tls.createServer({ key: pki.key, cert }, (s) => s.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const socket = tls.connect({ host: '127.0.0.1', port, ca, rejectUnauthorized: false, servername: 'localhost' });
  await once(socket, 'secureConnect');
  const result = { authorized: socket.authorized, error: socket.authorizationError ? String(socket.authorizationError) : null };
  socket.destroy();
  server.close();
  return result;
}

test('the full chain verifies against the root; the leaf alone does not', async () => {
  const pki = createTestPki();
  assert.deepEqual(await handshake(pki.chain, pki.rootCert), { authorized: true, error: null });
  const partial = await handshake(pki.leafCert, pki.rootCert);
  assert.equal(partial.authorized, false);
  assert.equal(partial.error, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
});
