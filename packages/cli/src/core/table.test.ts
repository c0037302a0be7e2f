import { describe, expect, it } from 'vitest';
import { formatTable } from './table.js';

describe('formatTable', () => {
  it("aligns columns like the original's tabwriter (padding 2, last cell unpadded)", () => {
    expect(
      formatTable([
        ['ID', 'NAME'],
        ['f1e85f5392454a329929e3f27f7a5644', 'gitreceive'],
        ['4c63', 'router'],
      ]),
    ).toBe(['ID                                NAME', 'f1e85f5392454a329929e3f27f7a5644  gitreceive', '4c63                              router', ''].join('\n'));
  });

  it('lets rows have extra cells, renders empty and non-string cells, trims trailing spaces', () => {
    expect(
      formatTable([
        ['NAME', 'URL'],
        ['default', 'https://controller.x', '(default)'],
        ['b', '', true, null],
        [1, undefined],
      ]),
    ).toBe(['NAME     URL', 'default  https://controller.x  (default)', 'b                              true', '1', ''].join('\n'));
  });

  it('measures code points, not UTF-16 units', () => {
    expect(formatTable([['é🙂', 'x'], ['ab', 'y']])).toBe('é🙂  x\nab  y\n');
  });

  it('prints nothing for no rows', () => {
    expect(formatTable([])).toBe('');
  });
});
