#!/usr/bin/env node
// Captures the netlink requests `ip`/`bridge` (iproute2) send and the kernel's
// replies, as hex, into testdata/ip-vectors.json. Run as root with strace:
//
//   node packages/netlink/testdata/capture-vectors.mjs
//
// Everything happens in two namespaces this script creates and deletes. The
// unit tests (src/**/vectors.test.ts) encode the same requests with our
// builders and compare byte for byte (sequence numbers are taken from the
// capture), and decode the captured replies.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const suffix = Math.random().toString(36).slice(2, 8);
const NS = `flynnts-cap-${suffix}`;
const NS2 = `flynnts-cap2-${suffix}`;
const out = fileURLToPath(new URL('./ip-vectors.json', import.meta.url));

/** Runs `cmd` under strace, returns every netlink datagram sent and received. */
function trace(cmd, mayFail = false) {
  const r = spawnSync(
    'strace',
    ['-f', '-xx', '-s', '0', '-e', 'trace=sendmsg,sendto,recvmsg', '-e', 'write=all', '-e', 'read=all', ...cmd],
    { encoding: 'utf8' },
  );
  if (r.status !== 0 && !mayFail) throw new Error(`${cmd.join(' ')} failed: ${r.stderr.split('\n').slice(-3).join(' ')}`);
  const datagrams = [];
  let cur = null;
  for (const line of r.stderr.split('\n')) {
    const call = /(sendmsg|sendto|recvmsg)\((\d+),/.exec(line);
    if (call) {
      cur = { dir: call[1] === 'recvmsg' ? 'in' : 'out', peek: line.includes('MSG_PEEK'), bytes: [] };
      datagrams.push(cur);
      continue;
    }
    const hex = /^ \| [0-9a-f]{5} {2}((?:[0-9a-f]{2} {1,2})+)/.exec(line);
    if (hex && cur) cur.bytes.push(...hex[1].trim().split(/\s+/));
  }
  return datagrams.filter((d) => d.bytes.length > 0 && !d.peek).map((d) => ({ dir: d.dir, hex: d.bytes.join('') }));
}

function ip(...args) {
  execFileSync('ip', ['-n', NS, ...args], { stdio: 'ignore' });
}

const vectors = {};
function capture(name, cmd, keep = 'last-out') {
  const grams = trace(cmd, name.endsWith('-exists'));
  const outs = grams.filter((g) => g.dir === 'out');
  const ins = grams.filter((g) => g.dir === 'in');
  const v = { command: cmd.join(' ') };
  if (keep === 'last-out' || keep === 'both') v.request = outs.at(-1)?.hex;
  if (keep === 'replies' || keep === 'both') v.replies = ins.map((g) => g.hex);
  vectors[name] = v;
}

const N = ['ip', '-n', NS];
let sleeper;
try {
  execFileSync('ip', ['netns', 'add', NS]);
  execFileSync('ip', ['netns', 'add', NS2]);
  capture('link-add-veth', [...N, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
  capture('link-add-bridge', [...N, 'link', 'add', 'br0', 'type', 'bridge']);
  capture('link-add-vxlan', [...N, 'link', 'add', 'vx0', 'type', 'vxlan', 'dev', 'va', 'ttl', '64', 'id', '42', 'local', '10.0.0.1', 'nolearning', 'dstport', '4789']);
  capture('link-add-vxlan-group', [...N, 'link', 'add', 'vx1', 'type', 'vxlan', 'dev', 'va', 'l2miss', 'l3miss', 'id', '43', 'group', '239.1.1.1', 'learning', 'dstport', '8472']);
  capture('link-add-veth-peer-netns', [...N, 'link', 'add', 'vc', 'type', 'veth', 'peer', 'name', 'vd', 'netns', NS2]);
  capture('link-add-exists', [...N, 'link', 'add', 'br0', 'type', 'bridge'], 'both');
  capture('link-set-up', [...N, 'link', 'set', 'va', 'up']);
  capture('link-set-down', [...N, 'link', 'set', 'va', 'down']);
  capture('link-set-mtu', [...N, 'link', 'set', 'va', 'mtu', '1400']);
  capture('link-set-address', [...N, 'link', 'set', 'va', 'address', '02:00:00:00:00:01']);
  capture('link-set-master', [...N, 'link', 'set', 'va', 'master', 'br0']);
  capture('link-set-nomaster', [...N, 'link', 'set', 'va', 'nomaster']);
  ip('link', 'set', 'va', 'up');
  ip('link', 'set', 'vb', 'up');
  capture('addr-add', [...N, 'addr', 'add', '10.1.0.1/24', 'dev', 'va']);
  capture('addr-add6', [...N, 'addr', 'add', 'fd00::1/64', 'dev', 'va', 'nodad']);
  capture('route-add-via', [...N, 'route', 'add', '10.2.0.0/24', 'via', '10.1.0.2', 'dev', 'va']);
  capture('route-add-dev', [...N, 'route', 'add', '10.3.0.0/24', 'dev', 'va']);
  capture('route-add-onlink', [...N, 'route', 'add', '10.4.0.0/24', 'via', '192.168.9.1', 'dev', 'va', 'onlink']);
  capture('route-replace-table', [...N, 'route', 'replace', '10.5.0.0/24', 'dev', 'va', 'table', '100']);
  capture('route-add-default', [...N, 'route', 'add', 'default', 'via', '10.1.0.254', 'dev', 'va']);
  capture('route-add6', [...N, 'route', 'add', 'fd01::/64', 'via', 'fd00::2', 'dev', 'va']);
  capture('route-list', [...N, 'route', 'show', 'table', 'all'], 'both');
  capture('route-del', [...N, 'route', 'del', '10.2.0.0/24', 'via', '10.1.0.2', 'dev', 'va']);
  capture('neigh-add', [...N, 'neigh', 'add', '10.1.0.5', 'lladdr', '02:00:00:00:00:05', 'dev', 'va', 'nud', 'permanent']);
  capture('neigh-replace', [...N, 'neigh', 'replace', '10.1.0.6', 'lladdr', '02:00:00:00:00:06', 'dev', 'va', 'nud', 'reachable']);
  capture('neigh-list', [...N, 'neigh', 'show', 'dev', 'va'], 'both');
  capture('neigh-del', [...N, 'neigh', 'del', '10.1.0.5', 'dev', 'va']);
  capture('fdb-append', ['bridge', '-n', NS, 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', '10.0.0.2', 'self', 'permanent']);
  ip('link', 'add', 've', 'type', 'veth', 'peer', 'name', 'vf');
  ip('link', 'set', 've', 'master', 'br0');
  capture('fdb-add-master', ['bridge', '-n', NS, 'fdb', 'add', '02:00:00:00:00:07', 'dev', 've', 'master', 'static']);
  capture('fdb-list', ['bridge', '-n', NS, 'fdb', 'show', 'dev', 'vx0'], 'both');
  capture('fdb-del', ['bridge', '-n', NS, 'fdb', 'del', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', '10.0.0.2', 'self']);
  capture('addr-list', [...N, 'addr', 'show', 'dev', 'va'], 'both');
  capture('link-show-vxlan', [...N, '-d', 'link', 'show', 'dev', 'vx0'], 'both');
  capture('link-show-veth', [...N, '-d', 'link', 'show', 'dev', 'va'], 'both');
  capture('link-show-bridge', [...N, '-d', 'link', 'show', 'dev', 'br0'], 'both');
  capture('addr-del', [...N, 'addr', 'del', '10.1.0.1/24', 'dev', 'va']);
  capture('link-del', [...N, 'link', 'del', 'vx1']);
  // A process inside NS2 whose pid names that namespace (never our own netns).
  sleeper = spawn('ip', ['netns', 'exec', NS2, 'sleep', '60'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 200));
  capture('link-set-netns-pid', [...N, 'link', 'set', 'vb', 'netns', String(sleeper.pid)]);
  writeFileSync(out, `${JSON.stringify(vectors, null, 1)}\n`);
  console.log(`wrote ${Object.keys(vectors).length} vectors to ${out}`);
} finally {
  sleeper?.kill();
  spawnSync('ip', ['netns', 'del', NS]);
  spawnSync('ip', ['netns', 'del', NS2]);
}
