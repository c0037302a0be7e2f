import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { APP_NAME_PATTERN, appNameProblem, GENERATED_NAME_SPACE, generatedAppName } from './app-name.js';

describe('app names', () => {
  it('accepts the original pattern and length, rejects the rest', () => {
    expect(appNameProblem('my-app-2')).toBeUndefined();
    expect(appNameProblem('a'.repeat(100))).toBeUndefined();
    expect(appNameProblem('a'.repeat(101))).toMatch(/at most 100/);
    for (const bad of ['', 'My-App', 'app_1', '-app', 'app-', 'a--b', 'a b', 'ä']) expect(appNameProblem(bad), bad).toBeDefined();
  });

  it('generates valid names, all distinct within the name space', () => {
    const seen = new Set<string>();
    const invalid: string[] = [];
    for (let n = 0; n < GENERATED_NAME_SPACE; n++) {
      const name = generatedAppName(n);
      if (!APP_NAME_PATTERN.test(name)) invalid.push(name);
      seen.add(name);
    }
    expect(invalid).toEqual([]);
    expect(seen.size).toBe(GENERATED_NAME_SPACE);
  });

  it('is deterministic, and the seed changes the sequence', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (n, seed) => {
        expect(generatedAppName(n, seed)).toBe(generatedAppName(n, seed));
        expect(appNameProblem(generatedAppName(n, seed))).toBeUndefined();
      }),
    );
    expect(generatedAppName(0, 1)).not.toBe(generatedAppName(0, 0));
    expect(generatedAppName(1)).not.toBe(generatedAppName(0));
  });
});
