import { describe, expect, it } from 'vitest';
import { classifyWhiteout } from './whiteout.js';

describe('classifyWhiteout (OCI → overlayfs)', () => {
  it('maps .wh.<name> to a whiteout of <name> in the same directory', () => {
    expect(classifyWhiteout('./etc/.wh.motd')).toEqual({ kind: 'whiteout', target: 'etc/motd' });
    expect(classifyWhiteout('.wh.top')).toEqual({ kind: 'whiteout', target: 'top' });
    expect(classifyWhiteout('/a/b/.wh..hidden')).toEqual({ kind: 'whiteout', target: 'a/b/.hidden' });
  });

  it('maps .wh..wh..opq to an opaque directory', () => {
    expect(classifyWhiteout('usr/share/doc/.wh..wh..opq')).toEqual({ kind: 'opaque', dir: 'usr/share/doc' });
    expect(classifyWhiteout('./.wh..wh..opq')).toEqual({ kind: 'opaque', dir: '' });
  });

  it('drops other AUFS bookkeeping, and leaves ordinary names alone', () => {
    expect(classifyWhiteout('.wh..wh.plnk/123.456')).toEqual({ kind: 'aufs-meta', path: '.wh..wh.plnk/123.456' });
    expect(classifyWhiteout('.wh..wh.plnk')).toEqual({ kind: 'aufs-meta', path: '.wh..wh.plnk' });
    expect(classifyWhiteout('./etc/passwd')).toEqual({ kind: 'none', path: 'etc/passwd' });
    expect(classifyWhiteout('./etc/')).toEqual({ kind: 'none', path: 'etc' });
    expect(classifyWhiteout('a/.wh.')).toEqual({ kind: 'none', path: 'a/.wh.' });
    expect(classifyWhiteout('a/.wh..')).toEqual({ kind: 'none', path: 'a/.wh..' });
    expect(classifyWhiteout('not.wh.file')).toEqual({ kind: 'none', path: 'not.wh.file' });
  });
});
