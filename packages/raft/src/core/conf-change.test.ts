import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyConfChangeTo, compareNodeIds, decodeConfChange, encodeConfChange, validateConfChange } from './conf-change.js';
import { ConfChangeInvalidError } from './errors.js';
import type { ConfChange } from './types.js';

const arbChange: fc.Arbitrary<ConfChange> = fc
  .record({
    type: fc.constantFrom('add-voter' as const, 'add-learner' as const, 'remove-node' as const),
    node: fc.string({ minLength: 1, maxLength: 12 }),
    context: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
  })
  .map(({ context, ...cc }) => (context === undefined ? cc : { ...cc, context }));

describe('conf-change codec', () => {
  it('round-trips', () => {
    fc.assert(
      fc.property(arbChange, (cc) => {
        expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
      }),
    );
  });

  it('rejects garbage with a typed error and never throws anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        try {
          decodeConfChange(data);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfChangeInvalidError);
        }
      }),
    );
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    expect(() => decodeConfChange(enc({ v: 2, type: 'add-voter', node: '1' }))).toThrow(/version/);
    expect(() => decodeConfChange(enc({ v: 1, type: 'promote', node: '1' }))).toThrow(/type/);
    expect(() => decodeConfChange(enc({ v: 1, type: 'add-voter', node: '' }))).toThrow(/node/);
    expect(() => decodeConfChange(enc({ v: 1, type: 'add-voter', node: '1', context: 3 }))).toThrow(/context/);
  });
});

describe('applyConfChangeTo', () => {
  const conf = { voters: ['1', '2', '3'], learners: ['4'] };

  it('adds, promotes, demotes and removes; is idempotent', () => {
    expect(applyConfChangeTo(conf, { type: 'add-voter', node: '5' })).toEqual({ voters: ['1', '2', '3', '5'], learners: ['4'] });
    expect(applyConfChangeTo(conf, { type: 'add-voter', node: '4' })).toEqual({ voters: ['1', '2', '3', '4'], learners: [] });
    expect(applyConfChangeTo(conf, { type: 'add-learner', node: '3' })).toEqual({ voters: ['1', '2'], learners: ['3', '4'] });
    expect(applyConfChangeTo(conf, { type: 'remove-node', node: '4' })).toEqual({ voters: ['1', '2', '3'], learners: [] });
    expect(applyConfChangeTo(conf, { type: 'remove-node', node: '9' })).toEqual(conf);
    expect(applyConfChangeTo(conf, { type: 'add-voter', node: '1' })).toEqual(conf);
  });

  it('a node is never both voter and learner', () => {
    fc.assert(
      fc.property(fc.array(arbChange, { maxLength: 20 }), (changes) => {
        const end = changes.reduce(applyConfChangeTo, { voters: [], learners: [] });
        expect(end.voters.filter((v) => end.learners.includes(v))).toEqual([]);
      }),
    );
  });

  it('refuses to remove the last voter', () => {
    expect(validateConfChange({ voters: ['1'], learners: ['2'] }, { type: 'remove-node', node: '1' })).toMatch(/no voters/);
    expect(validateConfChange({ voters: ['1'], learners: [] }, { type: 'add-learner', node: '1' })).toMatch(/no voters/);
    expect(validateConfChange(conf, { type: 'remove-node', node: '1' })).toBeUndefined();
  });

  it('orders ids numerically, then lexically', () => {
    expect(['10', 'b', '2', 'a', '1'].sort(compareNodeIds)).toEqual(['1', '2', '10', 'a', 'b']);
  });
});
