import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Certificates for the socket tests and benchmarks, made on the spot: root CA → intermediate
 * CA → leaf, so no test needs certificate files, and a server can present a complete or an
 * incomplete chain, for any host names and any leaf lifetime (the expiry finding).
 *
 * Uses the `openssl` command line (present on Debian and every CI machine here) rather than a
 * JS library: Node has no API to *issue* certificates, and openssl gives real X.509 v3
 * extensions (basicConstraints, SAN) that verification checks. The lab has its own, smaller
 * PKI (src/lab/certs.ts): it ships in the package, and tests must not reach into the lab.
 */
export interface TestPki {
  /** Root CA certificate (PEM): the trust anchor clients pass as `ca`. */
  rootCert: string;
  /** Intermediate CA certificate (PEM). */
  intermediateCert: string;
  /** Leaf private key (PEM). */
  key: string;
  /** Leaf certificate alone (PEM): serving only this is an incomplete chain. */
  leafCert: string;
  /** Leaf followed by the intermediate (PEM): the complete chain a server should present. */
  chain: string;
}

export interface PkiOptions {
  /** Subject alternative names of the leaf. Default: localhost, 127.0.0.1, ::1. */
  hosts?: string[];
  /** Leaf validity in days (negative not allowed; use `notAfterDays` 0 for a cert expiring today). */
  days?: number;
}

const cache = new Map<string, TestPki>();

function run(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.split('\n')[0] || (err as Error).message}`, { cause: err });
  }
}

/** Creates (once per process and options) a root → intermediate → leaf PKI. */
export function createTestPki(options: PkiOptions = {}): TestPki {
  const hosts = options.hosts ?? ['localhost', '127.0.0.1', '::1'];
  const days = options.days ?? 30;
  const cacheKey = `${hosts.join(',')}|${days}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;

  const dir = mkdtempSync(join(tmpdir(), 'h2doctor-pki-'));
  try {
    const san = hosts.map((h) => (/^[\d.:]+$/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    writeFileSync(
      join(dir, 'ext.cnf'),
      [
        '[ca]',
        'basicConstraints=critical,CA:TRUE',
        'keyUsage=critical,keyCertSign,cRLSign',
        'subjectKeyIdentifier=hash',
        '[leaf]',
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        `subjectAltName=${san}`,
        '',
      ].join('\n'),
    );
    const key = (name: string) => run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
    key('root');
    key('int');
    key('leaf');
    run(['req', '-x509', '-new', '-key', 'root.key', '-subj', '/CN=h2doctor test root', '-days', '3650',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'root.pem'], dir);
    run(['req', '-new', '-key', 'int.key', '-subj', '/CN=h2doctor test intermediate', '-out', 'int.csr'], dir);
    run(['x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '3650',
      '-extfile', 'ext.cnf', '-extensions', 'ca', '-out', 'int.pem'], dir);
    run(['req', '-new', '-key', 'leaf.key', '-subj', `/CN=${hosts[0]}`, '-out', 'leaf.csr'], dir);
    run(['x509', '-req', '-in', 'leaf.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-days', String(days),
      '-extfile', 'ext.cnf', '-extensions', 'leaf', '-out', 'leaf.pem'], dir);
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    const pki: TestPki = {
      rootCert: read('root.pem'),
      intermediateCert: read('int.pem'),
      key: read('leaf.key'),
      leafCert: read('leaf.pem'),
      chain: read('leaf.pem') + read('int.pem'),
    };
    cache.set(cacheKey, pki);
    return pki;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
