// portInUse against real sockets on loopback: what /host/resource-check asks.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { portInUse, portsInUse } from '../src/network/port-check.js';

describe('portInUse', () => {
  it('sees a listening TCP port, and not after it closed', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await portInUse(port, 'tcp')).toBe(true);
      expect(await portsInUse([{ port }, { port, proto: 'udp' }])).toEqual([{ port, proto: 'tcp' }]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(await portInUse(port, 'tcp')).toBe(false);
  });

  it('sees a bound UDP port (IPv6 too)', async () => {
    const sock = createSocket('udp6');
    await new Promise<void>((resolve) => sock.bind(0, '::1', resolve));
    const { port } = sock.address();
    try {
      expect(await portInUse(port, 'udp')).toBe(true);
      expect(await portInUse(port, 'tcp')).toBe(false);
    } finally {
      await new Promise<void>((resolve) => sock.close(() => resolve()));
    }
  });

  it('rejects ports out of range', async () => {
    await expect(portInUse(70000, 'tcp')).rejects.toThrow(RangeError);
  });
});
