import { startInventory } from './inventory.js';
import type { LabPki } from './certs.js';

/**
 * An inventory zone as a process of its own (see zone-process.ts): reads its zone name and
 * the lab PKI as one JSON line on stdin, serves, and prints its port on stdout. The lab can
 * then freeze it with SIGSTOP, which a zone in the lab's own process could not survive.
 */
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  input += chunk;
  const end = input.indexOf('\n');
  if (end < 0) return;
  const { zone, pki } = JSON.parse(input.slice(0, end)) as { zone: string; pki: LabPki };
  startInventory({ zone, pki }).then((service) => {
    process.stdout.write(`${service.port}\n`);
  });
});
// The parent going away ends the zone: stdin closes.
process.stdin.on('end', () => process.exit(0));
