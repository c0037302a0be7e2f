import { describe, expect, it } from 'vitest';
import { normalizePrefix, parsePeerAddress } from './http-transport-address.js';

describe('parsePeerAddress', () => {
  it('accepts host:port under the default prefix', () => {
    expect(parsePeerAddress('127.0.0.1:7000', '/raft')).toEqual({ origin: 'http://127.0.0.1:7000', prefix: '/raft' });
    expect(parsePeerAddress('node-1.local:80', 'raft/')).toEqual({ origin: 'http://node-1.local', prefix: '/raft' });
    expect(parsePeerAddress('[::1]:7000', '/raft')).toEqual({ origin: 'http://[::1]:7000', prefix: '/raft' });
  });

  it('accepts full URLs, taking their path as the prefix', () => {
    expect(parsePeerAddress('http://10.0.0.1:8080', '/raft')).toEqual({ origin: 'http://10.0.0.1:8080', prefix: '/raft' });
    expect(parsePeerAddress('https://h:8443/cluster/raft/', '/raft')).toEqual({ origin: 'https://h:8443', prefix: '/cluster/raft' });
  });

  it('rejects everything else with FLYNN_RAFT_BAD_ADDRESS', () => {
    for (const bad of ['', 'host', 'host:port', 'host:1/path', 'ftp://h:1', 'http://u:p@h:1', 'http://h:1/?q', 'http://h:1/#f', '::1:80']) {
      expect(() => parsePeerAddress(bad, '/raft'), bad).toThrow(expect.objectContaining({ code: 'FLYNN_RAFT_BAD_ADDRESS' }));
    }
  });

  it('normalises prefixes', () => {
    expect(normalizePrefix('/')).toBe('');
    expect(normalizePrefix('raft')).toBe('/raft');
    expect(normalizePrefix('/a/b//')).toBe('/a/b');
  });
});
