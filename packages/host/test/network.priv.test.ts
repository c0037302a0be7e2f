// BridgeNetworkManager against the real kernel. Everything happens in
// namespaces this file creates: a stand-in "host" namespace H (bridge, NAT,
// forwarding are built there, never in the machine's own namespace), an
// "outside" namespace O reachable from H only (to prove masquerading), and
// the jobs' namespaces. All of them are deleted afterwards, also on failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlynnError, seededRandom } from '@flynn-ts/core';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeNetworkManager } from '../src/network/bridge-network.js';
import { netnsName } from '../src/network/core/names.js';

const missing = missingRequirements({ root: true, commands: ['ip', 'nft', 'nsenter', 'busybox'] });

const pid = process.pid;
const X = pid % 250;
const H = `flh-${pid}`;
const O = `flo-${pid}`;
const BRIDGE = `fltest${pid}`.slice(0, 15);
const SUBNET = `100.127.${X}.1/24`;
const GATEWAY = `100.127.${X}.1`;
const OUTSIDE_IP = `100.126.${X}.2`;
const JOBS = { a: `test-${pid}-a`, b: `test-${pid}-b`, c: `test-${pid}-c` };

const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });
const inNs = (ns: string, ...args: string[]) => sh('ip', 'netns', 'exec', ns, ...args);
const ping = (ns: string, ip: string) => spawnSync('ip', ['netns', 'exec', ns, 'busybox', 'ping', '-c1', '-W3', ip], { encoding: 'utf8' });
const linkJson = (ns: string, name: string) =>
  (JSON.parse(sh('ip', '-n', ns, '-j', '-d', 'link', 'show')) as { ifname: string; mtu: number; address: string; flags: string[]; master?: string; linkinfo?: { info_kind?: string } }[]).find(
    (l) => l.ifname === name,
  );
const addrs = (ns: string, dev: string) =>
  (JSON.parse(sh('ip', '-n', ns, '-j', 'addr', 'show', 'dev', dev)) as { addr_info: { family: string; local: string; prefixlen: number }[] }[])[0]?.addr_info.filter((a) => a.family === 'inet') ?? [];
const nftTables = (ns: string) => inNs(ns, 'nft', 'list', 'tables');
const delNs = (name: string) => spawnSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });

describe.skipIf(missing)('BridgeNetworkManager (root, in test namespaces)', () => {
  let stateDir = '';
  let net: BridgeNetworkManager;

  beforeAll(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'flynn-net-'));
    sh('ip', 'netns', 'add', H);
    sh('ip', 'netns', 'add', O);
    sh('ip', '-n', H, 'link', 'add', 'uplink', 'type', 'veth', 'peer', 'name', 'downlink', 'netns', O);
    sh('ip', '-n', H, 'addr', 'add', `100.126.${X}.1/30`, 'dev', 'uplink');
    sh('ip', '-n', O, 'addr', 'add', `${OUTSIDE_IP}/30`, 'dev', 'downlink');
    for (const [ns, dev] of [[H, 'uplink'], [H, 'lo'], [O, 'downlink'], [O, 'lo']] as const) sh('ip', '-n', ns, 'link', 'set', dev, 'up');
    net = new BridgeNetworkManager({ stateDir, bridgeName: BRIDGE, hostNetns: `/run/netns/${H}`, random: seededRandom(pid) });
  });

  afterAll(() => {
    for (const id of Object.values(JOBS)) delNs(netnsName(id));
    delNs(H); // takes the bridge, host veths and our nft table with it
    delNs(O);
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('refuses to attach before configure, and rejects a bad config with a 400 naming the field', async () => {
    const err = await net.attach(JOBS.a).catch((e: unknown) => e);
    expect(FlynnError.is(err) && err.code).toBe('FLYNN_HOST_NETWORK_NOT_CONFIGURED');
    for (const [config, field] of [
      [{ subnet: '100.127.0.0/24', mtu: 1500, resolvers: [] }, 'subnet'],
      [{ subnet: 'nonsense', mtu: 1500, resolvers: [] }, 'subnet'],
      [{ subnet: SUBNET, mtu: 10, resolvers: [] }, 'mtu'],
      [{ subnet: SUBNET, mtu: 1500, resolvers: ['not an ip'] }, 'resolvers'],
    ] as const) {
      const e = await net.configure(config as never).catch((x: unknown) => x);
      expect(FlynnError.is(e) && { status: e.status, detail: e.detail }).toMatchObject({ status: 400, detail: { field } });
    }
    expect(linkJson(H, BRIDGE)).toBeUndefined();
  });

  it('configures the bridge, forwarding, masquerade and resolv.conf, idempotently', async () => {
    const config = { subnet: SUBNET, mtu: 1400, resolvers: [] };
    await net.configure(config);
    await net.configure(config); // again: no error, nothing doubled
    expect(net.config).toEqual(config);
    const br = linkJson(H, BRIDGE)!;
    expect(br).toMatchObject({ mtu: 1400, linkinfo: { info_kind: 'bridge' } });
    expect(br.flags).toContain('UP');
    expect(br.address).toMatch(/^fe:/);
    expect(addrs(H, BRIDGE)).toEqual([expect.objectContaining({ local: GATEWAY, prefixlen: 24 })]);
    expect(inNs(H, 'cat', '/proc/sys/net/ipv4/ip_forward').trim()).toBe('1');
    expect(nftTables(H).trim().split('\n')).toEqual([`table ip flynn-${BRIDGE}`]);
    expect(inNs(H, 'nft', 'list', 'table', 'ip', `flynn-${BRIDGE}`)).toContain(`ip saddr 100.127.${X}.0/24 oifname != "${BRIDGE}" masquerade`);
    expect(readFileSync(net.resolvConfPath, 'utf8')).toBe(`nameserver ${GATEWAY}\n`);
  });

  it('attaches two jobs that reach each other, the bridge, and (masqueraded) the outside', async () => {
    const a = await net.attach(JOBS.a);
    const b = await net.attach(JOBS.b);
    for (const n of [a, b]) {
      expect(n).toMatchObject({ gateway: GATEWAY, prefixLength: 24, resolvConf: net.resolvConfPath });
      expect(n.ip).toMatch(new RegExp(`^100\\.127\\.${X}\\.\\d+$`));
      expect(n.ip).not.toBe(GATEWAY);
      expect(existsSync(n.netnsPath)).toBe(true);
    }
    expect(a.ip).not.toBe(b.ip);
    const nsA = netnsName(JOBS.a);
    const eth0 = linkJson(nsA, 'eth0')!;
    expect(eth0.mtu).toBe(1400);
    expect(eth0.address).toMatch(/^fe(:[0-9a-f]{2}){5}$/);
    expect(eth0.flags).toContain('UP');
    expect(addrs(nsA, 'eth0')).toEqual([expect.objectContaining({ local: a.ip, prefixlen: 24 })]);
    expect(inNs(nsA, 'ip', 'route', 'show', 'default')).toContain(`default via ${GATEWAY} dev eth0`);
    // the host end is a port of the bridge
    const ports = (JSON.parse(sh('ip', '-n', H, '-j', 'link', 'show', 'master', BRIDGE)) as { ifname: string }[]).map((l) => l.ifname);
    expect(ports).toHaveLength(2);

    for (const [ns, ip] of [[nsA, b.ip], [nsA, GATEWAY], [netnsName(JOBS.b), a.ip], [nsA, '127.0.0.1']] as const) {
      const r = ping(ns, ip);
      expect(r.status, `${ns} → ${ip}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    // O has no route back to the job subnet: only a masqueraded packet gets an answer.
    const out = ping(nsA, OUTSIDE_IP);
    expect(out.status, out.stdout + out.stderr).toBe(0);
    expect(sh('ip', '-n', O, 'route', 'show')).not.toContain('100.127.');
  });

  it('a new manager adopts the jobs from the persisted state without changing anything', async () => {
    const a = await net.adopt(JOBS.a);
    const again = new BridgeNetworkManager({ stateDir, bridgeName: BRIDGE, hostNetns: `/run/netns/${H}` });
    expect(again.config).toBeUndefined();
    expect(await again.adopt(JOBS.a)).toEqual(a);
    expect(await again.adopt('no-such-job')).toBeNull();
    expect((await again.jobIds()).sort()).toEqual([JOBS.a, JOBS.b].sort());
    expect(await again.restore()).toEqual({ subnet: SUBNET, mtu: 1400, resolvers: [] });
    expect(again.config?.subnet).toBe(SUBNET);
    const r = ping(netnsName(JOBS.b), a!.ip);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // a third job gets an address the others do not have
    const c = await again.attach(JOBS.c);
    expect([a!.ip, (await again.adopt(JOBS.b))!.ip]).not.toContain(c.ip);
    net = again; // the restarted daemon carries on
  });

  it('detach removes the namespace and veth and frees the address; it is idempotent', async () => {
    const a = (await net.adopt(JOBS.a))!;
    const before = (JSON.parse(sh('ip', '-n', H, '-j', 'link', 'show', 'master', BRIDGE)) as unknown[]).length;
    await net.detach(JOBS.a);
    await net.detach(JOBS.a);
    expect(existsSync(a.netnsPath)).toBe(false);
    expect((JSON.parse(sh('ip', '-n', H, '-j', 'link', 'show', 'master', BRIDGE)) as unknown[]).length).toBe(before - 1);
    expect(await net.adopt(JOBS.a)).toBeNull();
    const state = JSON.parse(readFileSync(join(stateDir, 'network.json'), 'utf8')) as { jobs: Record<string, { ip: string }> };
    expect(Object.keys(state.jobs)).not.toContain(JOBS.a);
  });

  it('teardown removes the bridge, the nft table, the job namespaces and the state', async () => {
    const b = (await net.adopt(JOBS.b))!;
    await net.teardown();
    expect(linkJson(H, BRIDGE)).toBeUndefined();
    expect(nftTables(H)).not.toContain(`flynn-${BRIDGE}`);
    expect(existsSync(b.netnsPath)).toBe(false);
    expect(existsSync(`/run/netns/${netnsName(JOBS.c)}`)).toBe(false);
    expect(existsSync(join(stateDir, 'network.json'))).toBe(false);
    expect(existsSync(net.resolvConfPath)).toBe(false);
    expect(net.config).toBeUndefined();
    await net.teardown(); // again: nothing left, no error
  });
});
