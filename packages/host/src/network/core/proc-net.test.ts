import { describe, expect, it } from 'vitest';
import { boundPorts } from './proc-net.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   1: 00000000:0459 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12346 1 0000000000000000 100 0 0 10 0
   2: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 12347 1 0000000000000000 20 4 30 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0051 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 999 2 0000000000000000 0
`;

describe('boundPorts', () => {
  it('lists listening TCP ports (not connected ones), IPv4 and IPv6', () => {
    expect([...boundPorts(TCP, 'tcp')].sort((a, b) => a - b)).toEqual([1113, 8080]);
    expect([...boundPorts(TCP6, 'tcp')]).toEqual([81]);
  });

  it('lists every bound UDP port', () => {
    expect([...boundPorts(UDP, 'udp')]).toEqual([53]);
  });

  it('ignores the header, blank and malformed lines', () => {
    expect(boundPorts('header\n\n  junk\n', 'tcp').size).toBe(0);
  });
});
