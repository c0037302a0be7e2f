import type { Message, Transport } from '@flynn-ts/raft';
import { describe, expect, it } from 'vitest';
import { SelfAddressedTransport } from './discovery-node-transport.js';

function fake(): Transport & { peers: Map<string, string>; sent: string[] } {
  const peers = new Map<string, string>();
  const sent: string[] = [];
  return {
    peers,
    sent,
    start: async () => {},
    send: (msgs) => msgs.forEach((m) => sent.push(`${m.to}:${peers.has(m.to)}`)),
    addPeer: (id, address) => {
      if (!address.includes(':')) throw new Error('bad address');
      peers.set(id, address);
    },
    removePeer: (id) => void peers.delete(id),
    close: async () => {},
  };
}
const msg = (to: string) => ({ to }) as Message;

describe('SelfAddressedTransport', () => {
  it('registers an unknown destination with its id as address before sending', () => {
    const inner = fake();
    const t = new SelfAddressedTransport(inner);
    t.send([msg('10.0.0.1:1111'), msg('10.0.0.1:1111')]);
    expect(inner.sent).toEqual(['10.0.0.1:1111:true', '10.0.0.1:1111:true']);
    expect(inner.peers.get('10.0.0.1:1111')).toBe('10.0.0.1:1111');
  });

  it('keeps addresses given explicitly, and never throws for a bad one', () => {
    const inner = fake();
    const t = new SelfAddressedTransport(inner);
    t.addPeer('n1', '10.0.0.9:1');
    t.send([msg('n1')]);
    expect(inner.peers.get('n1')).toBe('10.0.0.9:1');
    expect(() => t.addPeer('garbage', 'garbage')).not.toThrow();
    expect(() => t.send([msg('garbage')])).not.toThrow();
    expect(inner.sent).toEqual(['n1:true', 'garbage:false']);
    t.removePeer('n1');
    expect(inner.peers.has('n1')).toBe(false);
  });
});
