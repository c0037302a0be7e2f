/**
 * Blobs in PostgreSQL (the default in a cluster, as the original: blobs are
 * replicated and backed up with the database). Schema in ./migrate.ts.
 *
 * - `put` streams the body into `blob_chunks` rows of `chunkBytes` (1 MiB)
 *   under a new `file_id` inside one transaction, then, holding a
 *   transaction advisory lock on the name, points `blobs` at it and deletes
 *   the previous version's chunks, and commits. A failed or aborted upload
 *   rolls back: nothing is left. Of concurrent writers the last to commit
 *   wins; the lock is held only for the final switch.
 * - `open` reads in a REPEATABLE READ, READ ONLY transaction held until the
 *   reader is closed: the bytes of the version it opened, whatever commits
 *   meanwhile, a few chunks at a time (never the whole blob in memory). A
 *   download therefore holds one pool connection (`maxConnections`, 20).
 */
import { randomUUID } from 'node:crypto';
import { FlynnError, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger } from '@flynn-ts/core';
import pg from 'pg';
import type { BlobBackend, BlobInfo, BlobReader, ByteRange, PutOptions } from '../blob-backend.js';
import { BlobHasher, hashing } from '../blob-hash.js';
import { OffsetMismatchError } from '../errors.js';
import { copyOut, parseCopyBinary } from './copy-out.js';
import { migrateBlobstore } from './migrate.js';

export interface PostgresBackendOptions {
  /** A pool to use (not closed by `close()`). Default: one from `connectionString`, else the PG* environment. */
  pool?: pg.Pool;
  connectionString?: string;
  /** Size of the pool this backend creates. Default 20. */
  maxConnections?: number;
  /** Bytes per chunk row. Default 1 MiB. */
  chunkBytes?: number;
  /** Run the migrations on open. Default true. */
  migrate?: boolean;
  clock?: Clock;
  logger?: Logger;
}

export const BLOBSTORE_UNAVAILABLE = 'FLYNN_BLOBSTORE_UNAVAILABLE';

/** A `blobs` row, every column as text (numbers that may exceed 2^53 or need no parsing stay strings). */
interface BlobRow {
  name: string;
  file_id: string;
  size: string;
  content_type: string;
  sha512_hex: string;
  updated_ms: string;
}

const SELECT_BLOB = `SELECT name, file_id::text AS file_id, size::text AS size, content_type, encode(sha512, 'hex') AS sha512_hex,
  (extract(epoch FROM updated_at) * 1000)::bigint::text AS updated_ms FROM blobs WHERE name = $1`;
const UPSERT_BLOB = `INSERT INTO blobs (name, file_id, size, content_type, sha512, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
  ON CONFLICT (name) DO UPDATE SET file_id = EXCLUDED.file_id, size = EXCLUDED.size, content_type = EXCLUDED.content_type, sha512 = EXCLUDED.sha512, updated_at = EXCLUDED.updated_at`;
const NAME_LOCK = 'SELECT pg_advisory_xact_lock(hashtextextended($1, 1718384238))';

export class PostgresBackend implements BlobBackend {
  readonly kind = 'postgres';
  readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly chunkBytes: number;
  private readonly clock: Clock;
  private readonly logger: Logger;

  /** Connects (and migrates, unless `migrate: false`). */
  static async open(options: PostgresBackendOptions = {}): Promise<PostgresBackend> {
    const b = new PostgresBackend(options);
    try {
      if (options.migrate ?? true) await migrateBlobstore(b.pool, { logger: b.logger });
      else await b.check();
    } catch (err) {
      await b.close();
      throw err;
    }
    return b;
  }

  private constructor(options: PostgresBackendOptions) {
    this.ownsPool = !options.pool;
    this.pool =
      options.pool ??
      new pg.Pool({ ...(options.connectionString ? { connectionString: options.connectionString } : {}), max: options.maxConnections ?? 20, connectionTimeoutMillis: 30_000 });
    this.pool.on('error', (err) => this.logger.warn({ err }, 'idle postgres connection failed'));
    this.chunkBytes = options.chunkBytes ?? 1024 * 1024;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? noopLogger).child({ component: 'blobstore-pg' });
  }

  async put(path: string, body: AsyncIterable<Uint8Array>, options: PutOptions): Promise<BlobInfo> {
    const offset = options.offset ?? 0;
    return this.transaction(async (client) => {
      const fileId = randomUUID();
      const hasher = new BlobHasher();
      let base: BlobRow | undefined;
      if (offset > 0) {
        base = (await client.query<BlobRow>(SELECT_BLOB, [path])).rows[0];
        if (base === undefined || Number(base.size) !== offset) throw new OffsetMismatchError(path, offset, base ? Number(base.size) : undefined);
        for await (const chunk of readChunks(client, base.file_id, { start: 0, end: offset - 1 }, this.chunkBytes)) hasher.update(chunk);
        await client.query('INSERT INTO blob_chunks (file_id, off, len, data) SELECT $1, off, len, data FROM blob_chunks WHERE file_id = $2', [fileId, base.file_id]);
      }
      const writer = new ChunkWriter(client, fileId, offset, this.chunkBytes);
      for await (const chunk of hashing(body, hasher, options.signal)) await writer.write(chunk);
      await writer.flush();
      return this.switchTo(client, path, { fileId, size: hasher.size, contentType: options.contentType, sha512: hasher.digest() }, base);
    });
  }

  async stat(path: string): Promise<BlobInfo | undefined> {
    const row = (await this.query<BlobRow>(SELECT_BLOB, [path])).rows[0];
    return row ? infoOf(row) : undefined;
  }

  async open(path: string): Promise<BlobReader | undefined> {
    const client = await this.connect();
    let row: BlobRow | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      row = (await client.query<BlobRow>(SELECT_BLOB, [path])).rows[0];
    } catch (err) {
      client.release(true);
      throw err;
    }
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      try {
        await client.query('COMMIT');
        client.release();
      } catch (err) {
        client.release(true);
        this.logger.warn({ err }, 'closing a blob reader failed');
      }
    };
    if (!row) {
      await close();
      return undefined;
    }
    const info = infoOf(row);
    const fileId = row.file_id;
    const chunkBytes = this.chunkBytes;
    return {
      info,
      read: (range?: ByteRange) => readChunks(client, fileId, range ?? { start: 0, end: info.size - 1 }, chunkBytes, () => closed),
      close,
    };
  }

  async copy(to: string, from: string): Promise<BlobInfo | undefined> {
    return this.transaction(async (client) => {
      const src = (await client.query<BlobRow>(`${SELECT_BLOB} FOR SHARE`, [from])).rows[0];
      if (!src) return undefined;
      const fileId = randomUUID();
      await client.query('INSERT INTO blob_chunks (file_id, off, len, data) SELECT $1, off, len, data FROM blob_chunks WHERE file_id = $2', [fileId, src.file_id]);
      return this.switchTo(client, to, { fileId, size: Number(src.size), contentType: src.content_type, sha512: hexToBase64(src.sha512_hex) });
    });
  }

  async delete(path: string): Promise<number> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<{ file_id: string }>("DELETE FROM blobs WHERE name = $1 OR name LIKE $2 ESCAPE '\\' RETURNING file_id", [path, `${escapeLike(path)}/%`]);
      if (rows.length > 0) await client.query('DELETE FROM blob_chunks WHERE file_id = ANY($1::uuid[])', [rows.map((r) => r.file_id)]);
      return rows.length;
    });
  }

  async list(prefix: string): Promise<string[]> {
    const { rows } = await this.query<{ name: string }>("SELECT name FROM blobs WHERE name LIKE $1 ESCAPE '\\' ORDER BY name", [`${escapeLike(prefix)}%`]);
    return rows.map((r) => r.name);
  }

  async check(): Promise<void> {
    await this.query('SELECT 1', []);
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  /**
   * The final step of a write: under the name's lock, point `path` at the new
   * chunks and drop the chunks of the version it replaces. `base` (an append)
   * must still be the current version.
   */
  private async switchTo(client: pg.PoolClient, path: string, v: { fileId: string; size: number; contentType: string; sha512: string }, base?: BlobRow): Promise<BlobInfo> {
    await client.query(NAME_LOCK, [path]);
    const old = (await client.query<BlobRow>(SELECT_BLOB, [path])).rows[0];
    if (base !== undefined && old?.file_id !== base.file_id) throw new OffsetMismatchError(path, Number(base.size), old ? Number(old.size) : undefined);
    if (old) await client.query('DELETE FROM blob_chunks WHERE file_id = $1', [old.file_id]);
    const now = new Date(this.clock.now());
    await client.query(UPSERT_BLOB, [path, v.fileId, v.size, v.contentType, Buffer.from(v.sha512, 'base64'), now]);
    return { path, size: v.size, etag: v.sha512, contentType: v.contentType, modifiedAt: now.getTime() };
  }

  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw unavailable(err);
    }
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      throw err instanceof Error && 'code' in err && typeof (err as { code: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code) ? err : unavailable(err);
    }
  }
}

function unavailable(err: unknown): FlynnError {
  return new FlynnError(BLOBSTORE_UNAVAILABLE, `blobstore: database unavailable: ${err instanceof Error ? err.message : String(err)}`, { apiCode: 'service_unavailable', retry: true, cause: err });
}

function infoOf(row: BlobRow): BlobInfo {
  return { path: row.name, size: Number(row.size), etag: hexToBase64(row.sha512_hex), contentType: row.content_type, modifiedAt: Number(row.updated_ms) };
}

function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Cuts the stream into rows of exactly `chunkBytes` (the last one shorter) and inserts them. */
class ChunkWriter {
  private parts: Uint8Array[] = [];
  private size = 0;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly fileId: string,
    private off: number,
    private readonly chunkBytes: number,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    let rest = chunk;
    while (this.size + rest.length >= this.chunkBytes) {
      const take = this.chunkBytes - this.size;
      this.parts.push(rest.subarray(0, take));
      this.size += take;
      rest = rest.subarray(take);
      await this.flush();
    }
    if (rest.length > 0) {
      this.parts.push(rest);
      this.size += rest.length;
    }
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const data = Buffer.concat(this.parts, this.size);
    this.parts = [];
    const off = this.off;
    this.off += this.size;
    this.size = 0;
    await this.client.query('INSERT INTO blob_chunks (file_id, off, len, data) VALUES ($1, $2, $3, $4)', [this.fileId, off, data.length, data]);
  }
}

/**
 * The bytes [start, end] of a file's chunks, in order, a few rows (about
 * 4 MiB) per binary COPY with the next batch fetched while the current one
 * is consumed (so at most two batches in memory); checks that the chunks are
 * contiguous.
 */
async function* readChunks(client: pg.PoolClient, fileId: string, range: ByteRange, chunkBytes: number, closed: () => boolean = () => false): AsyncGenerator<Uint8Array> {
  if (range.end < range.start) return;
  if (!/^[0-9a-f-]{36}$/.test(fileId) || !Number.isSafeInteger(range.start) || !Number.isSafeInteger(range.end)) {
    throw new FlynnError('FLYNN_BLOBSTORE_CORRUPT', `blobstore: bad chunk reference ${fileId} ${range.start}-${range.end}`);
  }
  const batch = Math.max(1, Math.floor((4 * 1024 * 1024) / chunkBytes));
  // COPY takes no parameters: the values are checked above and inlined.
  const rowsOf = async (where: string, order: string, limit: number) =>
    parseCopyBinary(await copyOut(client, `COPY (SELECT off, data FROM blob_chunks WHERE file_id = '${fileId}' AND ${where} ORDER BY off ${order} LIMIT ${limit}) TO STDOUT (FORMAT binary)`));
  let pos = range.start;
  // The chunk holding `start`, then the following ones.
  let pending = rowsOf(`off <= ${pos}`, 'DESC', 1);
  try {
    for (;;) {
      const rows = await pending;
      if (rows.length === 0) throw new FlynnError('FLYNN_BLOBSTORE_CORRUPT', `blobstore: chunks of ${fileId} end at byte ${pos}`);
      const lastOff = Number(rows[rows.length - 1]![0]!.readBigInt64BE());
      const more = lastOff + rows[rows.length - 1]![1]!.length <= range.end;
      pending = more && !closed() ? rowsOf(`off > ${lastOff} AND off <= ${range.end}`, 'ASC', batch) : Promise.resolve([]);
      for (const [offField, data] of rows) {
        const off = Number(offField!.readBigInt64BE());
        if (off > pos || off + data!.length <= pos) throw new FlynnError('FLYNN_BLOBSTORE_CORRUPT', `blobstore: chunks of ${fileId} are not contiguous at byte ${pos}`);
        const to = Math.min(data!.length, range.end - off + 1);
        yield data!.subarray(pos - off, to);
        pos = off + to;
        if (pos > range.end) return;
      }
      if (closed()) return;
    }
  } finally {
    pending.catch(() => undefined); // a prefetch nobody waits for any more
  }
}
