/**
 * `flynn-host daemon`: builds the modules the flags ask for (driver, network,
 * images, logs, discovery), starts the host (@flynn-ts/host `startHost`) and
 * stops it on SIGTERM/SIGINT, leaving jobs running unless
 * `--stop-jobs-on-exit`. Logs JSON lines to stderr.
 */
import { join } from 'node:path';
import type { Logger } from '@flynn-ts/core';
import { jsonLogger } from '@flynn-ts/core';
import { DiscoveryClient } from '@flynn-ts/discovery';
import type { ImageStore, RuntimeDriver } from '@flynn-ts/host';
import { BridgeNetworkManager, FileLogManager, LayerImageStore, OciDriver, ProcessDriver, startHost } from '@flynn-ts/host';
import type { DaemonConfig } from './daemon-config.js';

export interface DaemonIo {
  /** Resolves when the process should stop (a signal), with the signal's name. */
  stopSignal: Promise<string>;
  write(line: string): void;
}

export async function runDaemon(config: DaemonConfig, io: DaemonIo): Promise<number> {
  const logger: Logger = jsonLogger({ level: config.logLevel, write: io.write, fields: { app: 'flynn-host' } });
  for (const flag of config.ignored) logger.warn({ event: 'flag_ignored', flag }, `--${flag} is accepted but ignored`);
  const discovery = config.discoverd ? new DiscoveryClient({ servers: [config.discoverd], logger, ...(config.externalIp ? { externalIp: config.externalIp } : {}) }) : undefined;
  const { driver, network, images } = buildRuntime(config, logger);
  const logs = new FileLogManager({ dir: config.logDir, hostId: config.id, logger, ...(discovery ? { discovery } : {}) });
  let host;
  try {
    // The bridge, NAT and IP allocations of the last run (jobs keep using them).
    await network?.restore();
    host = await startHost({
      id: config.id,
      stateDir: config.stateDir,
      volumesDir: config.volPath,
      driver,
      logs,
      ...(network ? { network } : {}),
      ...(images ? { images } : {}),
      port: config.httpPort,
      listenAddress: config.listenIp ?? '0.0.0.0',
      ...(config.externalIp ? { externalIp: config.externalIp } : {}),
      ...(config.listenIp ? { listenIp: config.listenIp } : {}),
      // Without --tags, the tags last set through POST /host/tags (persisted) apply.
      ...(Object.keys(config.tags).length > 0 ? { tags: config.tags } : {}),
      ...(discovery ? { discovery } : {}),
      jobs: { maxConcurrentStarts: config.maxJobConcurrency, stopGraceMs: config.stopGraceMs, resurrect: config.resurrect, waitForDiscoverd: config.waitDiscoverd },
      flags: config.argv,
      capacity: { ...(config.memoryBytes !== undefined ? { memory: config.memoryBytes } : {}), ...(config.milliCpus !== undefined ? { cpu: config.milliCpus } : {}) },
      logger,
    });
    if (config.discoverd) await host.jobs.configureDiscoverd({ url: config.discoverd });
    if (config.subnet) await host.jobs.configureNetwork({ subnet: config.subnet });
  } catch (err) {
    logger.error({ event: 'start_failed', err }, 'flynn-host failed to start');
    await logs.close().catch(() => {});
    await discovery?.close().catch(() => {});
    await host?.close();
    return 1;
  }
  const signal = await io.stopSignal;
  logger.info({ event: 'signal', signal, stopJobs: config.stopJobsOnExit }, 'shutting down');
  await host.close({ stopJobs: config.stopJobsOnExit });
  await logs.close();
  await discovery?.close();
  return 0;
}

function buildRuntime(config: DaemonConfig, logger: Logger): { driver: RuntimeDriver; network?: BridgeNetworkManager; images?: ImageStore } {
  if (config.driver === 'process') {
    logger.warn({ event: 'process_driver' }, 'process driver: jobs run as plain host processes with NO isolation');
    return { driver: new ProcessDriver({ logger }) };
  }
  return {
    driver: new OciDriver({ runtime: config.runtime, cgroupParent: config.cgroupParent, logger }),
    network: new BridgeNetworkManager({ stateDir: join(config.stateDir, 'network'), bridgeName: config.bridgeName, logger }),
    images: new LayerImageStore({ dir: config.imageDir, unmountDelayMs: config.layerUnmountDelayMs, logger }),
  };
}
