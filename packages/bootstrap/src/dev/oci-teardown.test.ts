import { describe, expect, it } from 'vitest';
import { mountsUnder } from './oci-teardown.js';

describe('mountsUnder', () => {
  it('finds the mounts at or under a directory, deepest first, decoding octal escapes', () => {
    const info = [
      '22 1 8:1 / / rw - ext4 /dev/sda1 rw',
      '90 22 7:3 / /data/x/host/images/mnt/abc ro - squashfs /dev/loop3 ro',
      '91 22 0:50 / /data/x/host/state/containers/j1/scratch rw - tmpfs flynn-scratch rw',
      '92 91 0:51 / /data/x/host/state/containers/j1/bundle/rootfs rw - overlay flynn-rootfs rw',
      '93 22 0:52 / /data/x\\040y/mnt rw - tmpfs t rw',
      '94 22 0:53 / /data/xy rw - tmpfs t rw',
    ].join('\n');
    expect(mountsUnder(info, '/data/x/')).toEqual([
      '/data/x/host/state/containers/j1/bundle/rootfs',
      '/data/x/host/state/containers/j1/scratch',
      '/data/x/host/images/mnt/abc',
    ]);
    expect(mountsUnder(info, '/data/x y')).toEqual(['/data/x y/mnt']);
  });
});
