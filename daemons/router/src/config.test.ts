import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './config.js';

const run = (argv: string[], env: Record<string, string> = {}) => {
  const p = parseCommandLine(argv, env, 4);
  if (p.kind !== 'run') throw new Error('expected run');
  return p.config;
};

describe('parseCommandLine', () => {
  it('has the defaults of the original (reference §7.1)', () => {
    const c = run([]);
    expect(c).toMatchObject({ httpPorts: [8080], httpsPorts: [4433], apiPort: 5000, tcpRangeStart: 3000, tcpRangeEnd: 3500, listenIp: '0.0.0.0', workers: 1, proxyProtocol: false, legacyTls: false });
    expect(c.cookieKey).toBeUndefined();
  });

  it('reads flags in Go and GNU forms and the environment', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const c = run(['-http-port=81', '--https-port', '444', '-api-port', '9', '--tcp-ip=10.0.0.1', '-workers', 'auto', '--routes-file', 'r.json', '-discoverd', '127.0.0.1:1111', '-access-log'], {
      COOKIE_KEY: key, PROXY_PROTOCOL: 'true', LEGACY_TLS: 'true', ADDITIONAL_HTTP_PORTS: '8081,8082', ADDITIONAL_HTTPS_PORTS: '8443', LISTEN_IP: '10.0.0.2', TLSCERT: 'c', TLSKEY: 'k', EXTERNAL_IP: '1.2.3.4',
    });
    expect(c).toMatchObject({
      httpPorts: [81, 8081, 8082], httpsPorts: [444, 8443], apiPort: 9, tcpIp: '10.0.0.1', workers: 4, routesFile: 'r.json',
      discoverd: ['http://127.0.0.1:1111'], accessLog: true, proxyProtocol: true, legacyTls: true, listenIp: '10.0.0.2', tlsCertPem: 'c', tlsKeyPem: 'k', externalIp: '1.2.3.4',
    });
    expect(c.cookieKey?.length).toBe(32);
  });

  it('takes PORT for the API and DEFAULT_* ports, with DEFAULT_HTTP_PORT=0 disabling HTTP', () => {
    expect(run([], { PORT: '6000', DEFAULT_HTTP_PORT: '0', DEFAULT_HTTPS_PORT: '443' })).toMatchObject({ apiPort: 6000, httpPorts: [], httpsPorts: [443] });
  });

  it('rejects bad input with a clear message', () => {
    for (const [argv, env, msg] of [
      [['-http-port', 'x'], {}, /http-port/],
      [['-nope'], {}, /not defined/],
      [['-workers', '300'], {}, /workers/],
      [['-tls-cert', 'a'], {}, /together/],
      [[], { COOKIE_KEY: 'c2hvcnQ=' }, /expected 32/],
      [[], { DEFAULT_HTTPS_PORT: '0' }, /cannot disable HTTPS/],
      [['-tcp-range-start', '4000', '-tcp-range-end', '3000'], {}, /range/],
      [['stray'], {}, /unexpected argument/],
    ] as const) {
      expect(() => parseCommandLine([...argv], env as Record<string, string>), String(argv)).toThrow(msg);
    }
  });

  it('prints help', () => {
    expect(parseCommandLine(['-help']).kind).toBe('help');
  });
});
