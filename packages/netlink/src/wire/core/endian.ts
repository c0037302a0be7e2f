/**
 * Netlink headers and attributes are in the host's byte order; a few payloads
 * (ports, some VXLAN fields) are in network order. Every DataView access in
 * this package passes one of these explicitly.
 */
export const HOST_LE: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Network byte order: big-endian, so `littleEndian = false`. */
export const NETWORK_LE = false;
