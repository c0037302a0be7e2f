/**
 * `flynn-host init`'s output, as pure functions: the daemon's default
 * arguments (`/etc/flynn/host.json`, `{"args": [...]}`, read by
 * `flynn-host daemon`) and a systemd unit that runs the daemon.
 */

export interface InitOptions {
  /** discoverd peers' IPs (`--peer-ips`): the daemon gets `--peer-ips` and `--discoverd http://<ip>:1111,...`. */
  peerIps?: string[];
  /** `--discoverd` URLs when given directly. */
  discoverd?: string[];
  externalIp?: string;
  /** Host id (default the hostname, as the daemon decides). */
  id?: string;
  tags?: Record<string, string>;
  /** Any further daemon flags, passed through verbatim (e.g. `--driver=oci`). */
  extraArgs?: string[];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A problem with the options (naming the flag), or undefined. */
export function initProblem(o: InitOptions): string | undefined {
  for (const ip of o.peerIps ?? []) if (!IPV4.test(ip)) return `--peer-ips: ${JSON.stringify(ip)} is not an IPv4 address`;
  if (o.externalIp !== undefined && !IPV4.test(o.externalIp)) return `--external-ip: ${JSON.stringify(o.externalIp)} is not an IPv4 address`;
  for (const u of o.discoverd ?? []) if (!/^https?:\/\/[^\s/]+/.test(u)) return `--discoverd: ${JSON.stringify(u)} is not an http(s) URL`;
  if (o.id !== undefined && !/^[A-Za-z0-9_.]+$/.test(o.id)) return `--id: ${JSON.stringify(o.id)} may only contain letters, digits, '_' and '.'`;
  for (const k of Object.keys(o.tags ?? {})) if (!/^[A-Za-z0-9_.-]+$/.test(k)) return `--tags: bad tag name ${JSON.stringify(k)}`;
  return undefined;
}

/** The daemon's default arguments, in the order a reader expects. */
export function hostArgs(o: InitOptions): string[] {
  const args: string[] = [];
  if (o.id) args.push(`--id=${o.id}`);
  if (o.externalIp) args.push(`--external-ip=${o.externalIp}`);
  const discoverd = o.discoverd && o.discoverd.length > 0 ? o.discoverd : (o.peerIps ?? []).map((ip) => `http://${ip}:1111`);
  if (o.peerIps && o.peerIps.length > 0) args.push(`--peer-ips=${o.peerIps.join(',')}`);
  if (discoverd.length > 0) args.push(`--discoverd=${discoverd.join(',')}`);
  const tags = Object.entries(o.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (tags.length > 0) args.push(`--tags=${tags.map(([k, v]) => `${k}=${v}`).join(',')}`);
  args.push(...(o.extraArgs ?? []));
  return args;
}

export function hostJson(o: InitOptions): string {
  return `${JSON.stringify({ args: hostArgs(o) }, null, 2)}\n`;
}

/** A systemd unit starting `<execPath> daemon`; the config path is passed through FLYNN_HOST_CONFIG. */
export function systemdUnit(execPath: string, configPath: string): string {
  return `[Unit]
Description=flynn-host: the flynn-ts job daemon
Documentation=https://example.invalid/flynn-ts/docs/host.md
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
Environment=FLYNN_HOST_CONFIG=${configPath}
ExecStart=${execPath} daemon
# Jobs outlive the daemon (they are re-attached on the next start): only the daemon is stopped.
KillMode=process
Restart=always
RestartSec=2
LimitNOFILE=1048576
TasksMax=infinity

[Install]
WantedBy=multi-user.target
`;
}
