import { describe, expect, it } from 'vitest';
import { planDevice } from './device.js';
import type { VxlanDeviceState, VxlanSpec } from './device.js';

const spec: VxlanSpec = { name: 'flannel.1', vni: 1, port: 8472, local: '192.168.250.1', mtu: 1450 };
const dev = (over: Partial<VxlanDeviceState> = {}): VxlanDeviceState => ({
  name: 'flannel.1', index: 7, kind: 'vxlan', vni: 1, port: 8472, local: '192.168.250.1', learning: false, mtu: 1450, up: true, mac: '0e:00:00:00:00:01', addresses: ['100.100.3.0/32'], ...over,
});

describe('planDevice', () => {
  it('creates a missing device and brings it up', () => {
    expect(planDevice(spec, undefined).map((o) => o.kind)).toEqual(['device-create', 'device-up']);
    expect(planDevice(spec, undefined, '100.100.3.0/32').map((o) => o.kind)).toEqual(['device-create', 'address-add', 'device-up']);
  });

  it('leaves a matching device alone', () => {
    expect(planDevice(spec, dev())).toEqual([]);
    expect(planDevice(spec, dev(), '100.100.3.0/32')).toEqual([]);
  });

  it('recreates a device whose VNI, port, local address or learning flag differ', () => {
    for (const over of [{ vni: 2 }, { port: 4789 }, { local: '192.168.250.9' }, { learning: true }, { kind: 'bridge' }]) {
      expect(planDevice(spec, dev(over)).map((o) => o.kind)).toEqual(['device-delete', 'device-create', 'device-up']);
    }
  });

  it('fixes the MTU, the addresses and the up flag in place', () => {
    expect(planDevice(spec, dev({ mtu: 1500, up: false, addresses: ['100.100.9.0/32', '100.100.3.0/32'] }), '100.100.3.0/32')).toEqual([
      { kind: 'device-set-mtu', name: 'flannel.1', mtu: 1450 },
      { kind: 'address-del', name: 'flannel.1', address: '100.100.9.0/32' },
      { kind: 'device-up', name: 'flannel.1' },
    ]);
  });
});
