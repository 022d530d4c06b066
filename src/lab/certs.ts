import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * The lab's private PKI, made on the spot so `h2doctor lab` needs no certificate files: a root
 * CA the lab's clients trust and a leaf for 127.0.0.1 / localhost it signs. The lab serves
 * real TLS (ALPN h2) because the incident it reproduces did.
 *
 * Uses the `openssl` command line rather than a JS library: Node has no API to *issue*
 * certificates. The tests have their own, fuller PKI (test/support/certs.ts: intermediate CA,
 * incomplete chains, short lifetimes), which the lab does not need.
 */
export interface LabPki {
  /** Root CA certificate (PEM): the trust anchor the lab's clients pass as `ca`. */
  rootCert: string;
  /** Leaf private key (PEM). */
  key: string;
  /** Leaf certificate (PEM), signed by the root: what the lab's servers present. */
  chain: string;
}

let made: LabPki | undefined;

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new ConfigError(`openssl ${args[0]} failed: ${stderr.split('\n')[0] || (err as Error).message}`, { cause: err });
  }
}

/** Creates (once per process) the lab's root → leaf PKI. */
export function createLabPki(): LabPki {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'h2doctor-lab-pki-'));
  try {
    const key = (name: string) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
    key('root');
    key('leaf');
    openssl(['req', '-x509', '-new', '-key', 'root.key', '-subj', '/CN=h2doctor lab root', '-days', '3650',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'root.pem'], dir);
    openssl(['req', '-x509', '-new', '-key', 'leaf.key', '-subj', '/CN=localhost', '-days', '30', '-CA', 'root.pem', '-CAkey', 'root.key',
      '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=serverAuth',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1', '-out', 'leaf.pem'], dir);
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    made = { rootCert: read('root.pem'), key: read('leaf.key'), chain: read('leaf.pem') };
    return made;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
