/**
 * How Gantry talks to a host's Docker engine, and the rule that keeps it safe: a Docker API is
 * root on its machine, so a tcp:// engine is reached with a TLS client certificate (the engine runs
 * with --tlsverify), and plain tcp:// only when an admin says --insecure. unix:// needs neither.
 *
 *   unix:///var/run/docker.sock           local socket: no TLS
 *   tcp://10.0.0.2:2376 + ca, cert, key   mutual TLS: the engine checks our certificate, we check its
 *   tcp://10.0.0.2:2375 + insecure        plain HTTP: whoever reaches that port controls the engine
 *
 * The client key is stored sealed (secretbox.ts) in Postgres and in the Redis host registry; only
 * the processes that connect (agent, API probe) open it.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { InvalidInput } from './errors';
import { open, seal } from './secretbox';

/** TLS material of a Docker engine connection, PEM text. */
export interface DockerTls {
  /** The CA that signed the engine's server certificate. */
  ca: string;
  /** Our client certificate, signed by a CA the engine trusts (its --tlscacert). */
  cert: string;
  key: string;
}

/** DockerTls with the key sealed by the installation secret: what Postgres and Redis hold. */
export interface SealedDockerTls {
  ca: string;
  cert: string;
  keyEncrypted: string;
}

export type DockerTransport = 'unix' | 'tls' | 'insecure';

export interface DockerEndpointInput {
  dockerUrl: string;
  tls?: DockerTls;
  /** The admin accepts a tcp:// engine without TLS. */
  insecure?: boolean;
}

export const INSECURE_DOCKER_WARNING =
  'This Docker API has no TLS: anyone who can reach its port controls the engine and every container on it. Use TLS client certificates (--tls-ca, --tls-cert, --tls-key) or run gantry-agent on that machine (--remote) instead.';

function pemProblem(tls: DockerTls): string | null {
  let ca: X509Certificate;
  let cert: X509Certificate;
  try {
    ca = new X509Certificate(tls.ca);
  } catch {
    return 'the CA certificate (--tls-ca) is not a PEM certificate';
  }
  try {
    cert = new X509Certificate(tls.cert);
  } catch {
    return 'the client certificate (--tls-cert) is not a PEM certificate';
  }
  let key;
  try {
    key = createPrivateKey(tls.key);
  } catch {
    return 'the client key (--tls-key) is not a PEM private key';
  }
  if (!cert.checkPrivateKey(key)) return 'the client key (--tls-key) does not belong to the client certificate (--tls-cert)';
  if (!ca.ca) return 'the CA certificate (--tls-ca) is not a CA (basicConstraints CA:TRUE)';
  const now = Date.now();
  if (Date.parse(cert.validTo) < now) return `the client certificate expired on ${cert.validTo}`;
  if (Date.parse(ca.validTo) < now) return `the CA certificate expired on ${ca.validTo}`;
  return null;
}

/**
 * Which transport an engine address and its options make, or InvalidInput saying what is wrong:
 * a URL that is neither unix:// nor tcp://, TLS on a unix socket, incomplete or unreadable TLS
 * material, or plain tcp:// without `insecure`.
 */
export function checkDockerEndpoint(input: DockerEndpointInput): DockerTransport {
  let url: URL | undefined;
  try {
    url = new URL(input.dockerUrl);
  } catch {
    /* below */
  }
  const usage = 'use unix:///var/run/docker.sock, or tcp://IP:2376 with TLS client certificates';
  if (!url || !((url.protocol === 'tcp:' && url.hostname) || (url.protocol === 'unix:' && url.pathname && url.pathname !== '/'))) {
    throw new InvalidInput(`Invalid Docker URL ${JSON.stringify(input.dockerUrl)}: ${usage}.`);
  }
  const tls = input.tls;
  if (url.protocol === 'unix:') {
    if (tls) throw new InvalidInput('TLS certificates apply to tcp:// engines only: a unix:// socket is local and needs none.');
    return 'unix';
  }
  if (tls) {
    const missing = (['ca', 'cert', 'key'] as const).filter((k) => typeof tls[k] !== 'string' || !tls[k].trim());
    if (missing.length) throw new InvalidInput(`TLS to a Docker engine needs the CA, the client certificate and its key; missing: ${missing.join(', ')}.`);
    const problem = pemProblem(tls);
    if (problem) throw new InvalidInput(`Invalid TLS material for ${input.dockerUrl}: ${problem}.`);
    return 'tls';
  }
  if (!input.insecure) {
    throw new InvalidInput(
      `Refusing ${input.dockerUrl} without TLS: anyone who can reach that port controls the engine. Give TLS client certificates (--tls-ca, --tls-cert, --tls-key; the engine runs with --tlsverify), run gantry-agent on that machine (--remote), or accept the risk with --insecure.`,
    );
  }
  return 'insecure';
}

export function sealDockerTls(tls: DockerTls, secret: string): SealedDockerTls {
  return { ca: tls.ca, cert: tls.cert, keyEncrypted: seal(tls.key, secret) };
}

/** Throws, saying so, when the key was sealed with another installation secret (GANTRY_SECRET). */
export function openDockerTls(sealed: SealedDockerTls, secret: string): DockerTls {
  let key: string;
  try {
    key = open(sealed.keyEncrypted, secret);
  } catch {
    throw new Error('Cannot open the Docker TLS client key: it was sealed with another GANTRY_SECRET than this process has.');
  }
  return { ca: sealed.ca, cert: sealed.cert, key };
}
