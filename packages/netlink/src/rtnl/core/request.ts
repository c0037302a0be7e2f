/**
 * A request as the rtnetlink builders return it: the connection adds
 * NLM_F_REQUEST (and NLM_F_ACK, or NLM_F_DUMP for dumps), the sequence number
 * and the port id.
 */
export interface RtnlRequest {
  type: number;
  /** Extra nlmsg_flags (NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_APPEND...). */
  flags: number;
  /** The payload after the nlmsghdr. */
  data: Uint8Array;
  /** A dump: many replies ending with NLMSG_DONE, and no ack. */
  dump: boolean;
}

/** Where to move a link: a process's network namespace, or an open namespace file descriptor. */
export type NetnsTarget = { pid: number } | { fd: number };
