/**
 * PostgreSQL advisory lock keys (two-int form: a class id and an object id).
 * The class ids spell "flyn" + n; migrations embed the same numbers in SQL.
 */

/** Session lock held while migrating. */
export const MIGRATION_LOCK = [0x666c796e, 0] as const;
/**
 * Transaction lock every event-writing transaction takes just before it
 * inserts its events: event ids are then allocated in commit order (see
 * `database.ts`).
 */
export const EVENTS_LOCK = [0x666c796e, 1] as const;
/** Transaction lock of TCP route port assignment (taken by the route trigger). */
export const TCP_PORT_LOCK = [0x666c796e, 2] as const;
/** Class id of per-domain HTTP route locks (object id = hashtext(domain)). */
export const ROUTE_DOMAIN_LOCK_CLASS = 0x666c796f;
