import { describe, expect, it } from 'vitest';
import { asObject, canonicalUuid, checkStorable, int, stringMap } from './validate.js';

describe('validation helpers', () => {
  it('canonicalises UUIDs with or without dashes', () => {
    expect(canonicalUuid('5E0C0A4E2F0B4B0E9A4A0F6B8D5F7C11')).toBe('5e0c0a4e-2f0b-4b0e-9a4a-0f6b8d5f7c11');
    expect(canonicalUuid('not-a-uuid')).toBeUndefined();
  });

  it('rejects what PostgreSQL cannot store: NUL characters and deep nesting', () => {
    expect(() => checkStorable({ a: ['x\u0000'] }, 'manifest')).toThrow(/manifest.a.0 must not contain NUL/);
    expect(() => checkStorable({ ['k\u0000']: 1 }, 'm')).toThrow(/NUL/);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => checkStorable(deep, 'm')).toThrow(/nested too deeply/);
    expect(() => checkStorable({ ok: [1, 'two', { three: null }] }, 'm')).not.toThrow();
  });

  it('checks integers against int32 and the given bounds', () => {
    expect(int({ n: 5 }, 'n', { min: 0, max: 10 })).toBe(5);
    expect(() => int({ n: 1.5 }, 'n')).toThrow(/n must be an integer/);
    expect(() => int({ n: 2 ** 31 }, 'n')).toThrow(/at most/);
    expect(() => int({ n: '1' }, 'n')).toThrow(/integer/);
  });

  it('reports the field of a bad map entry', () => {
    expect(() => stringMap({ env: { A: 1 } }, 'env')).toThrow(/env.A must be a string/);
    expect(() => asObject([], '')).toThrow(/must be an object/);
  });
});
