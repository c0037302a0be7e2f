import { HOST_LE } from '../../wire/core/endian.js';
import type { ByteWriter } from '../../wire/core/byte-writer.js';
import { NetlinkDecodeError } from '../../wire/core/errors.js';

/** struct ifinfomsg: u8 family, u8 pad, u16 type, i32 index, u32 flags, u32 change. */
export const IFINFOMSG_LEN = 16;

export interface IfInfoMsg {
  family: number;
  /** ARPHRD_* device type. */
  type: number;
  index: number;
  /** IFF_* flags. */
  flags: number;
  /** Which IFF_* flags a request changes. */
  change: number;
}

export function writeIfInfo(w: ByteWriter, m: Partial<IfInfoMsg> = {}): void {
  w.u8(m.family ?? 0).u8(0).u16(m.type ?? 0).i32(m.index ?? 0).u32(m.flags ?? 0).u32(m.change ?? 0);
}

export function readIfInfo(data: Uint8Array): IfInfoMsg {
  if (data.length < IFINFOMSG_LEN) throw new NetlinkDecodeError(`ifinfomsg needs ${IFINFOMSG_LEN} bytes, got ${data.length}`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    family: v.getUint8(0),
    type: v.getUint16(2, HOST_LE),
    index: v.getInt32(4, HOST_LE),
    flags: v.getUint32(8, HOST_LE),
    change: v.getUint32(12, HOST_LE),
  };
}
