/**
 * `~/.flynnrc`, the original's TOML format (cli/config/config.go):
 *
 *   default = "default"
 *
 *   [[cluster]]
 *     Name = "default"
 *     Key = "e09dc5301d72be755a3d666f617c4600"
 *     TLSPin = "KGCENkp53YF5OvOKkZIry71+czFRkSw2ZdMszZ/0ljs="
 *     ControllerURL = "https://controller.dev.localflynn.com"
 *     GitURL = "https://git.dev.localflynn.com"
 *     ImageURL = "https://images.dev.localflynn.com"
 *
 * Keys match case-insensitively, as Go's TOML decoder matched struct
 * fields; unknown keys are dropped on save (as the original did). Written
 * back in the Go encoder's layout and field order (`OAuthURL`, `Key`,
 * `TLSPin` and `DockerPushURL` only when set), so the file stays readable by
 * the original CLI. Pure: parsing, formatting and the edits `cluster add`,
 * `remove` and `default` make.
 */
import { parse } from 'smol-toml';
import { CLI_CONFIG, CliError } from '../errors.js';

export interface FlynnrcCluster {
  name: string;
  /** The controller key (absent for OAuth clusters). */
  key?: string;
  /** Base64 SHA-256 of the controller's TLS certificate (DER). */
  tlsPin?: string;
  controllerUrl: string;
  /** `https://git.<domain>`; empty when git is not configured. */
  gitUrl: string;
  imageUrl: string;
  dockerPushUrl?: string;
  oauthUrl?: string;
}

export interface Flynnrc {
  /** Name of the default cluster ('' or absent: the first one). */
  default?: string;
  clusters: FlynnrcCluster[];
}

/** TOML key → field, in the Go struct's order. */
const FIELDS = [
  ['Name', 'name'],
  ['OAuthURL', 'oauthUrl'],
  ['Key', 'key'],
  ['TLSPin', 'tlsPin'],
  ['ControllerURL', 'controllerUrl'],
  ['GitURL', 'gitUrl'],
  ['ImageURL', 'imageUrl'],
  ['DockerPushURL', 'dockerPushUrl'],
] as const satisfies ReadonlyArray<readonly [string, keyof FlynnrcCluster]>;

/** Fields the Go encoder leaves out when empty (`omitempty`). */
const OMIT_EMPTY: ReadonlySet<keyof FlynnrcCluster> = new Set(['oauthUrl', 'key', 'tlsPin', 'dockerPushUrl']);

function configError(message: string): CliError {
  return new CliError(`flynnrc: ${message}`, { code: CLI_CONFIG });
}

export function parseFlynnrc(text: string): Flynnrc {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    throw configError(`invalid TOML: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  const rc: Flynnrc = { clusters: [] };
  for (const [key, value] of Object.entries(doc)) {
    const k = key.toLowerCase();
    if (k === 'default') {
      if (typeof value !== 'string') throw configError('default must be a string');
      if (value !== '') rc.default = value;
    } else if (k === 'cluster') {
      if (!Array.isArray(value)) throw configError('cluster must be an array of tables ([[cluster]])');
      value.forEach((entry, i) => rc.clusters.push(parseCluster(entry, i + 1)));
    }
  }
  return rc;
}

function parseCluster(entry: unknown, n: number): FlynnrcCluster {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw configError(`cluster ${n} must be a table`);
  const out: Partial<Record<keyof FlynnrcCluster, string>> = {};
  for (const [key, value] of Object.entries(entry)) {
    const field = FIELDS.find(([toml]) => toml.toLowerCase() === key.toLowerCase())?.[1];
    if (!field) continue;
    if (typeof value !== 'string') throw configError(`cluster ${n}: ${key} must be a string`);
    out[field] = value;
  }
  if (!out.name) throw configError(`cluster ${n} has no Name`);
  const cluster: FlynnrcCluster = { name: out.name, controllerUrl: out.controllerUrl ?? '', gitUrl: out.gitUrl ?? '', imageUrl: out.imageUrl ?? '' };
  for (const f of ['key', 'tlsPin', 'dockerPushUrl', 'oauthUrl'] as const) {
    const v = out[f];
    if (v) cluster[f] = v;
  }
  return cluster;
}

/** TOML basic string (JSON's escapes are a subset of TOML's). */
function tomlString(s: string): string {
  return JSON.stringify(s);
}

/** The file's text: empty without clusters (as the original wrote it). */
export function formatFlynnrc(rc: Flynnrc): string {
  if (rc.clusters.length === 0) return '';
  let out = `default = ${tomlString(rc.default ?? '')}\n`;
  for (const c of rc.clusters) {
    out += '\n[[cluster]]\n';
    for (const [toml, field] of FIELDS) {
      const v = c[field] ?? '';
      if (v === '' && OMIT_EMPTY.has(field)) continue;
      out += `  ${toml} = ${tomlString(v)}\n`;
    }
  }
  return out + '\n';
}

/**
 * Adds a cluster. A cluster with the same name, git URL or controller URL
 * conflicts; with `force` it is replaced, else the original's message is
 * thrown. The first cluster, or `setDefault`, becomes the default.
 */
export function addCluster(rc: Flynnrc, cluster: FlynnrcCluster, options: { force?: boolean; setDefault?: boolean } = {}): Flynnrc {
  let conflict = -1;
  let message = '';
  rc.clusters.forEach((existing, i) => {
    let m = '';
    if (existing.name === cluster.name) m = `Cluster ${JSON.stringify(cluster.name)} already exists in ~/.flynnrc`;
    else if (existing.gitUrl !== '' && existing.gitUrl === cluster.gitUrl) m = `A cluster with the URL ${JSON.stringify(cluster.gitUrl)} already exists in ~/.flynnrc`;
    else if (existing.controllerUrl === cluster.controllerUrl) m = `A cluster with the URL ${JSON.stringify(cluster.controllerUrl)} already exists in ~/.flynnrc`;
    if (m === '') return;
    if (conflict !== -1 && conflict !== i) throw new CliError('The cluster name and/or URLs conflict with multiple existing clusters.');
    conflict = i;
    message = m;
  });
  if (conflict !== -1 && !options.force) throw new CliError(`${message} (use --force to replace it)`);
  const clusters = rc.clusters.filter((_, i) => i !== conflict);
  clusters.push(cluster);
  const next: Flynnrc = { clusters };
  const def = options.setDefault || clusters.length === 1 ? cluster.name : rc.default;
  if (def !== undefined && clusters.some((c) => c.name === def)) next.default = def;
  return next;
}

/** Removes a cluster; when it was the default, the first remaining one becomes the default. */
export function removeCluster(rc: Flynnrc, name: string): { rc: Flynnrc; removed: FlynnrcCluster | undefined; newDefault?: string } {
  const removed = rc.clusters.find((c) => c.name === name);
  if (!removed) return { rc, removed: undefined };
  const clusters = rc.clusters.filter((c) => c !== removed);
  const next: Flynnrc = { clusters };
  if (rc.default === name) {
    const first = clusters[0]?.name;
    if (first !== undefined) {
      next.default = first;
      return { rc: next, removed, newDefault: first };
    }
    return { rc: next, removed };
  }
  if (rc.default !== undefined) next.default = rc.default;
  return { rc: next, removed };
}

export function setDefaultCluster(rc: Flynnrc, name: string): Flynnrc {
  if (!rc.clusters.some((c) => c.name === name)) throw new CliError(`Cluster ${JSON.stringify(name)} does not exist and cannot be set as default.`);
  return { ...rc, default: name };
}

/** The named cluster, else the default, else the first one. */
export function selectCluster(rc: Flynnrc, name?: string): FlynnrcCluster {
  if (rc.clusters.length === 0) throw new CliError('no clusters configured: add one with flynn cluster add');
  const wanted = name || rc.default;
  if (!wanted) return rc.clusters[0]!;
  const found = rc.clusters.find((c) => c.name === wanted);
  if (!found) throw new CliError(`unknown cluster ${JSON.stringify(wanted)}`);
  return found;
}

/** The cluster URLs `flynn cluster add <name> <domain> <key>` derives from a domain. */
export function clusterUrls(domain: string, options: { gitUrl?: string; imageUrl?: string; controllerUrl?: string; noGit?: boolean } = {}): Pick<FlynnrcCluster, 'controllerUrl' | 'gitUrl' | 'imageUrl'> {
  // The legacy form passes the controller URL as the domain.
  const legacy = /^https:\/\/controller\./i.exec(domain);
  let d = legacy ? domain.slice(legacy[0].length) : domain;
  d = d.replace(/\/+$/, '');
  // Any other URL is the controller itself (a local cluster without a domain).
  const isUrl = /^https?:\/\//i.test(d);
  const controllerUrl = options.controllerUrl ?? (isUrl ? d : `https://controller.${d}`);
  const gitUrl = options.gitUrl ?? (options.noGit || isUrl ? '' : `https://git.${d}`);
  const imageUrl = options.imageUrl ?? (isUrl ? '' : `https://images.${d}`);
  return { controllerUrl: controllerUrl.replace(/\/+$/, ''), gitUrl: gitUrl.replace(/\/+$/, ''), imageUrl: imageUrl.replace(/\/+$/, '') };
}
