/**
 * `COPY (query) TO STDOUT (FORMAT binary)` on a node-pg client, for reading
 * blob chunks: bytea comes as raw bytes (node-pg decodes every ordinary
 * result field as UTF-8 text, so bytea would otherwise travel hex-encoded,
 * twice its size, and be decoded again). The result of one COPY is
 * collected in memory: callers keep it small (a few chunks).
 *
 * `copyOut` is a node-pg "submittable" (the same hook pg-copy-streams uses);
 * `parseCopyBinary` reads the binary COPY format (PostgreSQL docs, "COPY",
 * Binary Format) and is pure.
 */
import { FlynnError } from '@flynn-ts/core';
import type pg from 'pg';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** Runs a COPY ... TO STDOUT (FORMAT binary) and resolves with its bytes. The SQL must not take parameters. */
export function copyOut(client: pg.PoolClient, sql: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    let failed: unknown;
    const submittable = {
      submit(connection: { query(text: string): void }) {
        connection.query(sql);
      },
      handleCopyData(msg: { chunk: Buffer }) {
        // A view into pg's read buffer, which is reused: copy it.
        parts.push(Buffer.from(msg.chunk));
      },
      handleError(err: unknown) {
        failed ??= err;
        reject(err);
      },
      handleReadyForQuery() {
        if (failed === undefined) resolve(Buffer.concat(parts));
      },
      handleCommandComplete() {},
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyInResponse() {},
    };
    (client as unknown as { query(s: unknown): void }).query(submittable);
  });
}

/** The rows of a binary COPY stream: each a list of fields (null for SQL NULL). Throws on a malformed stream. */
export function parseCopyBinary(data: Buffer): (Buffer | null)[][] {
  const bad = (what: string) => new FlynnError('FLYNN_BLOBSTORE_COPY_FORMAT', `blobstore: binary COPY data: ${what}`);
  if (data.length < SIGNATURE.length + 8 || !data.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw bad('bad signature');
  let at = SIGNATURE.length + 4;
  at += 4 + data.readUInt32BE(at); // header extension
  const rows: (Buffer | null)[][] = [];
  for (;;) {
    if (at + 2 > data.length) throw bad('missing trailer');
    const n = data.readInt16BE(at);
    at += 2;
    if (n === -1) return rows;
    const row: (Buffer | null)[] = [];
    for (let i = 0; i < n; i++) {
      if (at + 4 > data.length) throw bad('cut in a field length');
      const len = data.readInt32BE(at);
      at += 4;
      if (len === -1) {
        row.push(null);
        continue;
      }
      if (len < 0 || at + len > data.length) throw bad('cut in a field');
      row.push(data.subarray(at, at + len));
      at += len;
    }
    rows.push(row);
  }
}
