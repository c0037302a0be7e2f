/**
 * An in-memory `OverlayKernel` for unit tests of the agent (and of anything
 * built on it): interfaces, VXLAN devices with their addresses, and per-device
 * routes / neighbours / FDB entries changed by the same op model the reconcile
 * property tests use (`applyOps`). Every call is recorded in `log`.
 *
 * Failure injection: `failNext(n, err, match)` makes the next n mutating calls
 * (that `match` accepts) reject.
 */
import type { DeviceOp, VxlanDeviceState } from '../core/device.js';
import type { KernelState, NetlinkOp } from '../core/reconcile.js';
import type { InterfaceInfo } from '../core/underlay.js';
import type { OverlayKernel } from '../overlay-kernel.js';
import { applyOps } from './kernel-model.js';

export interface FakeKernelOptions {
  /** Default: one interface `eth0` (index 2, MTU 1500) with `192.168.250.1/24`. */
  interfaces?: InterfaceInfo[];
  /** Default: the first interface's name. */
  defaultRouteInterface?: string;
  /** Seed of the MACs given to created devices (so several fakes differ). Default 1. */
  macSeed?: number;
}

export type FakeKernelCall = { device: string; op: NetlinkOp } | { device: string; deviceOp: DeviceOp };

export class FakeKernel implements OverlayKernel {
  readonly devices = new Map<string, VxlanDeviceState>();
  readonly states = new Map<string, KernelState>();
  /** Every mutating call, in order. */
  readonly log: FakeKernelCall[] = [];
  ifaces: InterfaceInfo[];
  defaultIface: string | undefined;
  private failures: Array<{ err: Error; match: (call: FakeKernelCall) => boolean }> = [];
  private macCounter = 0;
  private nextIndex = 100;
  private readonly macSeed: number;

  constructor(options: FakeKernelOptions = {}) {
    this.ifaces = options.interfaces ?? [{ name: 'eth0', index: 2, mtu: 1500, up: true, addresses: ['192.168.250.1/24'] }];
    this.defaultIface = options.defaultRouteInterface ?? this.ifaces[0]?.name;
    this.macSeed = options.macSeed ?? 1;
  }

  /** Makes the next `count` mutating calls that `match` accepts (default: any) reject with `err`. */
  failNext(count = 1, err: Error = new Error('fake kernel: injected failure'), match: (call: FakeKernelCall) => boolean = () => true): void {
    for (let i = 0; i < count; i++) this.failures.push({ err, match });
  }

  /** The state on a device (empty when none). */
  stateOf(name: string): KernelState {
    return this.states.get(name) ?? { routes: [], neighbours: [], fdb: [] };
  }

  /** Replaces the state on a device, e.g. to simulate drift or a reboot. */
  setState(name: string, state: KernelState): void {
    this.states.set(name, state);
  }

  /** Only the reconcile ops of the log. */
  netlinkOps(): NetlinkOp[] {
    return this.log.flatMap((c) => ('op' in c ? [c.op] : []));
  }

  async interfaces(): Promise<InterfaceInfo[]> {
    return structuredClone(this.ifaces);
  }

  async defaultRouteInterface(): Promise<string | undefined> {
    return this.defaultIface;
  }

  async device(name: string): Promise<VxlanDeviceState | undefined> {
    const d = this.devices.get(name);
    return d && structuredClone(d);
  }

  async applyDevice(op: DeviceOp): Promise<void> {
    const call: FakeKernelCall = { device: op.kind === 'device-create' ? op.spec.name : op.name, deviceOp: op };
    this.maybeFail(call);
    this.log.push(call);
    switch (op.kind) {
      case 'device-create': {
        if (this.devices.has(op.spec.name)) throw new Error(`fake kernel: ${op.spec.name} exists (EEXIST)`);
        const { name, vni, port, local, mtu } = op.spec;
        this.devices.set(name, { name, index: this.nextIndex++, kind: 'vxlan', vni, port, local, learning: false, mtu, up: false, mac: this.newMac(), addresses: [] });
        break;
      }
      case 'device-delete':
        this.devices.delete(op.name);
        this.states.delete(op.name);
        break;
      case 'device-set-mtu':
        this.mustGet(op.name).mtu = op.mtu;
        break;
      case 'device-up':
        this.mustGet(op.name).up = true;
        break;
      case 'address-add': {
        const d = this.mustGet(op.name);
        if (!d.addresses.includes(op.address)) d.addresses.push(op.address);
        break;
      }
      case 'address-del': {
        const d = this.mustGet(op.name);
        d.addresses = d.addresses.filter((a) => a !== op.address);
        break;
      }
    }
  }

  async readState(name: string): Promise<KernelState> {
    return structuredClone(this.stateOf(name));
  }

  async apply(name: string, op: NetlinkOp): Promise<void> {
    const call: FakeKernelCall = { device: name, op };
    this.maybeFail(call);
    this.mustGet(name);
    this.log.push(call);
    this.states.set(name, applyOps(this.stateOf(name), [op]));
  }

  private mustGet(name: string): VxlanDeviceState {
    const d = this.devices.get(name);
    if (!d) throw new Error(`fake kernel: no device ${name} (ENODEV)`);
    return d;
  }

  private maybeFail(call: FakeKernelCall): void {
    const i = this.failures.findIndex((f) => f.match(call));
    if (i < 0) return;
    const [f] = this.failures.splice(i, 1);
    throw f!.err;
  }

  private newMac(): string {
    const n = ++this.macCounter;
    const bytes = [0x0e, this.macSeed & 0xff, (this.macSeed >> 8) & 0xff, 0, (n >> 8) & 0xff, n & 0xff];
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
  }
}
