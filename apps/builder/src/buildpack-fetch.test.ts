import { describe, expect, it } from 'vitest';
import { cloneArgv, cloneEnv, parseBuildpackUrl } from './buildpack-fetch';

const safety = ['-c', 'http.followRedirects=false', '-c', 'http.proxy=', '-c', 'protocol.allow=never', '-c', 'protocol.http.allow=always', '-c', 'protocol.https.allow=always'];

describe('cloneArgv', () => {
  it('pins the host to the checked addresses, after the safety settings', () => {
    const { repo, ref } = parseBuildpackUrl('https://git.example.com/bp.git#v1.2');
    expect(cloneArgv(repo, ref, '/tmp/d', ['93.184.216.34', '2606:4700::1'])).toEqual([
      ...safety,
      '-c', 'http.curloptResolve=git.example.com:443:93.184.216.34,[2606:4700::1]',
      'clone', '--quiet', '--depth', '1', '--no-recurse-submodules', '--branch', 'v1.2', '--', 'https://git.example.com/bp.git', '/tmp/d',
    ]);
  });

  it('uses the canonical URL (an IP in any notation becomes dotted) and pins no literal', () => {
    const { repo } = parseBuildpackUrl('http://0x5d.0xb8.55330:8080/bp');
    expect(cloneArgv(repo, undefined, '/d', ['93.184.216.34'])).toEqual([...safety, 'clone', '--quiet', '--depth', '1', '--no-recurse-submodules', '--', 'http://93.184.216.34:8080/bp', '/d']);
  });

  it('refuses other schemes and odd refs', () => {
    expect(() => parseBuildpackUrl('ext::sh -c id')).toThrow(/http\(s\) git URL/);
    expect(() => parseBuildpackUrl('file:///etc/bp')).toThrow(/http\(s\) git URL/);
    expect(() => parseBuildpackUrl('https://x.example/bp#--upload-pack=id')).toThrow(/not a branch or tag name/);
  });
});

describe('cloneEnv', () => {
  it('drops proxies and the user and system git config', () => {
    const env = cloneEnv({ PATH: '/bin', https_proxy: 'http://p:3128', HTTP_PROXY: 'http://p', ALL_PROXY: 'x', no_proxy: 'y' });
    expect(env).toEqual({ PATH: '/bin', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' });
  });
});
