/**
 * The DNS server's view for a node whose role can change: while a raft member
 * it reads the local store (`createDnsView(node)`); while a proxy (no local
 * state) it reads the peers through `DiscoveryClient` watches, as the
 * original answered DNS "from a client view" in proxy mode (reference §1.1).
 * `refresh()` rebuilds it after a role change; the old view's subscriptions
 * and client are closed.
 */
import { noopLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import type { ServiceDiscovery } from '@flynn-ts/discovery';
import { createDnsView, watchSubscriber } from '@flynn-ts/discovery/server';
import type { BackendDnsView, DiscoveryNode, DnsInstance, DnsView } from '@flynn-ts/discovery/server';

export interface RoleDnsViewOptions {
  /** Makes the client a proxy-mode view watches through, given the node's peers (`host:port`). */
  makeClient: (peers: string[]) => ServiceDiscovery;
  logger?: Logger;
  /** Services a proxy-mode view watches at once (one SSE connection each). Default 256. */
  maxProxyServices?: number;
}

export class RoleDnsView implements DnsView {
  private inner: BackendDnsView;
  private client: ServiceDiscovery | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly node: DiscoveryNode,
    private readonly options: RoleDnsViewOptions,
  ) {
    this.logger = options.logger ?? noopLogger;
    this.inner = this.build();
  }

  instances(service: string): readonly DnsInstance[] | undefined {
    return this.inner.instances(service);
  }

  leader(service: string): DnsInstance | undefined {
    return this.inner.leader(service);
  }

  whenReady(service: string): Promise<void> | undefined {
    return this.inner.whenReady(service);
  }

  /** Rebuilds the view for the node's current role. */
  refresh(): void {
    const old = this.inner;
    const oldClient = this.client;
    this.inner = this.build();
    old.close();
    void oldClient?.close();
  }

  async close(): Promise<void> {
    this.inner.close();
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }

  private build(): BackendDnsView {
    if (this.node.role === 'proxy') {
      this.client = this.options.makeClient(this.node.peers());
      return createDnsView(watchSubscriber(this.client, this.logger), { logger: this.logger, maxServices: this.options.maxProxyServices ?? 256 });
    }
    this.client = undefined;
    return createDnsView(this.node.backend(), { logger: this.logger });
  }
}
