/**
 * The `flynn-attach/0` wire format (reference §2.10, the original's
 * host/types AttachReq and host/attach.go), as pure encoders and a streaming
 * decoder over Uint8Array.
 *
 * After the HTTP 101 the server sends one state byte: `success` (0) or
 * `waiting` (1, followed later by `success` or an `error` frame). Frames:
 *
 *   data    [3][stream: 0 stdin | 1 stdout | 2 stderr | 3 init log][uint32 BE len][bytes]   len 0 = EOF of that stream
 *   signal  [4][uint32 BE signal]                      client → server
 *   resize  [6][uint16 BE height][uint16 BE width]     client → server
 *   exit    [5][uint32 BE code]                        server → client
 *   error   [2][uint32 BE len][utf-8 message]          server → client
 */

export const ATTACH_PROTOCOL = 'flynn-attach/0';

export const AttachByte = {
  success: 0,
  waiting: 1,
  error: 2,
  data: 3,
  signal: 4,
  exit: 5,
  resize: 6,
} as const;

/** `AttachReq.flags` bits. */
export const AttachFlag = {
  stdout: 1,
  stderr: 2,
  stdin: 4,
  logs: 8,
  stream: 16,
  initLog: 32,
} as const;

/** The JSON body of `POST /attach` (the original's `host.AttachReq`). */
export interface AttachRequest {
  job_id: string;
  flags?: number;
  height?: number;
  width?: number;
}

export type AttachStream = 0 | 1 | 2 | 3;

export type AttachFrame =
  | { type: 'success' }
  | { type: 'waiting' }
  | { type: 'error'; message: string }
  | { type: 'data'; stream: AttachStream; data: Uint8Array }
  | { type: 'signal'; signal: number }
  | { type: 'resize'; height: number; width: number }
  | { type: 'exit'; code: number };

const encoder = new TextEncoder();

export function encodeState(state: 'success' | 'waiting'): Uint8Array {
  return Uint8Array.of(AttachByte[state]);
}

export function encodeData(stream: AttachStream, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(6 + data.length);
  out[0] = AttachByte.data;
  out[1] = stream;
  new DataView(out.buffer).setUint32(2, data.length, false);
  out.set(data, 6);
  return out;
}

/** A zero-length data frame: end of that stream. */
export function encodeEof(stream: AttachStream): Uint8Array {
  return encodeData(stream, new Uint8Array(0));
}

export function encodeSignal(signal: number): Uint8Array {
  return uint32Frame(AttachByte.signal, signal);
}

export function encodeExit(code: number): Uint8Array {
  return uint32Frame(AttachByte.exit, code);
}

export function encodeResize(height: number, width: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = AttachByte.resize;
  const view = new DataView(out.buffer);
  view.setUint16(1, height & 0xffff, false);
  view.setUint16(3, width & 0xffff, false);
  return out;
}

export function encodeError(message: string): Uint8Array {
  const bytes = encoder.encode(message);
  const out = new Uint8Array(5 + bytes.length);
  out[0] = AttachByte.error;
  new DataView(out.buffer).setUint32(1, bytes.length, false);
  out.set(bytes, 5);
  return out;
}

/** Encodes any frame (used by tests and the fuzzers). */
export function encodeFrame(frame: AttachFrame): Uint8Array {
  switch (frame.type) {
    case 'success':
    case 'waiting':
      return encodeState(frame.type);
    case 'error':
      return encodeError(frame.message);
    case 'data':
      return encodeData(frame.stream, frame.data);
    case 'signal':
      return encodeSignal(frame.signal);
    case 'resize':
      return encodeResize(frame.height, frame.width);
    case 'exit':
      return encodeExit(frame.code);
  }
}

function uint32Frame(type: number, value: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = type;
  new DataView(out.buffer).setUint32(1, value >>> 0, false);
  return out;
}
