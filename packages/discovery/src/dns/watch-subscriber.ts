/**
 * `DiscoveryBackend.subscribe` over a client's reconnecting watches: what a
 * DNS view reads when it has no local store (a proxy-mode node, a DNS worker
 * process). Each subscription is one `watch()`; its events are handed on in
 * order, and a watch that ends with an error is logged.
 */
import { noopLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import type { ServiceDiscovery } from '../client/service-discovery.js';
import type { DiscoveryBackend } from '../server/backend.js';

export function watchSubscriber(client: Pick<ServiceDiscovery, 'watch'>, logger: Logger = noopLogger): Pick<DiscoveryBackend, 'subscribe'> {
  return {
    subscribe(service, kinds, onEvent) {
      const watch = client.watch(service, { kinds });
      void (async () => {
        try {
          for await (const e of watch) onEvent(e);
        } catch (err) {
          logger.warn({ event: 'dns_watch_ended', service, err }, 'dns: watch ended');
        }
      })();
      return { close: () => watch.close() };
    },
  };
}
