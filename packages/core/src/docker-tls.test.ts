import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDockerEndpoint, openDockerTls, sealDockerTls, type DockerTls } from './docker-tls';

// Real certificates from openssl (argv, no shell): a CA, a client certificate it signed, and a
// second key that belongs to neither.
const dir = mkdtempSync(join(tmpdir(), 'gantry-docker-tls-'));
const f = (name: string) => join(dir, name);
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
let good: DockerTls;
let otherKey: string;

beforeAll(() => {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', ...ec, '-keyout', f('ca-key.pem'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=test-ca', '-addext', 'basicConstraints=critical,CA:TRUE');
  openssl('req', '-new', ...ec, '-keyout', f('key.pem'), '-out', f('cert.csr'), '-subj', '/CN=client');
  writeFileSync(f('ext'), 'extendedKeyUsage=clientAuth\n');
  openssl('x509', '-req', '-in', f('cert.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca-key.pem'), '-set_serial', '2', '-days', '1', '-extfile', f('ext'), '-out', f('cert.pem'));
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', f('other-key.pem'));
  good = { ca: readFileSync(f('ca.pem'), 'utf8'), cert: readFileSync(f('cert.pem'), 'utf8'), key: readFileSync(f('key.pem'), 'utf8') };
  otherKey = readFileSync(f('other-key.pem'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Docker engine endpoints', () => {
  it('takes a unix socket, TLS with a matching client certificate, and plain tcp only with insecure', () => {
    expect(checkDockerEndpoint({ dockerUrl: 'unix:///var/run/docker.sock' })).toBe('unix');
    expect(checkDockerEndpoint({ dockerUrl: 'tcp://10.0.0.2:2376', tls: good })).toBe('tls');
    expect(checkDockerEndpoint({ dockerUrl: 'tcp://10.0.0.2:2375', insecure: true })).toBe('insecure');
  });

  it.each([
    ['plain tcp without insecure', () => ({ dockerUrl: 'tcp://10.0.0.2:2375' }), /Refusing tcp:\/\/10\.0\.0\.2:2375 without TLS: anyone who can reach that port controls the engine/],
    ['plain tcp with insecure false', () => ({ dockerUrl: 'tcp://10.0.0.2:2375', insecure: false }), /--insecure/],
    ['TLS on a unix socket', () => ({ dockerUrl: 'unix:///var/run/docker.sock', tls: good }), /tcp:\/\/ engines only/],
    ['a missing key', () => ({ dockerUrl: 'tcp://h:2376', tls: { ...good, key: '' } }), /missing: key/],
    ['a missing CA and cert', () => ({ dockerUrl: 'tcp://h:2376', tls: { ...good, ca: ' ', cert: '' } }), /missing: ca, cert/],
    ['a CA that is not PEM', () => ({ dockerUrl: 'tcp://h:2376', tls: { ...good, ca: 'nope' } }), /CA certificate \(--tls-ca\) is not a PEM certificate/],
    ['a cert that is not PEM', () => ({ dockerUrl: 'tcp://h:2376', tls: { ...good, cert: 'nope' } }), /client certificate \(--tls-cert\) is not a PEM/],
    ['a key that is not PEM', () => ({ dockerUrl: 'tcp://h:2376', tls: { ...good, key: good.cert } }), /not a PEM private key/],
    ['a key of another certificate', () => ({ dockerUrl: 'tcp://h:2376', tls: { ...good, key: otherKey } }), /does not belong to the client certificate/],
    ['a CA that is no CA', () => ({ dockerUrl: 'tcp://h:2376', tls: { ...good, ca: good.cert } }), /is not a CA/],
    ['an http URL', () => ({ dockerUrl: 'http://10.0.0.2:2375', insecure: true }), /Invalid Docker URL/],
    ['no scheme', () => ({ dockerUrl: '10.0.0.2:2375', insecure: true }), /Invalid Docker URL/],
    ['an empty unix path', () => ({ dockerUrl: 'unix://' }), /Invalid Docker URL/],
  ])('refuses %s', (_, input, message) => {
    expect(() => checkDockerEndpoint(input())).toThrow(message);
    try {
      checkDockerEndpoint(input());
    } catch (err) {
      expect((err as { id: string }).id).toBe('invalid_input');
    }
  });

  it('seals the client key with the installation secret and opens it only with that secret', () => {
    const sealed = sealDockerTls(good, 'a-secret-of-sixteen-chars');
    expect(sealed.keyEncrypted).toMatch(/^v1:/);
    expect(JSON.stringify(sealed)).not.toContain('PRIVATE KEY');
    expect(openDockerTls(sealed, 'a-secret-of-sixteen-chars')).toEqual(good);
    expect(() => openDockerTls(sealed, 'another-secret-0123456')).toThrow(/sealed with another GANTRY_SECRET/);
  });
});
