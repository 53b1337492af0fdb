/**
 * Checks a TLS certificate and its private key before Gantry serves them: both parse, the key is
 * the certificate's, the certificate is valid now, and the names it covers are known.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { InvalidInput } from './errors';

export interface CertificateInfo {
  hostnames: string[];
  notBefore: Date;
  notAfter: Date;
  fingerprint: string;
  /** The PEM of the certificate and its chain, normalised. */
  certPem: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function inspectCertificate(certPem: string, keyPem: string, now = new Date()): CertificateInfo {
  const blocks = certPem.match(PEM_BLOCK);
  if (!blocks?.length) throw new InvalidInput('The certificate is not PEM (-----BEGIN CERTIFICATE-----).');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(blocks[0]!);
  } catch (err) {
    throw new InvalidInput(`The certificate cannot be read: ${(err as Error).message}`);
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new InvalidInput(`The private key cannot be read (it must be PEM, not encrypted): ${(err as Error).message}`);
  }
  if (!cert.checkPrivateKey(key)) throw new InvalidInput('The private key does not belong to this certificate.');
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (notAfter <= now) throw new InvalidInput(`The certificate expired on ${notAfter.toISOString().slice(0, 10)}.`);
  if (notBefore > now) throw new InvalidInput(`The certificate is not valid before ${notBefore.toISOString()}.`);
  const names = new Set<string>();
  for (const part of (cert.subjectAltName ?? '').split(/,\s*/)) if (part.startsWith('DNS:')) names.add(part.slice(4).toLowerCase());
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1]?.trim().toLowerCase();
  if (cn && names.size === 0) names.add(cn);
  if (names.size === 0) throw new InvalidInput('The certificate names no host (no DNS subject alternative name or CN).');
  return { hostnames: [...names].sort(), notBefore, notAfter, fingerprint: cert.fingerprint256, certPem: blocks.join('\n') + '\n' };
}
