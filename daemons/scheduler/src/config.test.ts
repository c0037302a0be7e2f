import { describe, expect, it } from 'vitest';
import { bytes, ConfigError, parseEnv } from './config.js';

describe('parseEnv', () => {
  it('reads discoverd, the key and the defaults', () => {
    expect(parseEnv({ DISCOVERD: '10.0.0.1:1111, http://10.0.0.2:1111/', AUTH_KEY: 'k1,k2' })).toEqual({
      discoverd: ['http://10.0.0.1:1111', 'http://10.0.0.2:1111'],
      controllerUrls: [],
      controllerKey: 'k1',
      port: 3000,
      listenIp: '0.0.0.0',
      advertiseIp: '127.0.0.1',
      logLevel: 'info',
    });
  });

  it('takes controller URLs, a specific key, addresses and host capacity', () => {
    const c = parseEnv({
      DISCOVERD: 'http://d:1111',
      CONTROLLER_URL: 'http://c1:3000,c2:3000',
      CONTROLLER_KEY: 'ck',
      AUTH_KEY: 'ak',
      PORT: '0',
      LISTEN_IP: '10.0.0.5',
      // No database: the deployer reports through the controller API; PG* and DATABASE_URL are ignored.
      PGHOST: 'db',
      DATABASE_URL: 'postgres://x/y',
      HOST_MEMORY: '8GiB',
      HOST_CPU: '4000',
      SCHEDULER_NAME: 's1',
      LOG_LEVEL: 'debug',
    });
    expect(c).toMatchObject({
      controllerUrls: ['http://c1:3000', 'http://c2:3000'],
      controllerKey: 'ck',
      port: 0,
      advertiseIp: '10.0.0.5',
      hostMemory: 8 * 1024 ** 3,
      hostCpu: 4000,
      name: 's1',
      logLevel: 'debug',
    });
    expect(c).not.toHaveProperty('database');
    expect(parseEnv({ DISCOVERD: 'd:1', AUTH_KEY: 'k', EXTERNAL_IP: '10.1.1.1' })).toMatchObject({ advertiseIp: '10.1.1.1' });
  });

  it('refuses what it cannot use', () => {
    expect(() => parseEnv({ AUTH_KEY: 'k' })).toThrow(/DISCOVERD/);
    expect(() => parseEnv({ DISCOVERD: 'd:1' })).toThrow(ConfigError);
    expect(() => parseEnv({ DISCOVERD: 'd:1', AUTH_KEY: 'k', PORT: 'x' })).toThrow(/PORT/);
    expect(() => parseEnv({ DISCOVERD: 'd:1', AUTH_KEY: 'k', HOST_MEMORY: 'lots' })).toThrow(/HOST_MEMORY/);
    expect(() => parseEnv({ DISCOVERD: 'd:1', AUTH_KEY: 'k', HOST_CPU: '0' })).toThrow(/HOST_CPU/);
    expect(() => parseEnv({ DISCOVERD: 'd:1', AUTH_KEY: 'k', LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => parseEnv({ DISCOVERD: 'http://[bad', AUTH_KEY: 'k' })).toThrow(/DISCOVERD/);
  });

  it('parses sizes', () => {
    expect(bytes('512M')).toBe(512 * 1024 ** 2);
    expect(bytes('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(bytes('1024')).toBe(1024);
    expect(() => bytes('0')).toThrow(ConfigError);
  });
});
