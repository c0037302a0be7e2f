import { RuntimeError } from '../runtime-error.js';

/**
 * Output cursors. They are opaque to callers but persistable: a daemon stores
 * the last one it shipped and resumes after a restart.
 *
 * - process driver: `p1:<stdout offset>:<stderr offset>` (byte offsets in the
 *   two output files; the order between the streams is best effort);
 * - oci driver: `o1:<offset>` (byte offset in conmon's k8s-file log, which has
 *   both streams in one file, in the order conmon read them).
 */

const PROCESS_RE = /^p1:(\d{1,15}):(\d{1,15})$/;
const OCI_RE = /^o1:(\d{1,15})$/;

export interface ProcessCursor {
  stdout: number;
  stderr: number;
}

export function encodeProcessCursor(c: ProcessCursor): string {
  return `p1:${c.stdout}:${c.stderr}`;
}

/** Throws `FLYNN_HOST_RUNTIME_BAD_CURSOR` for anything not made by {@link encodeProcessCursor}. */
export function decodeProcessCursor(cursor: string | undefined): ProcessCursor {
  if (cursor === undefined || cursor === '') return { stdout: 0, stderr: 0 };
  const m = PROCESS_RE.exec(cursor);
  if (!m) throw badCursor(cursor, 'process');
  return { stdout: Number(m[1]), stderr: Number(m[2]) };
}

export function encodeOciCursor(offset: number): string {
  return `o1:${offset}`;
}

/** Throws `FLYNN_HOST_RUNTIME_BAD_CURSOR` for anything not made by {@link encodeOciCursor}. */
export function decodeOciCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const m = OCI_RE.exec(cursor);
  if (!m) throw badCursor(cursor, 'oci');
  return Number(m[1]);
}

function badCursor(cursor: string, driver: string): RuntimeError {
  return new RuntimeError('FLYNN_HOST_RUNTIME_BAD_CURSOR', `not a ${driver} driver output cursor: ${JSON.stringify(cursor.slice(0, 64))}`);
}
