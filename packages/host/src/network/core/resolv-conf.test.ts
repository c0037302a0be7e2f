import { describe, expect, it } from 'vitest';
import { isIpAddress, renderResolvConf } from './resolv-conf.js';

describe('renderResolvConf', () => {
  it('writes search, nameservers and options', () => {
    expect(renderResolvConf({ nameservers: ['100.100.23.1'] })).toBe('nameserver 100.100.23.1\n');
    expect(renderResolvConf({ nameservers: ['10.0.0.2', 'fd00::53'], search: ['discoverd'], options: ['ndots:1'] })).toBe(
      'search discoverd\nnameserver 10.0.0.2\nnameserver fd00::53\noptions ndots:1\n',
    );
  });

  it('refuses anything that is not an address (no injected lines)', () => {
    expect(() => renderResolvConf({ nameservers: ['1.2.3.4\nnameserver 6.6.6.6'] })).toThrow(RangeError);
    expect(() => renderResolvConf({ nameservers: ['example.com'] })).toThrow(RangeError);
    expect(() => renderResolvConf({ nameservers: [], search: ['a b'] })).toThrow(RangeError);
    expect(isIpAddress('::1')).toBe(true);
    expect(isIpAddress('1::2::3')).toBe(false);
  });
});
