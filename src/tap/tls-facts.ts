/**
 * TLS facts of a tapped connection, read from the inner `TLSSocket`.
 *
 * node:http2 sees the tap, not the TLS socket, so `session.alpnProtocol` reads `h2c` and
 * `session.encrypted` is false: ALPN, version, cipher, resumption and the peer's chain have to
 * come from the socket under the tap.
 */
import { TLSSocket, type DetailedPeerCertificate } from 'node:tls';
import type { Socket } from 'node:net';

/** One certificate the peer presented. */
export interface PeerCert {
  /** Subject distinguished name, e.g. `CN=localhost, O=Example`. */
  subject: string;
  /** Issuer distinguished name. */
  issuer: string;
  /** Not-before, as OpenSSL prints it (e.g. `Nov 24 19:00:00 2026 GMT`). */
  validFrom: string;
  /** Not-after, as OpenSSL prints it. */
  validTo: string;
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint256: string;
  /** DER bytes, base64. */
  raw: string;
}

/** What the TLS handshake settled. */
export interface TlsFacts {
  /** ALPN protocol selected (`h2`), or false when none was negotiated. */
  alpn: string | false;
  /** `TLSv1.3`, `TLSv1.2`…; null before the handshake finished. */
  version: string | null;
  /** OpenSSL cipher name; null before the handshake finished. */
  cipher: string | null;
  /** The session was resumed (ticket or session id), so the full handshake was skipped. */
  resumed: boolean;
  /** The peer's certificate verified against the trusted CAs. */
  authorized: boolean;
  /** Why verification failed (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`…), or null. */
  authorizationError: string | null;
  /** The chain as the peer sent it and OpenSSL built it, leaf first; empty if none. */
  peerChain: PeerCert[];
}

/** Reads the TLS facts of `socket`, or null when it is not a TLS socket. */
export function readTlsFacts(socket: Socket): TlsFacts | null {
  if (!(socket instanceof TLSSocket)) return null;
  const alpn = socket.alpnProtocol ?? false;
  const cipher = socket.getCipher() as { name?: string } | undefined;
  const err = socket.authorizationError as unknown;
  return {
    alpn: typeof alpn === 'string' && alpn.length > 0 ? alpn : false,
    version: socket.getProtocol() ?? null,
    cipher: cipher?.name ?? null,
    resumed: socket.isSessionReused(),
    authorized: socket.authorized,
    authorizationError: err == null ? null : err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err),
    peerChain: peerChain(socket),
  };
}

/**
 * Walks `issuerCertificate` links from the leaf. OpenSSL ends the walk with a self-issued
 * certificate pointing at itself; the seen-set also guards against any other loop.
 */
function peerChain(socket: TLSSocket): PeerCert[] {
  const chain: PeerCert[] = [];
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push({
      subject: distinguishedName(cert.subject),
      issuer: distinguishedName(cert.issuer),
      validFrom: cert.valid_from,
      validTo: cert.valid_to,
      fingerprint256: cert.fingerprint256,
      raw: cert.raw.toString('base64'),
    });
    cert = cert.issuerCertificate;
  }
  return chain;
}

function distinguishedName(name: object | undefined): string {
  if (!name) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(name)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${key}=${String(v)}`);
  }
  return parts.join(', ');
}
