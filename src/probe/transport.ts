/**
 * Step 1 of the probe: DNS, TCP connect and (for https) the TLS handshake, each timed and
 * bounded. The TLS socket is made here with node:tls, not by node:http2, so that the wire tap
 * can sit above it and so that verification can be *reported* rather than only enforced.
 */
import { lookup } from 'node:dns/promises';
import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import type { Clock } from '../clock.js';
import { fromSystemError } from '../errors.js';
import type { CertFacts, TlsFacts } from './facts.js';
import { boundedStep } from './step.js';

export interface TransportOptions {
  url: URL;
  /** Extra trust anchors (PEM), added to the system store. */
  ca: string[];
  /** ALPN protocols to offer. */
  alpn: string[];
  /** A saved TLS session to offer for resumption. */
  session?: Buffer;
  timeoutMs: number;
  clock: Clock;
}

export interface OpenedTransport {
  socket: Socket | TLSSocket;
  tls: TLSSocket | null;
  address: string;
  dnsMs: number;
  connectMs: number;
  /** TLS handshake time; null for h2c. */
  tlsMs: number | null;
  /** The newest TLS session the server gave (TLS 1.3 tickets arrive after the handshake). */
  latestSession(): Buffer | null;
}

/** The host without the brackets URL keeps around IPv6 literals. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export function portOf(url: URL): number {
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

export async function openTransport(options: TransportOptions, signal?: AbortSignal): Promise<OpenedTransport> {
  const { url, clock, timeoutMs } = options;
  const host = hostOf(url);
  const port = portOf(url);
  const where = `${host}:${port}`;

  let t = clock.now();
  const address = isIP(host)
    ? host
    : await boundedStep(`DNS lookup of ${host}`, timeoutMs, async () => {
      try {
        return (await lookup(host)).address;
      } catch (err) {
        throw fromSystemError(err, `DNS lookup of ${host}`);
      }
    }, () => {}, signal);
  const dnsMs = clock.now() - t;

  t = clock.now();
  const tcp = tcpConnect({ host: address, port });
  await boundedStep(`connect ${where}`, timeoutMs, () => new Promise<void>((resolve, reject) => {
    tcp.once('connect', () => { tcp.removeAllListeners('error'); resolve(); });
    tcp.once('error', (err) => reject(fromSystemError(err, `connect ${where}`)));
  }), () => tcp.destroy(), signal);
  tcp.setNoDelay(true); // no Nagle floor on small frames (pitfalls: Nagle / delayed ACK)
  const connectMs = clock.now() - t;

  if (url.protocol !== 'https:') {
    return { socket: tcp, tls: null, address, dnsMs, connectMs, tlsMs: null, latestSession: () => null };
  }

  t = clock.now();
  let session: Buffer | null = null;
  const tls = tlsConnect({
    socket: tcp,
    servername: isIP(host) ? undefined : host,
    ALPNProtocols: options.alpn,
    ca: options.ca.length ? [...rootCertificates, ...options.ca] : undefined,
    // Verification is judged and reported by the probe (TlsFacts.verified), not enforced here.
    rejectUnauthorized: false,
    session: options.session,
  });
  tls.on('session', (s: Buffer) => { session = s; });
  await boundedStep(`TLS handshake with ${where}`, timeoutMs, () => new Promise<void>((resolve, reject) => {
    tls.once('secureConnect', () => { tls.removeAllListeners('error'); resolve(); });
    tls.once('error', (err) => reject(fromSystemError(err, `TLS handshake with ${where}`)));
    tls.once('close', () => reject(fromSystemError(Object.assign(new Error('the server closed the connection during the TLS handshake'), { code: 'ERR_TLS_CLOSED' }), `TLS handshake with ${where}`)));
  }), () => tls.destroy(), signal);
  tls.removeAllListeners('close');
  const tlsMs = clock.now() - t;
  // An error after the handshake is handled by the session layer; keep it from being unhandled.
  tls.on('error', () => {});
  return { socket: tls, tls, address, dnsMs, connectMs, tlsMs, latestSession: () => session };
}

/** First CN of a subject/issuer, or the whole name. */
function commonName(name: Record<string, string | string[]> | undefined): string {
  if (!name) return '';
  const cn = name.CN;
  if (cn) return Array.isArray(cn) ? cn[0]! : cn;
  return Object.entries(name).map(([k, v]) => `${k}=${String(v)}`).join(', ');
}

/**
 * The chain as the server presented it, leaf first. Node walks `issuerCertificate` links
 * through the chain OpenSSL built, which ends at the trust anchor taken from the local store;
 * servers rarely send their root, so a trailing self-signed certificate is left out.
 */
export function presentedChain(tls: TLSSocket): CertFacts[] {
  const out: CertFacts[] = [];
  const seen = new Set<string>();
  let cert: DetailedPeerCertificate | undefined = tls.getPeerCertificate(true);
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const subject = commonName(cert.subject as unknown as Record<string, string>);
    const issuer = commonName(cert.issuer as unknown as Record<string, string>);
    const selfSigned = cert.issuerCertificate === cert || cert.issuerCertificate?.fingerprint256 === cert.fingerprint256;
    out.push({ subject, issuer, validFrom: new Date(cert.valid_from).toISOString(), validTo: new Date(cert.valid_to).toISOString(), selfSigned });
    cert = cert.issuerCertificate;
  }
  if (out.length > 1 && out[out.length - 1]!.selfSigned) out.pop();
  return out;
}

export function tlsFactsOf(transport: OpenedTransport, alpnOffered: string[]): TlsFacts | null {
  const tls = transport.tls;
  if (!tls) return null;
  const err = tls.authorizationError as unknown;
  const cipher = tls.getCipher() as { name?: string } | undefined;
  return {
    alpnOffered,
    version: tls.getProtocol() ?? null,
    cipher: cipher?.name ?? null,
    chain: presentedChain(tls),
    verified: tls.authorized,
    verifyError: tls.authorized ? null : err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err ?? 'unknown'),
    handshakeMs: transport.tlsMs ?? 0,
  };
}
