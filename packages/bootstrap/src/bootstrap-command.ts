/**
 * `flynn-host bootstrap [options] [<manifest>]` (reference §4.1): the command
 * line around {@link runBootstrap}. daemons/host's CLI calls
 * `bootstrapCommand(argv, io)` with the arguments after `bootstrap`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FlynnError } from '@flynn-ts/core';
import { parseManifest } from './core/parse-manifest.js';
import { progressReporter } from './progress-reporter.js';
import { runBootstrap } from './run-bootstrap.js';

export interface BootstrapCommandIo {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Draw live progress (stdout is a terminal). Default false. */
  stdoutIsTty?: boolean;
  /** Cancels the run (Ctrl-C). */
  signal?: AbortSignal;
}

export const BOOTSTRAP_USAGE_TEXT = `usage: flynn-host bootstrap [options] [<manifest>]

Bootstraps a cluster from a manifest of steps (docs/bootstrap.md). <manifest> is a file, or
"cluster" / "dev" for a manifest shipped with @flynn-ts/bootstrap [default: /etc/flynn/bootstrap-manifest.json].

options:
  --min-hosts=N          hosts to wait for; 1 means singleton mode (every count capped at 1) [default: 1]
  --timeout=SECS         deadline of each step that waits [default: 120]
  --json                 print one JSON object per step
  --discoverd=URL        discoverd, where the hosts and the controller are found
                         [default: $DISCOVERD, else http://127.0.0.1:1111]
  --peer-ips=IP,...      use the hosts at these IPs (port 1113) instead of discovery
  --controller-url=URL   the controller's URL [default: found in discoverd]

Environment: CLUSTER_DOMAIN (required by the shipped manifests), CONTROLLER_KEY, TLS_CA/TLS_CERT/TLS_KEY
(else generated), and whatever else the manifest reads with getenv.`;

const SHIPPED = ['cluster', 'dev'] as const;

/** The path of a manifest shipped in this package's `manifests/` directory. */
export function shippedManifestPath(name: (typeof SHIPPED)[number]): string {
  return fileURLToPath(new URL(`../manifests/${name}.json`, import.meta.url));
}

/** Runs the command; resolves with the exit status (0 done, 1 failed, 2 usage). */
export async function bootstrapCommand(argv: readonly string[], io: BootstrapCommandIo): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'min-hosts': { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        discoverd: { type: 'string' },
        'peer-ips': { type: 'string' },
        'controller-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err(`flynn-host bootstrap: ${(err as Error).message}\n\n${BOOTSTRAP_USAGE_TEXT}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${BOOTSTRAP_USAGE_TEXT}\n`);
    return 0;
  }
  const minHosts = intFlag(values['min-hosts'] ?? '1', 1, 1000);
  const timeout = intFlag(values.timeout ?? '120', 1, 86_400);
  if (minHosts === undefined || timeout === undefined || positionals.length > 1) {
    io.err(`flynn-host bootstrap: ${positionals.length > 1 ? 'give one manifest' : minHosts === undefined ? '--min-hosts must be a number from 1' : '--timeout must be a number of seconds'}\n\n${BOOTSTRAP_USAGE_TEXT}\n`);
    return 2;
  }
  const path = manifestPath(positionals[0]);
  let manifest;
  try {
    manifest = parseManifest(await readFile(path, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `no manifest at ${path}` : (err as Error).message;
    io.err(`flynn-host bootstrap: ${path}: ${why}\n`);
    return 1;
  }
  const peers = (values['peer-ips'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const discoverd = values.discoverd ?? (io.env.DISCOVERD || 'http://127.0.0.1:1111');
  try {
    await runBootstrap(manifest, {
      ...(peers.length > 0 ? { hostUrls: peers.map((ip) => `http://${ip.includes(':') && !ip.startsWith('[') ? `[${ip}]` : ip}:1113`) } : {}),
      discoverd: discoverd.split(',').map((u) => (u.includes('://') ? u : `http://${u}`)),
      ...(values['controller-url'] ? { controllerUrl: values['controller-url'] } : {}),
      minHosts,
      timeoutMs: timeout * 1000,
      env: io.env,
      onEvent: progressReporter({ write: io.out, json: values.json === true, live: io.stdoutIsTty === true && values.json !== true }),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    return 0;
  } catch (err) {
    io.err(`flynn-host bootstrap: ${FlynnError.is(err) || err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function manifestPath(arg: string | undefined): string {
  if (arg === undefined) return '/etc/flynn/bootstrap-manifest.json';
  if ((SHIPPED as readonly string[]).includes(arg) && !existsSync(arg)) return shippedManifestPath(arg as (typeof SHIPPED)[number]);
  return arg;
}

function intFlag(text: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}
