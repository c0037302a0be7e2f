import { describe, expect, it } from 'vitest';
import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import type { Message, NodeId } from '../core/types.js';
import { describeTransport, RecordingHandler, sampleMessage } from './describe-transport.js';
import { MemoryNetwork } from './memory-network.js';
import type { MemoryTransport } from './memory-network.js';

describeTransport('MemoryNetwork', (n) => {
  const clock = new ManualClock(0);
  const network = new MemoryNetwork({ clock, random: seededRandom(1) });
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  const transports = ids.map((id) => network.transport(id));
  transports.forEach((t) => ids.forEach((peer) => t.addPeer(peer, peer)));
  return {
    ids,
    transports,
    async until(cond, what) {
      for (let i = 0; i < 1000 && !cond(); i++) await clock.advanceAsync(10);
      if (!cond()) throw new Error(`MemoryNetwork: ${what} did not happen within 10 s of manual time`);
    },
    settle: () => clock.advanceAsync(1000),
    async dispose() {
      await Promise.all(transports.map((t) => t.close()));
    },
  };
});

interface Node {
  id: NodeId;
  transport: MemoryTransport;
  handler: RecordingHandler;
}

function setup(n: number, seed = 7) {
  const clock = new ManualClock(0);
  const network = new MemoryNetwork({ clock, random: seededRandom(seed) });
  const nodes: Node[] = Array.from({ length: n }, (_, i) => {
    const id = `n${i}`;
    const transport = network.transport(id);
    const handler = new RecordingHandler();
    void transport.start(handler);
    return { id, transport, handler };
  });
  const node = (i: number) => nodes[i]!;
  const send = (from: number, to: number, count = 1, type: Message['type'] = 'heartbeat') => {
    const msgs = Array.from({ length: count }, (_, k) => sampleMessage(type, node(from).id, node(to).id, k));
    node(from).transport.send(msgs);
  };
  const received = (i: number, from?: number) => node(i).handler.delivered.filter((m) => from === undefined || m.from === node(from).id);
  return { clock, network, node, send, received };
}

describe('MemoryNetwork faults', () => {
  it('delivers nothing until the clock runs its timers, even with zero delay', () => {
    const { clock, send, received } = setup(2);
    send(0, 1);
    expect(received(1)).toHaveLength(0);
    clock.advance(0);
    expect(received(1)).toHaveLength(1);
  });

  it('delay: nothing arrives before the minimum delay, everything by the maximum, in order', () => {
    const { clock, network, send, received } = setup(2);
    network.delay(50, 80);
    send(0, 1, 20);
    clock.advance(49);
    expect(received(1)).toHaveLength(0);
    expect(network.inFlight).toBe(20);
    clock.advance(31);
    expect(received(1).map((m) => m.index)).toEqual(Array.from({ length: 20 }, (_, k) => k));
    expect(network.inFlight).toBe(0);
  });

  it('delay per link leaves other links alone', () => {
    const { clock, network, send, received } = setup(3);
    network.delay(100, 100, { to: 'n2' });
    send(0, 1);
    send(0, 2);
    clock.advance(0);
    expect([received(1).length, received(2).length]).toEqual([1, 0]);
    clock.advance(100);
    expect(received(2)).toHaveLength(1);
  });

  it('partition cuts links between groups silently, and heal restores them', () => {
    const { clock, network, node, send, received } = setup(3);
    network.partition(['n0'], ['n1', 'n2']);
    send(0, 1);
    send(1, 2);
    send(2, 0);
    clock.advance(10);
    expect([received(0).length, received(1).length, received(2).length]).toEqual([0, 0, 1]);
    expect(node(0).handler.unreachableReports).toEqual([]);
    expect(network.stats().dropped).toBe(2);
    network.heal();
    send(0, 1);
    send(2, 0);
    clock.advance(10);
    expect([received(0).length, received(1).length]).toEqual([1, 1]);
  });

  it('partition with one group separates it from everyone else', () => {
    const { clock, network, send, received } = setup(3);
    network.partition(['n0', 'n1']);
    send(0, 1);
    send(1, 2);
    clock.advance(0);
    expect([received(1).length, received(2).length]).toEqual([1, 0]);
  });

  it('loses messages already in flight when a partition starts', () => {
    const { clock, network, send, received } = setup(2);
    network.delay(10);
    send(0, 1, 3);
    network.isolate('n1');
    clock.advance(10);
    expect(received(1)).toHaveLength(0);
  });

  it('isolate cuts a node off in both directions; snapshots to it report failure', () => {
    const { clock, network, node, send, received } = setup(3);
    network.isolate('n1');
    send(0, 1);
    send(1, 2);
    send(0, 2);
    send(0, 1, 1, 'snap');
    clock.advance(0);
    expect([received(1).length, received(2).length]).toEqual([0, 1]);
    expect(node(0).handler.snapshotReports).toEqual([{ to: 'n1', ok: false }]);
    network.heal();
    send(0, 1, 1, 'snap');
    clock.advance(0);
    expect(node(0).handler.snapshotReports).toEqual([{ to: 'n1', ok: false }, { to: 'n1', ok: true }]);
  });

  it('drop rate is statistically plausible and deterministic for a seed', () => {
    const run = (seed: number) => {
      const { clock, network, send, received } = setup(2, seed);
      network.drop(0.3);
      send(0, 1, 10_000);
      clock.advance(0);
      expect(network.stats().dropped + received(1).length).toBe(10_000);
      return received(1).map((m) => m.index);
    };
    const a = run(42);
    expect(a.length).toBe(6898); // exact for seed 42; 7000 ± 3σ (≈137) for any seed
    expect(run(42)).toEqual(a);
    expect(a).toEqual([...a].sort((x, y) => x - y)); // survivors stay in order
    const b = run(43);
    expect(Math.abs(b.length - 7000)).toBeLessThan(140);
  });

  it('drop per link and drop of a snapshot reports snapshotStatus(false)', () => {
    const { clock, network, node, send, received } = setup(3);
    network.drop(1, { from: 'n0', to: 'n1' });
    send(0, 1, 5);
    send(0, 2, 5);
    send(1, 0, 5);
    send(0, 1, 1, 'snap');
    clock.advance(0);
    expect([received(1).length, received(2).length, received(0).length]).toEqual([0, 5, 5]);
    expect(node(0).handler.snapshotReports).toEqual([{ to: 'n1', ok: false }]);
  });

  it('duplicate delivers extra copies; a duplicated snapshot reports once', () => {
    const { clock, network, node, send, received } = setup(2);
    network.duplicate(1);
    send(0, 1, 3);
    send(0, 1, 1, 'snap');
    clock.advance(0);
    expect(received(1).map((m) => m.index)).toEqual([0, 0, 1, 1, 2, 2, 0, 0]);
    expect(node(0).handler.snapshotReports).toEqual([{ to: 'n1', ok: true }]);
    expect(network.stats().duplicated).toBe(4);
  });

  it('reorder lets messages overtake queued ones; nothing is lost', () => {
    const { clock, network, send, received } = setup(2);
    network.reorder(0.5);
    send(0, 1, 200);
    clock.advance(0);
    const got = received(1).map((m) => m.index);
    expect(got).not.toEqual([...got].sort((x, y) => x - y));
    expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, k) => k));
  });

  it('keeps per-link order without reorder, even with random delays', () => {
    const { clock, network, send, received } = setup(2);
    network.delay(0, 100);
    for (let k = 0; k < 50; k++) {
      send(0, 1, 4);
      clock.advance(3);
    }
    clock.advance(200);
    const got = received(1).map((m) => m.index);
    expect(got).toHaveLength(200);
    expect(got).toEqual(Array.from({ length: 50 }, () => [0, 1, 2, 3]).flat());
  });

  it('reports unreachable for unknown, unstarted and closed peers, and accepts a restarted node', async () => {
    const { clock, network, node, send, received } = setup(2);
    node(0).transport.send([sampleMessage('app', 'n0', 'ghost')]);
    const late = network.transport('n9');
    node(0).transport.send([sampleMessage('app', 'n0', 'n9')]);
    clock.advance(0);
    expect(node(0).handler.unreachableReports).toEqual(['ghost', 'n9']);
    await late.close();
    await node(1).transport.close();
    send(0, 1);
    clock.advance(0);
    expect(node(0).handler.unreachableReports).toEqual(['ghost', 'n9', 'n1']);
    expect(() => network.transport('n0')).toThrow(/already open/);
    const again = network.transport('n1');
    const h = new RecordingHandler();
    await again.start(h);
    send(0, 1);
    clock.advance(0);
    expect(h.delivered).toHaveLength(1);
    expect(received(1)).toHaveLength(0);
  });

  it('drops queued sends of a transport that closes', async () => {
    const { clock, network, node, send, received } = setup(2);
    network.delay(10);
    send(0, 1, 3);
    await node(0).transport.close();
    clock.advance(10);
    expect(received(1)).toHaveLength(0);
    expect(network.inFlight).toBe(0);
  });

  it('routes through addPeer addresses', () => {
    const { clock, node, received } = setup(3);
    node(0).transport.addPeer('alias', 'n2');
    node(0).transport.send([sampleMessage('app', 'n0', 'alias')]);
    clock.advance(0);
    expect(received(2)).toHaveLength(1);
    expect(received(2)[0]!.to).toBe('alias');
    node(0).transport.removePeer('alias');
    node(0).transport.send([sampleMessage('app', 'n0', 'alias')]);
    clock.advance(0);
    expect(node(0).handler.unreachableReports).toEqual(['alias']);
  });

  it('replays identically for the same seed with every fault on', () => {
    const run = () => {
      const { clock, network, send, received } = setup(3, 99);
      network.drop(0.1);
      network.delay(0, 30);
      network.duplicate(0.1);
      network.reorder(0.2);
      for (let k = 0; k < 20; k++) {
        send(0, 1, 5);
        send(2, 1, 5);
        clock.advance(7);
      }
      clock.advance(100);
      return received(1).map((m) => `${m.from}:${m.index}`);
    };
    expect(run()).toEqual(run());
  });
});
