/** Receives what a {@link NetlinkSocket} reads. */
export interface NetlinkSocketHandler {
  /** One datagram (one or more netlink messages). The handler owns the bytes. */
  datagram(bytes: Uint8Array): void;
  /**
   * A receive error. `FLYNN_NETLINK_ENOBUFS` means the kernel dropped
   * messages because the receive queue was full (state must be re-read); the
   * socket stays usable.
   */
  error(err: Error): void;
}

/**
 * A netlink socket as the connection needs it: bytes out, datagrams in,
 * multicast membership. The native implementation is `nativeSocketFactory`;
 * tests use `fakeNetlinkSocket(fn)` from `@flynn-ts/netlink/testing`.
 *
 * Contract:
 * - Calls come from one thread (the event loop); none of them blocks.
 * - `send` hands one datagram to the kernel synchronously and does not keep
 *   `bytes`; it throws a `NetlinkError` (e.g. `FLYNN_NETLINK_ENOBUFS`) when the
 *   kernel refuses it.
 * - `receive` sets the handler and starts delivering, asynchronously (never
 *   from inside `send` or `receive`), in kernel order; a second call replaces
 *   the handler. `pause` stops delivering; an idle paused socket must not keep
 *   the process alive. Datagrams that arrive while paused are kept in order.
 * - `close` is idempotent; after it, nothing is delivered and `send` throws.
 */
export interface NetlinkSocket {
  /** The port id the kernel assigned (nl_pid); 0 when unknown. */
  readonly pid: number;
  send(bytes: Uint8Array): void;
  receive(handler: NetlinkSocketHandler): void;
  pause(): void;
  /** Joins a multicast group (RTNLGRP_*); throws NetlinkError. */
  addMembership(group: number): void;
  dropMembership(group: number): void;
  close(): void;
}

export interface NetlinkSocketOptions {
  /** Netlink protocol (0 = NETLINK_ROUTE). */
  protocol: number;
  /** Open the socket inside this network namespace (a path such as `/run/netns/<name>`). */
  netns?: string;
}

/** Opens sockets; `Netlink` opens one for requests and one per event subscription. */
export type NetlinkSocketFactory = (options: NetlinkSocketOptions) => NetlinkSocket;

/**
 * A socket whose kernel receive queue can be enlarged (an optional
 * capability: the native socket has it, fakes need not).
 */
export interface NetlinkReceiveBuffer {
  /** Asks for a receive queue of `bytes`; best effort (the kernel may cap it). */
  setReceiveBuffer(bytes: number): void;
}

export function hasReceiveBuffer(s: NetlinkSocket): s is NetlinkSocket & NetlinkReceiveBuffer {
  return typeof (s as Partial<NetlinkReceiveBuffer>).setReceiveBuffer === 'function';
}
