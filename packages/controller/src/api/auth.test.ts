import { describe, expect, it } from 'vitest';
import { basicAuthHeader, basicAuthPassword, KeyAuthorizer } from './auth.js';

describe('KeyAuthorizer', () => {
  it('accepts any configured key and rotates', () => {
    const auth = new KeyAuthorizer(['old']);
    expect(auth.check('old')).toBe(true);
    expect(auth.check('new')).toBe(false);
    auth.setKeys(['old', 'new']);
    expect(auth.check('old') && auth.check('new')).toBe(true);
    auth.setKeys(['new']);
    expect(auth.check('old')).toBe(false);
    expect(auth.check('new')).toBe(true);
  });

  it('rejects empty and missing passwords and needs at least one key', () => {
    const auth = new KeyAuthorizer(['k', '']);
    expect(auth.keyCount).toBe(1);
    expect(auth.check('')).toBe(false);
    expect(auth.check(undefined)).toBe(false);
    expect(() => new KeyAuthorizer([''])).toThrow(/at least one/);
  });

  it('reads the password of Basic auth, ignoring the user name', () => {
    expect(basicAuthPassword(basicAuthHeader('s3cr:et'))).toBe('s3cr:et');
    expect(basicAuthPassword(`Basic ${Buffer.from('user:pw').toString('base64')}`)).toBe('pw');
    expect(basicAuthPassword('Bearer abc')).toBeUndefined();
    expect(basicAuthPassword(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
  });
});
