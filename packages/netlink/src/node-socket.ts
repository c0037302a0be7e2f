import { FlynnError } from '@flynn-ts/core';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { NETLINK_OPT, SOL_NETLINK } from './rtnl/core/constants.js';
import { Errno } from './wire/core/errno.js';
import { NetlinkError } from './wire/core/errors.js';
import type { NetlinkReceiveBuffer, NetlinkSocket, NetlinkSocketHandler, NetlinkSocketOptions } from './socket.js';

/** The addon's surface (native/netlink.cc). */
interface NativeSocket {
  readonly pid: number;
  send(bytes: Uint8Array): number;
  recv(into: Uint8Array): number;
  setOption(level: number, name: number, value: number): void;
  poll(onReadable: ((status: number) => void) | null): void;
  close(): void;
}
interface Addon {
  Socket: new (protocol: number, netns?: string) => NativeSocket;
}

/** The native addon is not built (or not loadable on this platform). */
export class NetlinkAddonError extends FlynnError {
  constructor(root: string, cause: unknown) {
    super(
      'FLYNN_NETLINK_ADDON_MISSING',
      `the native addon of @flynn-ts/netlink could not be loaded (${cause instanceof Error ? cause.message : String(cause)}); ` +
        `build it with \`npx node-gyp rebuild\` in ${root} (needs python3, make and a C++ compiler; with npm >= 11 ` +
        'allow the package\'s install script: "allowScripts" in the root package.json)',
      { cause, apiCode: 'service_unavailable' },
    );
    this.name = 'NetlinkAddonError';
  }
}

const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;
const RECV_BUFFER = 256 * 1024;

let addon: Addon | undefined;

/** Loads the addon once (lazily: importing this package never needs it). Throws {@link NetlinkAddonError}. */
export function loadNetlinkAddon(): Addon {
  if (addon) return addon;
  // src/ and dist/ both sit one level below the package root, where binding.gyp and build/ are.
  const root = fileURLToPath(new URL('..', import.meta.url));
  try {
    const require = createRequire(import.meta.url);
    const load = require('node-gyp-build') as (dir: string) => unknown;
    addon = load(root) as Addon;
  } catch (err) {
    throw new NetlinkAddonError(root, err);
  }
  return addon;
}

function wrap(err: unknown, context: string): Error {
  const e = err as { errno?: unknown; syscall?: unknown };
  if (typeof e?.errno === 'number') {
    const syscall = typeof e.syscall === 'string' ? e.syscall : context;
    return new NetlinkError({ errno: e.errno, syscall }, syscall === context ? { cause: err } : { cause: err, context });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** A {@link NetlinkSocket} over the native addon: an AF_NETLINK socket polled by libuv. */
export class NativeNetlinkSocket implements NetlinkSocket, NetlinkReceiveBuffer {
  private readonly native: NativeSocket;
  private readonly buf = new Uint8Array(RECV_BUFFER);
  private handler: NetlinkSocketHandler | undefined;
  private closed = false;
  private drainQueued = false;
  private polling = false;
  private stopping: ReturnType<typeof setImmediate> | undefined;

  constructor(options: NetlinkSocketOptions) {
    const { Socket } = loadNetlinkAddon();
    const where = options.netns === undefined ? 'socket' : `socket in ${options.netns}`;
    try {
      this.native = options.netns === undefined ? new Socket(options.protocol) : new Socket(options.protocol, options.netns);
    } catch (err) {
      throw wrap(err, where);
    }
    // Extended acks (the kernel's reason for an error) and no echo of the request in them.
    for (const opt of [NETLINK_OPT.EXT_ACK, NETLINK_OPT.CAP_ACK]) {
      try {
        this.native.setOption(SOL_NETLINK, opt, 1);
      } catch {
        // Older kernels: plain errors.
      }
    }
  }

  get pid(): number {
    return this.native.pid;
  }

  send(bytes: Uint8Array): void {
    try {
      this.native.send(bytes);
    } catch (err) {
      throw wrap(err, 'send');
    }
    // rtnetlink handles a request inside sendto(), so its answer is usually
    // queued already: read it a microtask later instead of a poll round later.
    if (!this.drainQueued) {
      this.drainQueued = true;
      queueMicrotask(() => {
        this.drainQueued = false;
        this.drain();
      });
    }
  }

  receive(handler: NetlinkSocketHandler): void {
    if (this.closed) return;
    this.handler = handler;
    if (this.stopping) {
      clearImmediate(this.stopping);
      this.stopping = undefined;
    }
    if (!this.polling) {
      this.polling = true;
      this.native.poll(() => this.drain());
    }
  }

  private drain(): void {
    while (this.handler && !this.closed) {
      let n: number;
      try {
        n = this.native.recv(this.buf);
      } catch (err) {
        // Level-triggered poll: if more is queued (after ENOBUFS, say), we are called again.
        this.handler.error(wrap(err, 'recv'));
        return;
      }
      if (n < 0) return;
      if (n > this.buf.length) {
        this.handler.error(new NetlinkError({ errno: Errno.EMSGSIZE, syscall: 'recv' }, { context: `datagram of ${n} bytes truncated` }));
        return;
      }
      this.handler.datagram(this.buf.slice(0, n));
    }
  }

  pause(): void {
    this.handler = undefined;
    // Stop polling a turn later, so back-to-back requests do not re-arm epoll each time.
    this.stopping ??= setImmediate(() => {
      this.stopping = undefined;
      if (this.handler || this.closed) return;
      this.polling = false;
      this.native.poll(null);
    });
  }

  addMembership(group: number): void {
    this.setOption(SOL_NETLINK, NETLINK_OPT.ADD_MEMBERSHIP, group);
  }

  dropMembership(group: number): void {
    this.setOption(SOL_NETLINK, NETLINK_OPT.DROP_MEMBERSHIP, group);
  }

  /** Asks for a larger receive queue (event sockets under load): SO_RCVBUFFORCE when allowed, else SO_RCVBUF (capped at rmem_max). */
  setReceiveBuffer(bytes: number): void {
    try {
      this.setOption(SOL_SOCKET, SO_RCVBUFFORCE, bytes);
    } catch {
      this.setOption(SOL_SOCKET, SO_RCVBUF, bytes);
    }
  }

  private setOption(level: number, name: number, value: number): void {
    try {
      this.native.setOption(level, name, value);
    } catch (err) {
      throw wrap(err, 'setsockopt');
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler = undefined;
    if (this.stopping) clearImmediate(this.stopping);
    this.native.close();
  }
}

/** The default socket factory: native AF_NETLINK sockets, optionally opened inside a network namespace. */
export function nativeSocketFactory(options: NetlinkSocketOptions): NetlinkSocket {
  return new NativeNetlinkSocket(options);
}
