import { describe, expect, it } from 'vitest';
import { networkConfig, overlayMtu, parseNetworkConfig, subnetCount, vxlanDeviceName } from './config.js';
import { isFlannelError } from './errors.js';

const fails = (fn: () => unknown, field: string): void => {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(isFlannelError(err, 'FLYNN_FLANNEL_INVALID_CONFIG')).toBe(true);
  expect((err as { detail: { field: string } }).detail.field).toBe(field);
};

describe('network config', () => {
  it('defaults to 100.100.0.0/16 in /24s over VXLAN VNI 1 port 8472', () => {
    expect(networkConfig()).toEqual({ network: '100.100.0.0/16', subnet_len: 24, backend: { type: 'vxlan', vni: 1, port: 8472 } });
    expect(subnetCount(networkConfig())).toBe(256);
    expect(vxlanDeviceName(1)).toBe('flannel.1');
    expect(overlayMtu(1500)).toBe(1450);
  });

  it('halves a /24-or-smaller network (reference §3)', () => {
    expect(networkConfig({ network: '10.5.5.0/24' }).subnet_len).toBe(25);
    expect(networkConfig({ network: '10.0.0.0/8' }).subnet_len).toBe(24);
  });

  it('rejects bad networks, subnet lengths, VNIs and ports', () => {
    fails(() => networkConfig({ network: '100.100.0.1/16' }), 'network');
    fails(() => networkConfig({ network: '0.0.0.0/0' }), 'network');
    fails(() => networkConfig({ subnetLen: 16 }), 'subnet_len');
    fails(() => networkConfig({ subnetLen: 31 }), 'subnet_len');
    fails(() => networkConfig({ network: '64.0.0.0/2', subnetLen: 30 }), 'subnet_len');
    fails(() => networkConfig({ vni: 0 }), 'backend.vni');
    fails(() => networkConfig({ port: 70000 }), 'backend.port');
    fails(() => parseNetworkConfig({ network: '10.0.0.0/8', backend: { type: 'host-gw' } }), 'backend.type');
    fails(() => parseNetworkConfig('x'), 'config');
  });
});
