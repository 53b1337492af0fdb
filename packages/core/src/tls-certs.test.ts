import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nameCovers } from './hostnames';
import { open, seal } from './secretbox';
import { inspectCertificate } from './tls-certs';

/** A self-signed certificate and key made by openssl, as a user would bring them. */
function makeCert(cn: string, sans: string[]): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-cert-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${sans.map((s) => `DNS:${s}`).join(',')}`,
  ], { stdio: 'ignore' });
  return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
}

describe('TLS certificates', () => {
  const a = makeCert('shop.example.com', ['shop.example.com', '*.shop.example.com']);
  const b = makeCert('other.example.com', ['other.example.com']);

  it('reads the names, validity and fingerprint of a matching pair', () => {
    const info = inspectCertificate(a.cert, a.key);
    expect(info.hostnames).toEqual(['*.shop.example.com', 'shop.example.com']);
    expect(info.notAfter.getTime()).toBeGreaterThan(Date.now());
    expect(info.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it.each([
    ['a key of another certificate', () => inspectCertificate(a.cert, b.key), /does not belong/],
    ['not a certificate', () => inspectCertificate('hello', a.key), /not PEM/],
    ['not a key', () => inspectCertificate(a.cert, 'nope'), /private key cannot be read/],
    ['an expired certificate', () => inspectCertificate(a.cert, a.key, new Date(Date.now() + 400 * 86_400_000)), /expired/],
    ['a certificate not valid yet', () => inspectCertificate(a.cert, a.key, new Date(Date.now() - 86_400_000)), /not valid before/],
  ])('refuses %s', (_, fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe('hostnames', () => {
  it('matches wildcard names one label deep', () => {
    expect(nameCovers('*.example.com', 'www.example.com')).toBe(true);
    expect(nameCovers('*.example.com', 'a.b.example.com')).toBe(false);
    expect(nameCovers('*.example.com', 'example.com')).toBe(false);
    expect(nameCovers('Example.com', 'example.com')).toBe(true);
  });
});

describe('secretbox', () => {
  it('seals and opens, and refuses another secret or a tampered box', () => {
    const box = seal('private key', 's'.repeat(32));
    expect(box).not.toContain('private key');
    expect(open(box, 's'.repeat(32))).toBe('private key');
    expect(() => open(box, 't'.repeat(32))).toThrow();
    const [v, iv, tag, data] = box.split(':');
    expect(() => open([v, iv, tag, data!.slice(0, -2) + 'AA'].join(':'), 's'.repeat(32))).toThrow();
  });
});
