/** What restore needs to know of a job record to tell whether its network allocation is still owned. */
export interface NetworkOwner {
  id: string;
  /** The record plans a network for the job (its cleanup detaches it). */
  network: boolean;
  /** The job's cleanup already ran. */
  cleanedUp: boolean;
}

/**
 * The job ids holding a network allocation that no job will release: no
 * record at all (a record lost or pruned), a record whose cleanup already
 * ran (a crash between that cleanup and the detach's save), or a record
 * that plans no network. Every other allocation is released by its job's
 * own cleanup (terminal or lost jobs) or still in use. Pure; input order kept.
 */
export function orphanedNetworks(allocated: readonly string[], owners: readonly NetworkOwner[]): string[] {
  const byId = new Map(owners.map((o) => [o.id, o]));
  return allocated.filter((id) => {
    const o = byId.get(id);
    return o === undefined || o.cleanedUp || !o.network;
  });
}
