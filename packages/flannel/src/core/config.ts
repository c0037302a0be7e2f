/**
 * The overlay network config: one document for the whole cluster, stored
 * create-only in the `flannel` service meta by the first agent to start
 * (reference §3). Field names are the JSON names.
 */
import { FLANNEL_INVALID_CONFIG, FlannelError } from './errors.js';
import { formatCidr, parseCidr, sizeOf } from './ipv4.js';
import type { Ipv4Net } from './ipv4.js';

export interface VxlanBackend {
  type: 'vxlan';
  /** VXLAN network identifier (1–16777215). The device is `flannel.<vni>`. */
  vni: number;
  /** UDP port of the VXLAN underlay traffic. */
  port: number;
}

export interface NetworkConfig {
  /** The overlay network, e.g. `100.100.0.0/16`. */
  network: string;
  /** Prefix length of each host's subnet, e.g. 24. */
  subnet_len: number;
  backend: VxlanBackend;
}

/** What a caller may choose; the rest is defaulted. */
export interface NetworkConfigInput {
  network?: string;
  subnetLen?: number;
  vni?: number;
  port?: number;
}

export const DEFAULT_NETWORK = '100.100.0.0/16';
export const DEFAULT_VNI = 1;
/** flannel's (and the Linux kernel's) traditional VXLAN port; IANA's is 4789. */
export const DEFAULT_VXLAN_PORT = 8472;
/** Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) headers. */
export const VXLAN_OVERHEAD = 50;
/** Largest subnet prefix: a host needs its VTEP (.0), its bridge (.1) and room for jobs. */
export const MAX_SUBNET_LEN = 30;

/** Builds and validates a config from chosen values and defaults. */
export function networkConfig(input: NetworkConfigInput = {}): NetworkConfig {
  const network = input.network ?? DEFAULT_NETWORK;
  const net = parseNetwork(network);
  return checkConfig({
    network: formatCidr(net),
    subnet_len: input.subnetLen ?? defaultSubnetLen(net.prefix),
    backend: { type: 'vxlan', vni: input.vni ?? DEFAULT_VNI, port: input.port ?? DEFAULT_VXLAN_PORT },
  });
}

/**
 * Validates a stored config. Also accepts the original Go field names the
 * Flynn wrapper wrote (`Network`, `SubnetLen`, `Backend: {Type, VNI, Port}`).
 */
export function parseNetworkConfig(raw: unknown): NetworkConfig {
  if (!isRecord(raw)) throw invalid('config', 'the network config must be an object');
  const network = pick(raw, 'network', 'Network');
  if (typeof network !== 'string') throw invalid('network', 'network must be a CIDR string');
  const net = parseNetwork(network);
  const subnetLen = pick(raw, 'subnet_len', 'SubnetLen') ?? defaultSubnetLen(net.prefix);
  const backend = pick(raw, 'backend', 'Backend') ?? {};
  if (!isRecord(backend)) throw invalid('backend', 'backend must be an object');
  const type = pick(backend, 'type', 'Type') ?? 'vxlan';
  if (type !== 'vxlan') throw invalid('backend.type', `backend type ${JSON.stringify(type)} is not supported (only vxlan)`);
  const vni = pick(backend, 'vni', 'VNI') ?? DEFAULT_VNI;
  const port = pick(backend, 'port', 'Port') ?? DEFAULT_VXLAN_PORT;
  return checkConfig({ network: formatCidr(net), subnet_len: subnetLen as number, backend: { type: 'vxlan', vni: vni as number, port: port as number } });
}

/** The parsed overlay network of a (valid) config. */
export function networkOf(config: NetworkConfig): Ipv4Net {
  return parseNetwork(config.network);
}

/** How many host subnets the network holds. */
export function subnetCount(config: NetworkConfig): number {
  return sizeOf(networkOf(config).prefix) / sizeOf(config.subnet_len);
}

/** The VXLAN device name for a VNI, as flannel names it. */
export function vxlanDeviceName(vni: number): string {
  return `flannel.${vni}`;
}

/** The overlay MTU for an underlay MTU (VXLAN over IPv4). */
export function overlayMtu(underlayMtu: number): number {
  return underlayMtu - VXLAN_OVERHEAD;
}

/** True when both configs describe the same network. */
export function sameConfig(a: NetworkConfig, b: NetworkConfig): boolean {
  return a.network === b.network && a.subnet_len === b.subnet_len && a.backend.vni === b.backend.vni && a.backend.port === b.backend.port;
}

/** /24 hosts in a bigger network; half the network when it is a /24 or smaller (reference §3). */
function defaultSubnetLen(prefix: number): number {
  return prefix < 24 ? 24 : prefix + 1;
}

function checkConfig(c: NetworkConfig): NetworkConfig {
  const prefix = parseNetwork(c.network).prefix;
  if (!Number.isInteger(c.subnet_len) || c.subnet_len <= prefix || c.subnet_len > MAX_SUBNET_LEN) {
    throw invalid('subnet_len', `subnet_len must be an integer in ${prefix + 1}..${MAX_SUBNET_LEN} for ${c.network}, got ${String(c.subnet_len)}`);
  }
  if (c.subnet_len - prefix > 24) throw invalid('subnet_len', `${c.network} split into /${c.subnet_len}s gives too many subnets (at most 2^24)`);
  if (!Number.isInteger(c.backend.vni) || c.backend.vni < 1 || c.backend.vni > 0xffffff) {
    throw invalid('backend.vni', `vni must be an integer in 1..16777215, got ${String(c.backend.vni)}`);
  }
  if (!Number.isInteger(c.backend.port) || c.backend.port < 1 || c.backend.port > 65535) {
    throw invalid('backend.port', `port must be an integer in 1..65535, got ${String(c.backend.port)}`);
  }
  return c;
}

function parseNetwork(s: string): Ipv4Net {
  const net = parseCidr(s);
  if (!net) throw invalid('network', `network must be an IPv4 CIDR with no host bits set, got ${JSON.stringify(s)}`);
  if (net.prefix < 1) throw invalid('network', 'network must not be 0.0.0.0/0');
  return net;
}

function pick(o: Record<string, unknown>, name: string, goName: string): unknown {
  return o[name] !== undefined ? o[name] : o[goName];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(field: string, message: string): FlannelError {
  return new FlannelError(FLANNEL_INVALID_CONFIG, message, { detail: { field, message } });
}
