/**
 * TLS for a lab's Docker engines, as a real cluster should run them: one CA per lab, a server
 * certificate per host (its IP as subject alternative name, so clients verify it) and one client
 * certificate for Gantry. dockerd runs with --tlsverify: a client without a certificate of this CA
 * is refused. Made with openssl from argv arrays; P-256 keys (a few ms each), valid 2 days.
 *
 *   <libDir>/tls/ca.pem ca-key.pem                  the lab's CA
 *   <libDir>/tls/<suffix>-cert.pem <suffix>-key.pem  a host's server certificate (dockerd --tlscert/--tlskey)
 *   <libDir>/tls/client-cert.pem client-key.pem      Gantry's client certificate (hosts:add --tls-*)
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, type Argv } from './exec';
import type { HostPlan } from './plan';

export interface LabTlsFiles {
  dir: string;
  caFile: string;
  caKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  serverCertFile(host: Pick<HostPlan, 'suffix'>): string;
  serverKeyFile(host: Pick<HostPlan, 'suffix'>): string;
}

/** What a client needs to reach the lab's engines (PEM text): the `tls` of hosts:add. */
export interface LabClientTls {
  ca: string;
  cert: string;
  key: string;
}

export function labTlsFiles(libDir: string): LabTlsFiles {
  const dir = join(libDir, 'tls');
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    caKeyFile: join(dir, 'ca-key.pem'),
    clientCertFile: join(dir, 'client-cert.pem'),
    clientKeyFile: join(dir, 'client-key.pem'),
    serverCertFile: (h) => join(dir, `${h.suffix}-cert.pem`),
    serverKeyFile: (h) => join(dir, `${h.suffix}-key.pem`),
  };
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'] as const;
const DAYS = '2';

export function caArgv(files: LabTlsFiles, prefix: string): Argv {
  return [
    'openssl', 'req', '-x509', ...EC, '-keyout', files.caKeyFile, '-out', files.caFile, '-days', DAYS,
    '-subj', `/CN=gantry-lab-${prefix}-ca`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ];
}

/** A key and a signing request, then the CA's signature with the extensions in `extFile`. */
export function leafArgvs(files: LabTlsFiles, cn: string, keyFile: string, certFile: string, extFile: string, serial: number): [Argv, Argv] {
  const csr = `${certFile}.csr`;
  return [
    ['openssl', 'req', '-new', ...EC, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${cn}`],
    ['openssl', 'x509', '-req', '-in', csr, '-CA', files.caFile, '-CAkey', files.caKeyFile, '-set_serial', String(serial), '-days', DAYS, '-extfile', extFile, '-out', certFile],
  ];
}

/** The extensions of a host's server certificate and of the client certificate. */
export function serverExtensions(host: Pick<HostPlan, 'address' | 'name'>): string {
  return `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:${host.address},DNS:${host.name}\n`;
}
export const CLIENT_EXTENSIONS = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';

/** Makes the lab's CA, every host's server certificate and the client certificate; returns the client's. */
export async function makeLabTls(prefix: string, libDir: string, hosts: readonly HostPlan[]): Promise<LabClientTls> {
  const files = labTlsFiles(libDir);
  await mkdir(files.dir, { recursive: true, mode: 0o700 });
  await run(caArgv(files, prefix));
  const leaves: [string, string, string, string][] = [
    ...hosts.map((h): [string, string, string, string] => [h.name, files.serverKeyFile(h), files.serverCertFile(h), serverExtensions(h)]),
    ['gantry-lab-client', files.clientKeyFile, files.clientCertFile, CLIENT_EXTENSIONS],
  ];
  await Promise.all(
    leaves.map(async ([cn, keyFile, certFile, ext], i) => {
      const extFile = `${certFile}.ext`;
      await writeFile(extFile, ext);
      const [req, sign] = leafArgvs(files, cn, keyFile, certFile, extFile, i + 2);
      await run(req);
      await run(sign);
    }),
  );
  return labClientTls(libDir);
}

export async function labClientTls(libDir: string): Promise<LabClientTls> {
  const files = labTlsFiles(libDir);
  const [ca, cert, key] = await Promise.all([readFile(files.caFile, 'utf8'), readFile(files.clientCertFile, 'utf8'), readFile(files.clientKeyFile, 'utf8')]);
  return { ca, cert, key };
}
