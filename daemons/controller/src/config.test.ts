import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ConfigError, parseEnv, USAGE } from './config.js';

describe('parseEnv', () => {
  it('reads the original environment with its defaults', () => {
    expect(parseEnv({ AUTH_KEY: 'a, b,,c', DATABASE_URL: 'postgres://x/y' })).toEqual({
      port: 3000,
      listenIp: '0.0.0.0',
      authKeys: ['a', 'b', 'c'],
      nameSeed: 0,
      database: 'postgres://x/y',
      discoverd: [],
      logLevel: 'info',
    });
  });

  it('takes PG* variables, discoverd URLs, the route domain and a hex name seed', () => {
    const c = parseEnv({
      AUTH_KEY: 'k',
      PGHOST: 'db',
      PGPORT: '5433',
      PGUSER: 'u',
      PGDATABASE: 'd',
      DISCOVERD: '10.0.0.1:1111,http://10.0.0.2:1111/',
      EXTERNAL_IP: '10.0.0.9',
      DEFAULT_ROUTE_DOMAIN: 'example.com',
      NAME_SEED: 'ff00',
      PORT: '80',
    });
    expect(c).toMatchObject({
      port: 80,
      database: { host: 'db', port: 5433, user: 'u', database: 'd' },
      discoverd: ['http://10.0.0.1:1111', 'http://10.0.0.2:1111'],
      externalIp: '10.0.0.9',
      defaultRouteDomain: 'example.com',
      nameSeed: 0xff00,
    });
  });

  it('refuses a missing key, bad numbers, and discovery without an address to advertise', () => {
    expect(() => parseEnv({})).toThrow(ConfigError);
    expect(() => parseEnv({ AUTH_KEY: ',' })).toThrow(/AUTH_KEY/);
    expect(() => parseEnv({ AUTH_KEY: 'k', PORT: 'http' })).toThrow(/PORT/);
    expect(() => parseEnv({ AUTH_KEY: 'k', NAME_SEED: 'xyz' })).toThrow(/NAME_SEED/);
    expect(() => parseEnv({ AUTH_KEY: 'k', DISCOVERD: 'http://d:1111' })).toThrow(/EXTERNAL_IP/);
    expect(parseEnv({ AUTH_KEY: 'k', DISCOVERD: 'http://d:1111', LISTEN_IP: '127.0.0.1' }).discoverd).toHaveLength(1);
  });

  it('--help names every variable parseEnv reads', () => {
    const source = readFileSync(new URL('./config.ts', import.meta.url), 'utf8');
    const read = new Set([...source.matchAll(/env\.([A-Z_]+)|intVar\(env, '([A-Z_]+)'/g)].map((m) => m[1] ?? m[2]));
    expect(read.size).toBeGreaterThan(10);
    for (const name of read) expect(USAGE, name).toContain(name);
  });
});
