import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cookieValue, StickyCookieCodec } from './sticky-cookie.js';

describe('StickyCookieCodec', () => {
  const codec = new StickyCookieCodec(randomBytes(32));

  it('round-trips an address with a fresh nonce each time', () => {
    const a = codec.seal('10.0.0.1:5000');
    const b = codec.seal('10.0.0.1:5000');
    expect(a).not.toBe(b);
    expect(codec.open(a)).toBe('10.0.0.1:5000');
    expect(a).toMatch(/^[A-Za-z0-9+/=]+$/);
  });

  it('refuses tampered values, other keys and garbage', () => {
    const v = Buffer.from(codec.seal('[::1]:80'), 'base64');
    v[14]! ^= 1;
    expect(codec.open(v.toString('base64'))).toBeUndefined();
    expect(new StickyCookieCodec(randomBytes(32)).open(codec.seal('x:1'))).toBeUndefined();
    for (const g of ['', 'abc', '!!!!', 'A'.repeat(200)]) expect(codec.open(g)).toBeUndefined();
  });

  it('needs a 32-byte key', () => {
    expect(() => new StickyCookieCodec(new Uint8Array(16))).toThrow(/32 bytes/);
  });
});

describe('cookieValue', () => {
  it('finds a cookie among others and not inside another name', () => {
    expect(cookieValue('a=1; _backend=xyz; b=2', '_backend')).toBe('xyz');
    expect(cookieValue('_backend=xyz', '_backend')).toBe('xyz');
    expect(cookieValue('x_backend=1; _backend="q"', '_backend')).toBe('q');
    expect(cookieValue('a=1', '_backend')).toBeUndefined();
    expect(cookieValue('_backendx=1', '_backend')).toBeUndefined();
  });
});
