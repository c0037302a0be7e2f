import { describe, expect, it } from 'vitest';
import { formatCidr, normalizeMac, parseCidr, parseIpv4 } from './ipv4.js';
import { formatSubnetEnv, networkInfo, subnetFromEnv } from './network-info.js';

describe('network info and subnet.env', () => {
  it('reports the bridge address with the prefix, as flannel and flynn-host expect', () => {
    const info = networkInfo('100.100.0.0/16', '100.100.23.0/24', 1450, '192.168.250.1');
    expect(info.gateway).toBe('100.100.23.1/24');
    expect(formatSubnetEnv(info)).toBe('FLANNEL_NETWORK=100.100.0.0/16\nFLANNEL_SUBNET=100.100.23.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n');
    expect(subnetFromEnv(formatSubnetEnv(info))).toBe('100.100.23.0/24');
    expect(subnetFromEnv('FLANNEL_MTU=1450\n')).toBeUndefined();
  });
});

describe('ipv4', () => {
  it('parses strictly', () => {
    expect(parseIpv4('10.0.0.255')).toBe(0x0a0000ff);
    for (const bad of ['10.0.0', '10.0.0.256', '10.0.0.01', '1.2.3.4.5', 'a.b.c.d', '']) expect(parseIpv4(bad)).toBeUndefined();
    expect(parseCidr('100.100.1.0/24')).toEqual({ ip: 0x64640100, prefix: 24 });
    expect(parseCidr('100.100.1.1/24')).toBeUndefined();
    expect(formatCidr(parseCidr('100.100.1.1/24', false)!)).toBe('100.100.1.0/24');
    expect(parseCidr('255.255.255.255/32')).toEqual({ ip: 0xffffffff, prefix: 32 });
    expect(normalizeMac('0E-AA-00-00-00-01')).toBe('0e:aa:00:00:00:01');
    expect(normalizeMac('0e:aa:00:00:00')).toBeUndefined();
  });
});
