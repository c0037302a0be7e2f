/**
 * `flannel`: the flynn-ts overlay daemon.
 *
 *   flannel --discoverd http://10.0.0.1:1111 --iface eth0 --notify-url http://10.0.0.1:1113/host/network
 *
 * Parses the command line (./config.ts), opens netlink (optionally in
 * another network namespace), and runs a `FlannelAgent` from
 * `@flynn-ts/flannel`: it leases a subnet in discoverd, wires the VXLAN
 * device, writes `subnet.env` and tells flynn-host. JSON log lines go to
 * stderr. SIGTERM/SIGINT stop it (keeping the lease unless
 * `--release-on-exit`), exit 0.
 */
import { readFile } from 'node:fs/promises';
import { jsonLogger } from '@flynn-ts/core';
import { readCommandLine, runDaemon, runMain, untilAborted } from '@flynn-ts/core/daemon';
import type { Logger } from '@flynn-ts/core';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { FlannelAgent, nameserversOf, netlinkKernel, notifyHost, readSubnetFile, writeSubnetFile } from '@flynn-ts/flannel';
import type { NetworkInfo } from '@flynn-ts/flannel';
import { Netlink } from '@flynn-ts/netlink';
import { ConfigError, parseCommandLine } from './config.js';
import type { FlannelConfig } from './config.js';

export { parseCommandLine, ConfigError, USAGE } from './config.js';
export type { FlannelConfig, ParsedCommandLine } from './config.js';

/** Runs the daemon with `argv` and `env`; resolves with the exit code. */
export async function runFlannel(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const parsed = readCommandLine(() => parseCommandLine(argv, env), ConfigError);
  if ('exitCode' in parsed) return parsed.exitCode;
  const config = parsed.config;
  const logger = jsonLogger({ level: config.logLevel, fields: { app: 'flannel' } });
  return runDaemon((stop) => serve(config, logger, stop), { logger });
}

async function serve(config: FlannelConfig, logger: Logger, signal: AbortSignal): Promise<number> {
  let nl: Netlink;
  try {
    nl = new Netlink(config.netns ? { netns: config.netns } : {});
  } catch (err) {
    logger.error({ event: 'netlink_failed', err, netns: config.netns }, 'cannot open netlink');
    return 1;
  }
  const discovery = new DiscoveryClient({ servers: config.discoverd, logger });
  const resolvers = nameserversOf(await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
  const preferred = await readSubnetFile(config.subnetFile).catch(() => undefined);
  const agent = new FlannelAgent({
    discovery,
    kernel: netlinkKernel(nl),
    logger,
    config: { network: config.network, vni: config.vni, port: config.port, ...(config.subnetLen !== undefined ? { subnetLen: config.subnetLen } : {}) },
    underlay: { ...(config.iface ? { iface: config.iface } : {}), ...(config.publicIp ? { publicIp: config.publicIp } : {}) },
    leaseTtlMs: config.leaseTtlMs,
    resyncIntervalMs: config.resyncMs,
    ...(preferred ? { preferredSubnet: preferred } : {}),
    ...(config.mtu !== undefined ? { mtu: config.mtu } : {}),
    onNetwork: (info) => report(config, info, resolvers, logger, signal),
  });
  let code = 0;
  try {
    await agent.start(signal);
    await untilAborted(signal);
  } catch (err) {
    if (!signal.aborted) {
      logger.error({ event: 'start_failed', err }, 'flannel failed to start');
      code = 1;
    }
  }
  await agent.stop({ release: config.releaseOnExit && code === 0 }).catch((err: unknown) => logger.warn({ err }, 'stopping the agent failed'));
  await discovery.close();
  nl.close();
  logger.info({ event: 'stopped' }, 'flannel stopped');
  return code;
}

/** Writes subnet.env, then tells the host (if a notify URL is set). */
async function report(config: FlannelConfig, info: NetworkInfo, resolvers: string[], logger: Logger, signal: AbortSignal): Promise<void> {
  await writeSubnetFile(config.subnetFile, info);
  logger.info({ event: 'subnet_file', path: config.subnetFile, subnet: info.gateway, mtu: info.mtu }, 'subnet file written');
  if (!config.notifyUrl) return;
  await notifyHost(config.notifyUrl, info, { resolvers, logger, signal, ...(config.jobId ? { jobId: config.jobId } : {}) });
  logger.info({ event: 'notified', url: config.notifyUrl }, 'host notified');
}

runMain(import.meta.url, 'flannel', () => runFlannel(process.argv.slice(2), process.env), { version: true });
