/**
 * The controller's key check (reference §5.2): HTTP Basic auth, username
 * ignored, password = any of the configured keys. Several keys at once make
 * rotation possible (add the new key, move clients, remove the old one);
 * `setKeys` rotates without a restart. Every key is compared, in constant
 * time, on SHA-256 digests (equal lengths, so `timingSafeEqual` applies and
 * neither the key nor its length leaks through timing).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export class KeyAuthorizer {
  private digests: Buffer[] = [];

  constructor(keys: readonly string[]) {
    this.setKeys(keys);
  }

  /** Replaces the accepted keys; empty strings are ignored. */
  setKeys(keys: readonly string[]): void {
    const usable = keys.filter((k) => k !== '');
    if (usable.length === 0) throw new Error('KeyAuthorizer: at least one non-empty key is required');
    this.digests = usable.map(digest);
  }

  get keyCount(): number {
    return this.digests.length;
  }

  /** True when `password` is one of the keys. */
  check(password: string | undefined): boolean {
    if (password === undefined || password === '') return false;
    const d = digest(password);
    let ok = false;
    for (const key of this.digests) ok = timingSafeEqual(d, key) || ok;
    return ok;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** The password of an `Authorization: Basic ...` header, or undefined. */
export function basicAuthPassword(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/** `Authorization: Basic` header value for a key (username empty, as the Go client sends). */
export function basicAuthHeader(key: string): string {
  return `Basic ${Buffer.from(`:${key}`).toString('base64')}`;
}
