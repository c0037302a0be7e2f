// Pure core: config, leases, allocation, reconciliation, device plan.
export {
  networkConfig,
  parseNetworkConfig,
  networkOf,
  subnetCount,
  vxlanDeviceName,
  overlayMtu,
  sameConfig,
  DEFAULT_NETWORK,
  DEFAULT_VNI,
  DEFAULT_VXLAN_PORT,
  VXLAN_OVERHEAD,
  MAX_SUBNET_LEN,
} from './core/config.js';
export type { NetworkConfig, NetworkConfigInput, VxlanBackend } from './core/config.js';
export { parseDocument, encodeDocument, isExpired, liveLeases, nextExpiry, renewAt, leaseOf, compareSubnets } from './core/lease.js';
export type { Lease, LeaseRecord, FlannelDocument, ParsedDocument } from './core/lease.js';
export { allocateSubnet, acquireLease, releaseLease } from './core/allocate.js';
export type { AllocateOptions, LeaseRequest, LeaseGrant } from './core/allocate.js';
export { reconcile, planPeers, peersOf, vtepIpOf, describeOp, EMPTY_KERNEL_STATE } from './core/reconcile.js';
export type { KernelState, RouteEntry, NeighbourEntry, FdbEntry, NetlinkOp, SelfInfo, Peer } from './core/reconcile.js';
export { planDevice, incompatibility } from './core/device.js';
export type { VxlanSpec, VxlanDeviceState, DeviceOp } from './core/device.js';
export { selectUnderlay } from './core/underlay.js';
export type { InterfaceInfo, UnderlayChoice, Underlay } from './core/underlay.js';
export { networkInfo, formatSubnetEnv, subnetFromEnv } from './core/network-info.js';
export type { NetworkInfo } from './core/network-info.js';
export { parseIpv4, formatIpv4, parseCidr, formatCidr, normalizeMac } from './core/ipv4.js';
export type { Ipv4Net } from './core/ipv4.js';
export {
  FlannelError,
  isFlannelError,
  FLANNEL_INVALID_CONFIG,
  FLANNEL_INVALID_DOCUMENT,
  FLANNEL_NETWORK_FULL,
  FLANNEL_NO_UNDERLAY,
  FLANNEL_DEVICE,
  FLANNEL_STATE,
  FLANNEL_NOTIFY,
} from './core/errors.js';
export type { FlannelErrorCode } from './core/errors.js';

// I/O: the agent, its kernel contract, host reporting.
export { FlannelAgent } from './flannel-agent.js';
export type { FlannelAgentOptions, FlannelDiscovery, AgentState } from './flannel-agent.js';
export type { OverlayKernel } from './overlay-kernel.js';
export { Reconciler } from './reconciler.js';
export type { ReconcilerOptions, ReconcileReport } from './reconciler.js';
export { ensureDevice } from './ensure-device.js';
export { loadOrCreateDocument, writeLease, removeLease } from './lease-store.js';
export type { LeaseWrite } from './lease-store.js';
export { netlinkKernel } from './netlink-kernel.js';
export { flannelChannels } from './channels.js';
export { writeSubnetFile, readSubnetFile } from './subnet-file.js';
export { notifyHost, hostNetworkBody, nameserversOf } from './host-notify.js';
export type { HostNetworkBody, NotifyHostOptions } from './host-notify.js';
