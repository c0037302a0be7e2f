import { describe, expect, it } from 'vitest';
import { ServerList } from './server-list.js';

describe('ServerList', () => {
  it('needs at least one server and trims trailing slashes', () => {
    expect(() => new ServerList([])).toThrow(/at least one/);
    expect(new ServerList(['http://a:1/', 'http://a:1']).list).toEqual(['http://a:1']);
  });

  it('fails over only past the current server', () => {
    const l = new ServerList(['http://a:1', 'http://b:1']);
    l.failover('http://b:1');
    expect(l.current()).toBe('http://a:1');
    l.failover('http://a:1');
    expect(l.current()).toBe('http://b:1');
    l.failover('http://b:1');
    expect(l.current()).toBe('http://a:1');
  });

  it('adopts Discoverd-Peers, keeping the current server when still listed', () => {
    const l = new ServerList(['http://10.0.0.2:1111', 'http://x:1']);
    l.updateFromPeers('10.0.0.1:1111, 10.0.0.2:1111,10.0.0.3:1111');
    expect(l.list).toEqual(['http://10.0.0.1:1111', 'http://10.0.0.2:1111', 'http://10.0.0.3:1111']);
    expect(l.current()).toBe('http://10.0.0.2:1111');
    l.updateFromPeers('10.0.0.3:1111');
    expect(l.current()).toBe('http://10.0.0.3:1111');
    l.updateFromPeers(undefined);
    l.updateFromPeers('');
    expect(l.list).toEqual(['http://10.0.0.3:1111']);
    l.updateFromPeers('https://secure:443');
    expect(l.list).toEqual(['https://secure:443']);
  });
});
