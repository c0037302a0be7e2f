/** Netlink aligns message headers, messages and attributes to 4 bytes. */
export const NL_ALIGNTO = 4;

/** Rounds `n` up to the next multiple of 4 (NLMSG_ALIGN / NLA_ALIGN). */
export function align(n: number): number {
  return (n + NL_ALIGNTO - 1) & ~(NL_ALIGNTO - 1);
}
