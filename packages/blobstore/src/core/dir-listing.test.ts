import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCodePoints } from './blob-path.js';
import { listChildren } from './dir-listing.js';

describe('listChildren', () => {
  it('lists as the original README shows', () => {
    const paths = ['/foo.txt', '/dir1/foo.txt', '/dir2/foo.txt', '/dir3/foo.txt'];
    expect(listChildren('', paths)).toEqual(['/dir1/', '/dir2/', '/dir3/', '/foo.txt']);
    expect(listChildren('/dir1', paths)).toEqual(['/dir1/foo.txt']);
    expect(listChildren('/dir', paths)).toEqual([]);
    expect(listChildren('', ['/a', '/a/b'])).toEqual(['/a', '/a/']);
  });

  it('agrees with a naive segment-by-segment model (property)', () => {
    const seg = fc.constantFrom('a', 'b', 'ab', 'é', 'z');
    const pathArb = fc.array(seg, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`);
    fc.assert(
      fc.property(fc.array(pathArb, { maxLength: 20 }), fc.array(seg, { maxLength: 2 }), (paths, dirSegs) => {
        const dir = dirSegs.length === 0 ? '' : `/${dirSegs.join('/')}`;
        const depth = dirSegs.length;
        const want = new Set<string>();
        for (const p of paths) {
          const segs = p.slice(1).split('/');
          if (segs.length <= depth || segs.slice(0, depth).join('/') !== dirSegs.join('/')) continue;
          const child = `/${segs.slice(0, depth + 1).join('/')}`;
          want.add(segs.length > depth + 1 ? `${child}/` : child);
        }
        expect(listChildren(dir, paths)).toEqual([...want].sort(compareCodePoints));
      }),
    );
  });
});
