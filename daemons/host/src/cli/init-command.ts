/**
 * `flynn-host init`: writes the daemon's default arguments to
 * /etc/flynn/host.json (FLYNN_HOST_CONFIG or --config overrides) and, unless
 * --no-systemd, a systemd unit (--unit, default
 * /etc/systemd/system/flynn-host.service). Refuses to overwrite without --force.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CommandContext } from './context.js';
import { parse, UsageError } from './context.js';
import { hostJson, initProblem, systemdUnit } from './init-files.js';
import type { InitOptions } from './init-files.js';

const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

export async function init({ argv, io }: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, {
    'peer-ips': { type: 'string' },
    discoverd: { type: 'string' },
    'external-ip': { type: 'string' },
    id: { type: 'string' },
    tags: { type: 'string' },
    config: { type: 'string' },
    unit: { type: 'string' },
    'exec-path': { type: 'string' },
    'no-systemd': { type: 'boolean' },
    force: { type: 'boolean' },
  });
  const o: InitOptions = { extraArgs: positionals };
  const peers = list(values['peer-ips']);
  if (peers.length > 0) o.peerIps = peers;
  const discoverd = list(values.discoverd);
  if (discoverd.length > 0) o.discoverd = discoverd;
  if (typeof values['external-ip'] === 'string') o.externalIp = values['external-ip'];
  if (typeof values.id === 'string') o.id = values.id;
  if (typeof values.tags === 'string') {
    const tags: Record<string, string> = {};
    for (const pair of list(values.tags)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--tags: want KEY=VAL, got ${JSON.stringify(pair)}`);
      tags[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    o.tags = tags;
  }
  const problem = initProblem(o);
  if (problem) throw new UsageError(problem);
  const configPath = (values.config as string | undefined) ?? io.env.FLYNN_HOST_CONFIG ?? '/etc/flynn/host.json';
  const unitPath = (values.unit as string | undefined) ?? '/etc/systemd/system/flynn-host.service';
  const writes: [string, string][] = [[configPath, hostJson(o)]];
  if (!values['no-systemd']) writes.push([unitPath, systemdUnit((values['exec-path'] as string | undefined) ?? defaultExecPath(), configPath)]);
  if (!values.force) {
    const existing = writes.map(([p]) => p).filter((p) => existsSync(p));
    if (existing.length > 0) {
      io.err(`flynn-host init: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} (use --force to overwrite)\n`);
      return 1;
    }
  }
  for (const [path, text] of writes) {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, path);
    io.out(`wrote ${path}\n`);
  }
  if (!values['no-systemd']) io.out(`start it with: systemctl daemon-reload && systemctl enable --now flynn-host\n`);
  return 0;
}

/** The installed `flynn-host` bin when run from one, else this node + script. */
function defaultExecPath(): string {
  const script = process.argv[1] ?? 'flynn-host';
  return script.endsWith('/flynn-host') ? script : `${process.execPath} ${script}`;
}
