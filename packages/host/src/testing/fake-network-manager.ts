/**
 * A NetworkManager for unit tests: hands out 10.99.0.x addresses and records
 * what was attached, adopted and detached; touches nothing on the host.
 */
import type { HostNetworkConfig, JobNetwork, NetworkManager } from '../contracts.js';

export class FakeNetworkManager implements NetworkManager {
  config: HostNetworkConfig | undefined;
  readonly attached = new Map<string, JobNetwork>();
  readonly detached: string[] = [];
  readonly adopted: string[] = [];
  readonly configured: HostNetworkConfig[] = [];
  private next = 2;

  async configure(config: HostNetworkConfig): Promise<void> {
    this.config = config;
    this.configured.push(config);
  }

  async attach(jobId: string): Promise<JobNetwork> {
    const net: JobNetwork = { ip: `10.99.0.${this.next++}`, gateway: '10.99.0.1', prefixLength: 24, netnsPath: `/run/netns/fake-${jobId}`, resolvConf: '/tmp/fake-resolv.conf' };
    this.attached.set(jobId, net);
    return net;
  }

  async adopt(jobId: string): Promise<JobNetwork | null> {
    this.adopted.push(jobId);
    return this.attached.get(jobId) ?? null;
  }

  async detach(jobId: string): Promise<void> {
    this.detached.push(jobId);
    this.attached.delete(jobId);
  }
}
