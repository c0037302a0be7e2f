/**
 * The discoverd servers a client talks to: a list of base URLs with a
 * "current" one, failover past a failed one, and refresh from the
 * `Discoverd-Peers` header (comma-separated `host:port`, leader first after a
 * failover), as the original client does. Proxy-mode answers carry no such
 * header and leave the list alone.
 */
import { ValidationError } from '@flynn-ts/core';

export class ServerList {
  private urls: string[];
  private index = 0;

  constructor(urls: readonly string[]) {
    const clean = urls.map(trimSlash).filter((u) => u !== '');
    if (clean.length === 0) throw new ValidationError('servers', 'discovery: at least one server URL is required', { code: 'FLYNN_DISCOVERY_INVALID' });
    this.urls = dedupe(clean);
  }

  /** All base URLs, current one not necessarily first. */
  get list(): readonly string[] {
    return this.urls;
  }

  /** The base URL to use next. */
  current(): string {
    return this.urls[this.index % this.urls.length]!;
  }

  /** Moves past `failed` if it is still the current one (another caller may have moved on already). */
  failover(failed: string): void {
    if (this.current() === failed) this.index = (this.index + 1) % this.urls.length;
  }

  /**
   * Replaces the list with the peers of a `Discoverd-Peers` header
   * (`host:port` → `http://host:port`; full URLs are kept). The current server
   * stays current when it is still listed; otherwise the first peer becomes
   * current. An empty or missing header changes nothing.
   */
  updateFromPeers(header: string | undefined): void {
    if (header === undefined) return;
    const peers = dedupe(
      header
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '')
        .map((p) => trimSlash(p.includes('://') ? p : `http://${p}`)),
    );
    if (peers.length === 0 || sameList(peers, this.urls)) return;
    const current = this.current();
    this.urls = peers;
    const i = peers.indexOf(current);
    this.index = i < 0 ? 0 : i;
  }
}

function trimSlash(u: string): string {
  return u.trim().replace(/\/+$/, '');
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
