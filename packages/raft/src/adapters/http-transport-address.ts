/**
 * Peer addresses for `HttpTransport`: either `host:port` (served under the
 * default path prefix, `/raft`) or a full `http(s)://host:port[/prefix]` URL.
 */
import { ValidationError } from '@flynn-ts/core';

export interface PeerAddress {
  /** `http://host:port`, what undici's Pool takes. */
  origin: string;
  /** Path prefix without a trailing slash, e.g. `/raft`. */
  prefix: string;
}

/** Normalises a path prefix: a leading slash, no trailing slash (`''` for the root). */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' || trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** Parses a peer address; throws a `ValidationError` (`FLYNN_RAFT_BAD_ADDRESS`) when it is not one. */
export function parsePeerAddress(address: string, defaultPrefix: string): PeerAddress {
  const full = /^[a-z][a-z0-9+.-]*:\/\//i.test(address);
  let url: URL;
  try {
    url = new URL(full ? address : `http://${address}`);
  } catch (cause) {
    throw bad(address, 'not a URL or host:port', cause);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(address, 'protocol must be http or https');
  if (!full && (!/:\d+$/.test(address) || url.pathname !== '/')) throw bad(address, 'expected host:port');
  if (url.username || url.password || url.search || url.hash) throw bad(address, 'credentials, query and fragment are not allowed');
  const path = normalizePrefix(url.pathname);
  return { origin: url.origin, prefix: full && path !== '' ? path : normalizePrefix(defaultPrefix) };
}

function bad(address: string, why: string, cause?: unknown): ValidationError {
  return new ValidationError('address', `invalid raft peer address ${JSON.stringify(address)}: ${why}`, { code: 'FLYNN_RAFT_BAD_ADDRESS', cause });
}
