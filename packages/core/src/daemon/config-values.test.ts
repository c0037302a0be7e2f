import { describe, expect, it } from 'vitest';
import { isWildcardHost, parseBaseUrl, parseHostPort, parseIntInRange, parseLogLevel, splitList } from './config-values.js';

describe('daemon config values', () => {
  it('parseLogLevel takes the four levels only', () => {
    expect(['debug', 'info', 'warn', 'error'].map(parseLogLevel)).toEqual(['debug', 'info', 'warn', 'error']);
    expect(parseLogLevel('trace')).toBeUndefined();
    expect(parseLogLevel('INFO')).toBeUndefined();
  });

  it('splitList trims and drops empty items', () => {
    expect(splitList(' a, b,,c ,')).toEqual(['a', 'b', 'c']);
    expect(splitList(undefined)).toEqual([]);
    expect(splitList('')).toEqual([]);
  });

  it('parseHostPort reads host:port, [v6]:port and :port', () => {
    expect(parseHostPort('127.0.0.1:3001')).toEqual({ host: '127.0.0.1', port: 3001 });
    expect(parseHostPort(' [::1]:0 ')).toEqual({ host: '::1', port: 0 });
    expect(parseHostPort(':5000')).toEqual({ host: '0.0.0.0', port: 5000 });
    expect(parseHostPort(':5000', '::')).toEqual({ host: '::', port: 5000 });
    for (const bad of ['3001', 'host:65536', 'host:', 'a:b:1', '[::1]', 'host:-1']) expect(parseHostPort(bad), bad).toBeUndefined();
  });

  it('parseIntInRange wants plain digits within the range', () => {
    expect(parseIntInRange('3000', 0, 65535)).toBe(3000);
    expect(parseIntInRange('0', 0, 1)).toBe(0);
    for (const bad of ['-1', '1e3', ' 1', '65536', '', '0x10']) expect(parseIntInRange(bad, 0, 65535), bad).toBeUndefined();
  });

  it('parseBaseUrl adds http:// and drops trailing slashes', () => {
    expect(parseBaseUrl('10.0.0.1:1111')).toBe('http://10.0.0.1:1111');
    expect(parseBaseUrl('https://d.example/x//')).toBe('https://d.example/x');
    expect(parseBaseUrl('http://[::1]:1111/')).toBe('http://[::1]:1111');
    for (const bad of ['http://', 'ftp://x', 'http://a b', ':']) expect(parseBaseUrl(bad), bad).toBeUndefined();
  });

  it('isWildcardHost', () => {
    expect(['', '0.0.0.0', '::'].every(isWildcardHost)).toBe(true);
    expect(isWildcardHost('127.0.0.1')).toBe(false);
  });
});
