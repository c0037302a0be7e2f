/**
 * What the overlay agent needs from the kernel, declared here (by the user
 * of the contract). `netlinkKernel()` implements it over `@flynn-ts/netlink`;
 * `FakeKernel` (./testing) implements it in memory for unit tests.
 *
 * Contract, for every method:
 * - Calls are made one at a time by the agent (never concurrently).
 * - Returned arrays and objects belong to the caller.
 * - Failures reject with an Error; the agent logs them and retries the whole
 *   step later (reads are re-done, so a partially applied batch converges).
 * - Only IPv4 state is reported; entries of other families are ignored.
 */
import type { DeviceOp, VxlanDeviceState } from './core/device.js';
import type { KernelState, NetlinkOp } from './core/reconcile.js';
import type { InterfaceInfo } from './core/underlay.js';

export interface OverlayKernel {
  /** Every interface with its IPv4 addresses (to choose the underlay). */
  interfaces(): Promise<InterfaceInfo[]>;
  /** The interface name of the IPv4 default route in the main table, if any. */
  defaultRouteInterface(): Promise<string | undefined>;
  /** The device named `name`, or undefined when there is none. */
  device(name: string): Promise<VxlanDeviceState | undefined>;
  /** Applies one device operation. `device-create` creates the VXLAN device with learning off. */
  applyDevice(op: DeviceOp): Promise<void>;
  /**
   * The routes (main table), neighbours and FDB entries on device `name`.
   * Routes: the destination and gateway of every IPv4 route whose output
   * device is `name`, except the kernel's own (proto kernel) ones.
   */
  readState(name: string): Promise<KernelState>;
  /**
   * Applies one reconcile op on device `name`: routes are `onlink` in the
   * main table, neighbours `nud permanent`, FDB entries `self permanent`.
   * Deleting something already gone and adding something already there
   * must succeed (the agent may repeat an op after a partial failure).
   */
  apply(name: string, op: NetlinkOp): Promise<void>;
}
