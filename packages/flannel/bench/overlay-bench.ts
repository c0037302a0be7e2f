/**
 * Overlay vs underlay TCP throughput between two "hosts" (network
 * namespaces on a bridge), with the real daemons: discoverd (2-node raft) and
 * flannel on each host, a job namespace behind each host's bridge.
 *
 * - underlay: host A's namespace → host B's underlay address (one bridge hop);
 * - overlay:  job A → job B over VXLAN (bridge, forwarding, flannel.1 both ways).
 *
 * Tool: iperf3 when installed (`BENCH_TOOL=node` forces the Node sender/sink
 * of test/fixtures/overlay-echo.mjs). REPS interleaved repetitions of DUR
 * seconds; medians reported. Prints one JSON line last.
 */
import { hasCommand, waitFor } from '@flynn-ts/core/testing';
import { ECHO, OverlayCluster } from '../test/overlay-cluster.js';
import { run, Topology } from '../test/netns-harness.js';

const REPS = Number(process.env.REPS ?? 3);
const DUR = Number(process.env.DUR ?? 5);
const TOOL = process.env.BENCH_TOOL ?? (hasCommand('iperf3') ? 'iperf3' : 'node');

async function measure(topo: Topology, fromNs: string, toNs: string, toIp: string, port: number): Promise<number> {
  if (TOOL === 'iperf3') {
    const server = topo.spawnIn(toNs, `iperf3-${toIp}`, ['iperf3', '-s', '-1', '--forceflush', '-B', toIp, '-p', String(port)]);
    await waitFor(() => server.lines.some((l) => l.includes('Server listening')), { timeoutMs: 10_000, what: 'iperf3 server' });
    const out = await run('ip', ['netns', 'exec', fromNs, 'iperf3', '-c', toIp, '-p', String(port), '-t', String(DUR), '-J'], { timeoutMs: (DUR + 30) * 1000 });
    await server.stop('SIGKILL', 0);
    const report = JSON.parse(out) as { end: { sum_received: { bits_per_second: number } } };
    return report.end.sum_received.bits_per_second;
  }
  const sink = topo.spawnNode(toNs, `sink-${toIp}`, [ECHO, 'sink', toIp, String(port)]);
  await waitFor(() => sink.lines.includes('ready'), { timeoutMs: 10_000, what: 'sink' });
  const out = await run('ip', ['netns', 'exec', fromNs, process.execPath, ECHO, 'blast', toIp, String(port), String(DUR)], { timeoutMs: (DUR + 30) * 1000 });
  await sink.stop('SIGKILL', 0);
  return (JSON.parse(out) as { bitsPerSecond: number }).bitsPerSecond;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const gbps = (bps: number) => Math.round(bps / 1e7) / 100;

async function main(): Promise<void> {
  const topo = new Topology();
  const cluster = new OverlayCluster(topo, { hosts: 2, leaseTtl: '1h', resync: '60s' });
  const stop = () => void topo.cleanup().then(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await topo.init();
    await cluster.createNetwork();
    await cluster.startDiscoverd();
    cluster.startFlannel(1);
    cluster.startFlannel(2);
    const [a, b] = [await cluster.addJob(1), await cluster.addJob(2)];
    const mtu = (await cluster.network(1)).mtu;
    const over: number[] = [];
    const under: number[] = [];
    let port = 7100;
    for (let r = 0; r < REPS; r++) {
      under.push(await measure(topo, cluster.host(1).ns, cluster.host(2).ns, cluster.host(2).ip, port++));
      over.push(await measure(topo, a.ns, b.ns, b.ip, port++));
      process.stderr.write(`rep ${r + 1}/${REPS}: underlay ${gbps(under.at(-1)!)} Gbit/s, overlay ${gbps(over.at(-1)!)} Gbit/s\n`);
    }
    const o = median(over);
    const u = median(under);
    const line = {
      bench: 'overlay',
      figures: { overlay_gbit_s: gbps(o) },
      peers: { underlay_gbit_s: gbps(u) },
      ratios: { 'overlay_gbit_s/underlay_gbit_s': Math.round((o / u) * 100) / 100 },
      tool: TOOL,
      reps: REPS,
      seconds: DUR,
      overlay_mtu: mtu,
      samples: { overlay: over.map(gbps), underlay: under.map(gbps) },
    };
    console.log(JSON.stringify(line));
  } finally {
    await topo.cleanup();
  }
}

await main();
