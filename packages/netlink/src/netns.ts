import { closeSync, openSync } from 'node:fs';
import type { NetnsTarget } from './rtnl/core/request.js';
import type { NetnsRef } from './types.js';
import { NetlinkError } from './wire/core/errors.js';

/** A namespace as a request can name it, and how to release what naming it took. */
export interface OpenedNetns {
  target: NetnsTarget;
  release(): void;
}

/** Opens a namespace path as an fd for IFLA_NET_NS_FD; pids and fds pass through. */
export function openNetns(ref: NetnsRef): OpenedNetns {
  if (typeof ref !== 'string') return { target: ref, release: () => {} };
  let fd: number;
  try {
    fd = openSync(ref, 'r');
  } catch (err) {
    const errno = Math.abs(Number((err as { errno?: unknown }).errno ?? 2));
    throw new NetlinkError({ errno, syscall: 'open' }, { cause: err, context: `netns ${ref}` });
  }
  return { target: { fd }, release: () => closeSync(fd) };
}
