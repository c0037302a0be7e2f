import { describe, expect, it } from 'vitest';
import { isFlannelError } from './errors.js';
import { selectUnderlay } from './underlay.js';
import type { InterfaceInfo } from './underlay.js';

const ifaces: InterfaceInfo[] = [
  { name: 'lo', index: 1, mtu: 65536, up: true, addresses: ['127.0.0.1/8'] },
  { name: 'eth0', index: 2, mtu: 9001, up: true, addresses: ['10.0.0.5/24', '10.0.0.6/24'] },
  { name: 'eth1', index: 3, mtu: 1500, up: true, addresses: ['192.168.250.2/24'] },
];

describe('selectUnderlay', () => {
  it('defaults to the default-route interface and its primary address', () => {
    expect(selectUnderlay(ifaces, 'eth0', {})).toEqual({ name: 'eth0', localIp: '10.0.0.5', publicIp: '10.0.0.5', mtu: 9001 });
  });

  it('takes --iface as a name or an address, and --public-ip for NAT', () => {
    expect(selectUnderlay(ifaces, 'eth0', { iface: 'eth1' })).toEqual({ name: 'eth1', localIp: '192.168.250.2', publicIp: '192.168.250.2', mtu: 1500 });
    expect(selectUnderlay(ifaces, 'eth0', { iface: '10.0.0.6' }).localIp).toBe('10.0.0.6');
    expect(selectUnderlay(ifaces, undefined, { publicIp: '192.168.250.2' }).name).toBe('eth1');
    expect(selectUnderlay(ifaces, 'eth0', { publicIp: '203.0.113.7' })).toEqual({ name: 'eth0', localIp: '10.0.0.5', publicIp: '203.0.113.7', mtu: 9001 });
  });

  it('fails with FLYNN_FLANNEL_NO_UNDERLAY when nothing fits', () => {
    for (const [def, choice] of [[undefined, {}], ['eth0', { iface: 'eth9' }], ['eth0', { iface: '1.2.3.4' }], ['eth0', { publicIp: 'x' }]] as const) {
      let err: unknown;
      try {
        selectUnderlay(ifaces, def, choice);
      } catch (e) {
        err = e;
      }
      expect(isFlannelError(err, 'FLYNN_FLANNEL_NO_UNDERLAY')).toBe(true);
    }
  });
});
