/**
 * Read-modify-write of a service's meta with compare-and-swap: read (a
 * consistent read), compute, write with the index read; on a CAS conflict
 * (someone else wrote in between) read again and retry. Shared by the HTTP
 * client and `MemoryDiscovery`.
 */
import type { ServiceMeta } from '../core/types.js';
import { isMetaConflict } from './errors.js';
import type { MetaUpdater, ServiceDiscovery, SetMetaInput, UpdateMetaOptions } from './service-discovery.js';

/**
 * Runs `fn` on the current meta and writes its result with CAS, retrying on
 * conflicts up to `retries` more times (default 10) before throwing the last
 * conflict. Resolves with the stored meta, or with the current meta unchanged
 * (possibly undefined) when `fn` returns `undefined`.
 */
export async function updateMeta(
  discovery: Pick<ServiceDiscovery, 'getMeta' | 'setMeta'>,
  service: string,
  fn: MetaUpdater,
  options: UpdateMetaOptions = {},
): Promise<ServiceMeta | undefined> {
  const retries = options.retries ?? 10;
  const signal = options.signal;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    const current = await discovery.getMeta(service, signal ? { consistent: true, signal } : { consistent: true });
    const data = fn(current);
    if (data === undefined) return current;
    const write: SetMetaInput = { data, index: current?.index ?? 0 };
    if (options.leaderId !== undefined) write.leaderId = options.leaderId;
    if (signal) write.signal = signal;
    try {
      return await discovery.setMeta(service, write);
    } catch (err) {
      if (!isMetaConflict(err) || attempt >= retries) throw err;
    }
  }
}
