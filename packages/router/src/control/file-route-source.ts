/**
 * Routes (and optionally static backends) from a JSON file, watched for
 * changes: `{"routes": [...], "backends": {"service": ["ip:port", ...]}}` or
 * just an array of routes. Every change re-reads the whole file after a
 * debounce and yields a `snapshot` (a full resync), so edits, atomic
 * replaces (write + rename) and deletions all converge. A file that does not
 * parse is logged and ignored: the last good state stays.
 */
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Timer } from '@flynn-ts/core';
import type { Route } from '../core/types.js';
import type { BackendSnapshot, BackendSource } from './backend-source.js';
import { EventQueue } from './event-queue.js';
import type { RouteSource, RouteSourceEvent, RouteSourceSubscribeOptions } from './route-source.js';

export interface FileRouteSourceOptions {
  /** Wait this long after the last change before re-reading. Default 50 ms. */
  debounceMs?: number;
  logger?: Logger;
  clock?: Clock;
}

export interface RoutesFile {
  routes: Route[];
  /** Static backends per service (for running without discovery). */
  backends?: Record<string, string[]>;
  /** Leader address per service, for leader routes with static backends (default: the first backend). */
  leaders?: Record<string, string>;
}

/** Parses the file's text; throws a readable error. */
export function parseRoutesFile(text: string): RoutesFile {
  const json: unknown = JSON.parse(text);
  if (Array.isArray(json)) return { routes: json as Route[] };
  if (typeof json !== 'object' || json === null || !Array.isArray((json as RoutesFile).routes)) throw new Error('expected {"routes": [...]} or an array of routes');
  const f = json as RoutesFile;
  if (f.backends !== undefined) {
    for (const [svc, addrs] of Object.entries(f.backends)) {
      if (!Array.isArray(addrs) || !addrs.every((a) => typeof a === 'string')) throw new Error(`backends.${svc} must be an array of "ip:port" strings`);
    }
  }
  return f;
}

export class FileRouteSource implements RouteSource, BackendSource {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private current: RoutesFile = { routes: [] };
  private loaded: Promise<void> | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: Timer | undefined;
  private readonly routeSubs = new Set<EventQueue<RouteSourceEvent>>();
  private readonly backendSubs = new Map<EventQueue<BackendSnapshot>, string>();

  constructor(
    readonly path: string,
    private readonly options: FileRouteSourceOptions = {},
  ) {
    this.logger = options.logger ?? noopLogger;
    this.clock = options.clock ?? systemClock;
  }

  /** Reads the file now (the first subscribe does this too); rejects if it cannot be read or parsed. */
  async load(): Promise<RoutesFile> {
    const text = await readFile(this.path, 'utf8');
    this.current = parseRoutesFile(text);
    this.startWatching();
    return this.current;
  }

  subscribe(options: RouteSourceSubscribeOptions = {}): AsyncIterable<RouteSourceEvent> {
    const q: EventQueue<RouteSourceEvent> = new EventQueue(options.signal, () => this.routeSubs.delete(q));
    this.routeSubs.add(q);
    void this.ready().then(() => q.push({ type: 'snapshot', routes: this.current.routes }));
    return q;
  }

  watch(service: string, signal: AbortSignal): AsyncIterable<BackendSnapshot> {
    const q: EventQueue<BackendSnapshot> = new EventQueue(signal, () => this.backendSubs.delete(q));
    this.backendSubs.set(q, service);
    void this.ready().then(() => q.push(this.snapshotOf(service)));
    return q;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.debounce?.cancel();
    for (const q of this.routeSubs) q.end();
    for (const q of this.backendSubs.keys()) q.end();
  }

  private ready(): Promise<void> {
    this.loaded ??= this.load().then(
      () => undefined,
      (err: unknown) => {
        this.logger.error({ event: 'routes_file_unreadable', path: this.path, err }, 'cannot read routes file; starting empty');
        this.startWatching();
      },
    );
    return this.loaded;
  }

  private snapshotOf(service: string): BackendSnapshot {
    const addrs = this.current.backends?.[service] ?? [];
    const snap: BackendSnapshot = { backends: addrs.map((addr) => ({ service, addr })) };
    const leader = this.current.leaders?.[service] ?? addrs[0];
    if (leader !== undefined) snap.leader = leader;
    return snap;
  }

  private startWatching(): void {
    if (this.watcher) return;
    try {
      // Watch the directory: editors and atomic writers replace the file (a new inode).
      this.watcher = watch(dirname(this.path), (_event, name) => {
        if (name !== null && name !== basename(this.path)) return;
        this.debounce?.cancel();
        this.debounce = this.clock.setTimer(this.options.debounceMs ?? 50, () => void this.reload());
      });
    } catch (err) {
      this.logger.error({ event: 'routes_file_watch_failed', path: this.path, err }, 'cannot watch routes file');
    }
  }

  private async reload(): Promise<void> {
    let next: RoutesFile;
    try {
      next = parseRoutesFile(await readFile(this.path, 'utf8'));
    } catch (err) {
      this.logger.warn({ event: 'routes_file_invalid', path: this.path, err }, 'routes file unreadable or invalid; keeping the last good routes');
      return;
    }
    this.current = next;
    this.logger.info({ event: 'routes_file_reloaded', path: this.path, routes: next.routes.length }, 'routes file reloaded');
    for (const q of this.routeSubs) q.push({ type: 'snapshot', routes: next.routes });
    for (const [q, service] of this.backendSubs) q.push(this.snapshotOf(service));
  }
}
