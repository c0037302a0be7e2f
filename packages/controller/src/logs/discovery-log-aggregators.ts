/**
 * Where the log aggregators' APIs are, from discovery: every instance of
 * service `logaggregator` registers its syslog address with meta
 * `API_PORT=<api port>` (@flynn-ts/logaggregator; the original registered
 * the syslog port and served the API on port 80 of the same IP).
 */
import type { ServiceDiscovery } from '@flynn-ts/discovery';

export const LOG_AGGREGATOR_SERVICE = 'logaggregator';

/** `http://<instance ip>:<API_PORT meta, else 80>`. */
export function aggregatorApiUrl(instance: { addr: string; meta?: Readonly<Record<string, string>> }): string {
  const addr = instance.addr;
  const colon = addr.lastIndexOf(':');
  let host = colon > 0 ? addr.slice(0, colon) : addr;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = instance.meta?.API_PORT;
  const portPart = port !== undefined && /^\d{1,5}$/.test(port) ? port : '80';
  return `http://${host.includes(':') ? `[${host}]` : host}:${portPart}`;
}

/** The API base URLs of the aggregators registered in `discovery` now, oldest instance first. */
export function discoveryLogAggregators(discovery: ServiceDiscovery, service = LOG_AGGREGATOR_SERVICE): () => Promise<string[]> {
  return async () => (await discovery.instances(service)).map(aggregatorApiUrl);
}
