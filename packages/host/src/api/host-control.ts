/**
 * What the HTTP API needs from the host beyond the job manager: its status
 * and the host-level settings that other components own (discovery
 * registration for tags, the network manager, discoverd). The composition
 * root (../host.ts) implements it; API tests pass a stub.
 */
import type { HostDiscoverd, HostNetwork, HostStatus } from '../types.js';

export interface HostControl {
  /** `GET /host/status`. */
  status(): HostStatus;
  /** `POST /host/tags`: replaces the tags (an empty value deletes a tag) and updates the discovery meta. */
  updateTags(tags: Record<string, string>): Promise<void>;
  /** `POST /host/discoverd`. */
  configureDiscoverd(config: HostDiscoverd): Promise<void>;
  /** `POST /host/network`. */
  configureNetwork(config: HostNetwork): Promise<void>;
  /** `POST /host/resource-check`: the ports of `wanted` that are in use. */
  portsInUse(wanted: readonly { port: number; proto: 'tcp' | 'udp' }[]): Promise<{ port: number; proto: 'tcp' | 'udp' }[]>;
}
