import { seededRandom } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { fnv1a32, hostVethName, netnsName, randomMac, validIfName } from './names.js';

describe('names', () => {
  it('netns names: flynn-<id> for plain ids, hashed for odd or long ones, never colliding by cleaning', () => {
    expect(netnsName('host1-0f6a2bd4')).toBe('flynn-host1-0f6a2bd4');
    const weird = netnsName('a/b');
    expect(weird).toMatch(/^flynn-a_b-[0-9a-f]{8}$/);
    expect(netnsName('a_b')).toBe('flynn-a_b');
    expect(netnsName('a_b')).not.toBe(weird);
    expect(netnsName('..')).toMatch(/^flynn-_.?-[0-9a-f]{8}$/);
    const long = netnsName('x'.repeat(200));
    expect(long.length).toBeLessThan(64);
    expect(netnsName('host-8b6c5a1e-63a4-4f57-9c39-0b4a5e9a3c11')).toBe('flynn-host-8b6c5a1e-63a4-4f57-9c39-0b4a5e9a3c11');
  });

  it('host veth names fit IFNAMSIZ and follow the IP', () => {
    expect(hostVethName('100.100.23.2')).toBe('fl64641702');
    expect(validIfName(hostVethName('255.255.255.254'))).toBe(true);
    expect(() => hostVethName('nope')).toThrow(RangeError);
  });

  it('MACs are fe:xx:xx:xx:xx:xx from the given Random', () => {
    const a = randomMac(seededRandom(1));
    expect(a).toMatch(/^fe(:[0-9a-f]{2}){5}$/);
    expect(randomMac(seededRandom(1))).toBe(a);
  });

  it('validIfName', () => {
    expect(validIfName('flynnbr0')).toBe(true);
    for (const bad of ['', 'a'.repeat(16), 'a b', 'a/b', 'a:b', '.', '..']) expect(validIfName(bad), bad).toBe(false);
  });

  it('fnv1a32 matches the reference vectors', () => {
    expect(fnv1a32('')).toBe('811c9dc5');
    expect(fnv1a32('a')).toBe('e40c292c');
    expect(fnv1a32('foobar')).toBe('bf9cf968');
  });
});
