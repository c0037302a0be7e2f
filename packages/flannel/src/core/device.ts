/**
 * The VXLAN device plan: from the wanted device and what the kernel has, the
 * operations that make them match. A device whose VNI, port, local address
 * or learning flag differ is deleted and created again (they cannot be
 * changed in place); the MTU, the up flag and the addresses are fixed in place.
 */

/** The device the agent wants. */
export interface VxlanSpec {
  /** `flannel.<vni>`. */
  name: string;
  vni: number;
  /** UDP destination port. */
  port: number;
  /** Underlay source address: the host's public IP. */
  local: string;
  /** Underlay MTU − 50. */
  mtu: number;
}

/** The device as the kernel reports it. */
export interface VxlanDeviceState {
  name: string;
  index: number;
  /** The link kind (`vxlan` for a VXLAN device). */
  kind: string;
  vni?: number;
  port?: number;
  local?: string;
  learning?: boolean;
  mtu: number;
  up: boolean;
  mac: string;
  /** IPv4 addresses as `a.b.c.d/n`. */
  addresses: string[];
}

export type DeviceOp =
  | { kind: 'device-delete'; name: string }
  | { kind: 'device-create'; spec: VxlanSpec }
  | { kind: 'device-set-mtu'; name: string; mtu: number }
  | { kind: 'address-del'; name: string; address: string }
  | { kind: 'address-add'; name: string; address: string }
  | { kind: 'device-up'; name: string };

/**
 * The operations for the device. With `address` (the VTEP address,
 * `<subnet network address>/32`), every other IPv4 address is removed and
 * that one added; without it, addresses are left alone (before the lease).
 */
export function planDevice(spec: VxlanSpec, current: VxlanDeviceState | undefined, address?: string): DeviceOp[] {
  const ops: DeviceOp[] = [];
  let addresses: readonly string[] = current?.addresses ?? [];
  let up = current?.up ?? false;
  if (!current || !compatible(spec, current)) {
    if (current) ops.push({ kind: 'device-delete', name: current.name });
    ops.push({ kind: 'device-create', spec });
    addresses = [];
    up = false;
  } else if (current.mtu !== spec.mtu) {
    ops.push({ kind: 'device-set-mtu', name: spec.name, mtu: spec.mtu });
  }
  if (address !== undefined) {
    for (const a of addresses) if (a !== address) ops.push({ kind: 'address-del', name: spec.name, address: a });
    if (!addresses.includes(address)) ops.push({ kind: 'address-add', name: spec.name, address });
  }
  if (!up) ops.push({ kind: 'device-up', name: spec.name });
  return ops;
}

/** Why an existing device cannot be kept, or undefined when it can. */
export function incompatibility(spec: VxlanSpec, current: VxlanDeviceState): string | undefined {
  if (current.kind !== 'vxlan') return `${current.name} is a ${current.kind} device, not vxlan`;
  if (current.vni !== spec.vni) return `vni ${String(current.vni)} != ${spec.vni}`;
  if (current.port !== spec.port) return `port ${String(current.port)} != ${spec.port}`;
  if (current.local !== spec.local) return `local ${String(current.local)} != ${spec.local}`;
  if (current.learning !== false) return 'learning is on';
  return undefined;
}

function compatible(spec: VxlanSpec, current: VxlanDeviceState): boolean {
  return incompatibility(spec, current) === undefined;
}
