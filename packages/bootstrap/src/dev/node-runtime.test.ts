import { describe, expect, it } from 'vitest';
import { parseLdd } from './node-runtime.js';

describe('parseLdd', () => {
  it('keeps resolved libraries and the loader, drops the vDSO', () => {
    const text = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f67)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f66)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f678b210000)',
      '',
    ].join('\n');
    expect(parseLdd(text)).toEqual(['/lib/x86_64-linux-gnu/libdl.so.2', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
  });

  it('a static binary has none', () => {
    expect(parseLdd('\tnot a dynamic executable\n')).toEqual([]);
  });
});
