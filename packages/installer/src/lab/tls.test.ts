import { describe, expect, it } from 'vitest';
import { CLIENT_EXTENSIONS, caArgv, labTlsFiles, leafArgvs, serverExtensions } from './tls';

const files = labTlsFiles('/var/lib/gantry-lab/t');

describe('lab TLS material', () => {
  it('makes a CA and signs leaves with openssl argv arrays (no shell)', () => {
    const ca = caArgv(files, 't');
    expect(ca.slice(0, 3)).toEqual(['openssl', 'req', '-x509']);
    expect(ca).toContain('basicConstraints=critical,CA:TRUE');
    const [req, sign] = leafArgvs(files, 't-a', '/k.pem', '/c.pem', '/c.ext', 2);
    expect(req).toEqual(['openssl', 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '/k.pem', '-out', '/c.pem.csr', '-subj', '/CN=t-a']);
    expect(sign).toContain('/var/lib/gantry-lab/t/tls/ca-key.pem');
    expect(sign.slice(-4)).toEqual(['-extfile', '/c.ext', '-out', '/c.pem']);
  });

  it('names the host IP in the server certificate, and makes the client certificate for client auth only', () => {
    expect(serverExtensions({ name: 't-a', address: '10.5.0.2' })).toContain('subjectAltName=IP:10.5.0.2,DNS:t-a');
    expect(serverExtensions({ name: 't-a', address: '10.5.0.2' })).toContain('extendedKeyUsage=serverAuth');
    expect(CLIENT_EXTENSIONS).toContain('extendedKeyUsage=clientAuth');
  });
});
