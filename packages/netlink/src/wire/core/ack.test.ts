import { describe, expect, it } from 'vitest';
import { decodeDoneMessage, decodeErrorMessage, NLMSGERR_ATTR } from './ack.js';
import { AttributeEncoder } from './attributes.js';
import { ByteWriter } from './byte-writer.js';
import { HOST_LE } from './endian.js';
import { NLM_F, NLMSG } from './header.js';
import { isNetlinkErrno, NetlinkError } from './errors.js';
import { Errno, errnoName } from './errno.js';

function errorMsg(errno: number, flags: number, echoed: Uint8Array, tlvs?: (ae: AttributeEncoder) => void) {
  const w = new ByteWriter();
  w.i32(-errno).u32(16 + echoed.length).u16(16).u16(0x605).u32(77).u32(0).bytes(echoed);
  if (tlvs) tlvs(new AttributeEncoder(w));
  return { header: { length: 0, type: NLMSG.ERROR, flags, seq: 77, pid: 1 }, data: w.finish() };
}

describe.skipIf(!HOST_LE)('acks and errors', () => {
  it('errno 0 is an ack', () => {
    expect(decodeErrorMessage(errorMsg(0, NLM_F.CAPPED, new Uint8Array(0)))).toMatchObject({ errno: 0, request: { type: 16, seq: 77 } });
  });

  it('reads the extended ack after a capped request', () => {
    const m = errorMsg(Errno.EINVAL, NLM_F.CAPPED | NLM_F.ACK_TLVS, new Uint8Array(0), (ae) =>
      ae.string(NLMSGERR_ATTR.MSG, 'Unknown device type').u32(NLMSGERR_ATTR.OFFS, 36),
    );
    expect(decodeErrorMessage(m)).toEqual({
      errno: 22,
      request: { length: 16, type: 16, flags: 0x605, seq: 77, pid: 0 },
      ack: { message: 'Unknown device type', offset: 36 },
    });
  });

  it('skips the echoed request payload when not capped', () => {
    const m = errorMsg(Errno.EEXIST, NLM_F.ACK_TLVS, new Uint8Array(8), (ae) => ae.u32(NLMSGERR_ATTR.MISS_TYPE, 3));
    expect(decodeErrorMessage(m).ack).toEqual({ missingType: 3 });
  });

  it('rejects a truncated NLMSG_ERROR', () => {
    expect(() => decodeErrorMessage({ header: { length: 0, type: 2, flags: 0, seq: 0, pid: 0 }, data: new Uint8Array(8) })).toThrow(/NLMSG_ERROR payload/);
  });

  it('NLMSG_DONE carries a dump status', () => {
    const w = new ByteWriter().i32(-Errno.EINTR);
    expect(decodeDoneMessage({ header: { length: 0, type: 3, flags: 2, seq: 0, pid: 0 }, data: w.finish() }).errno).toBe(4);
    expect(decodeDoneMessage({ header: { length: 0, type: 3, flags: 2, seq: 0, pid: 0 }, data: new Uint8Array(0) }).errno).toBe(0);
  });
});

describe('NetlinkError', () => {
  it('has a stable code per errno, and a guard', () => {
    const e = new NetlinkError({ errno: 17, request: { type: 16, seq: 3 }, ack: { message: 'exists' } }, { context: 'createLink br0' });
    expect(e.code).toBe('FLYNN_NETLINK_EEXIST');
    expect(e.message).toBe('createLink br0: EEXIST (file exists): exists');
    expect(e.apiCode).toBe('object_exists');
    expect(e.status).toBe(409);
    expect(isNetlinkErrno(e)).toBe(true);
    expect(isNetlinkErrno(e, 'EEXIST')).toBe(true);
    expect(isNetlinkErrno(e, 'ENOENT')).toBe(false);
    expect(isNetlinkErrno(new Error('x'))).toBe(false);
    expect(new NetlinkError({ errno: 16 }).retry).toBe(true);
    expect(new NetlinkError({ errno: 1 }).code).toBe('FLYNN_NETLINK_EPERM');
    expect(errnoName(999)).toBe('E999');
  });
});
