/**
 * A client for the blobstore HTTP API (undici), streaming both ways.
 *
 * ```ts
 * const blobs = new BlobstoreClient({ url: 'http://blobstore.discoverd' });
 * await blobs.put('/slugs/app.tgz', createReadStream('app.tgz'), { contentType: 'application/gzip' });
 * const blob = await blobs.get('/slugs/app.tgz');           // undefined when missing
 * if (blob) await pipeline(blob.body, createWriteStream('copy.tgz'));
 * ```
 *
 * Paths are canonical blob paths (`/a/b c`); the client percent-encodes them.
 */
import { Readable } from 'node:stream';
import { FlynnError } from '@flynn-ts/core';
import { HttpConnectionError, httpErrorFrom } from '@flynn-ts/core/http';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { checkBlobPath, encodeBlobPath } from '../core/blob-path.js';

export interface BlobstoreClientOptions {
  /** Base URL. Default `http://blobstore.discoverd`. */
  url?: string;
  /** Default: an Agent owned (and closed) by this client. */
  dispatcher?: Dispatcher;
  /** Connect and response-headers timeout in ms. Default 30 000. */
  timeoutMs?: number;
}

export type BlobBody = Uint8Array | string | AsyncIterable<Uint8Array> | Readable;

export interface ClientPutOptions {
  contentType?: string;
  /** Append after exactly this many existing bytes (`Blobstore-Offset`). */
  offset?: number;
  signal?: AbortSignal;
}

export interface BlobHead {
  size: number;
  /** Unquoted base64 SHA-512. */
  etag: string;
  contentType: string;
  /** ms since the epoch (second precision, from Last-Modified). */
  modifiedAt: number;
}

export interface GetOptions {
  /** Inclusive byte range. */
  range?: { start: number; end?: number };
  signal?: AbortSignal;
}

export interface BlobDownload extends BlobHead {
  /** 200 or 206. */
  status: number;
  /** Bytes of the (partial) content; consume or destroy it. */
  body: Readable;
}

export class BlobstoreClient {
  private readonly base: string;
  private readonly dispatcher: Dispatcher;
  private readonly owned: Agent | undefined;

  constructor(options: BlobstoreClientOptions = {}) {
    this.base = (options.url ?? 'http://blobstore.discoverd').replace(/\/+$/, '');
    const timeoutMs = options.timeoutMs ?? 30_000;
    this.owned = options.dispatcher ? undefined : new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: 0 });
    this.dispatcher = options.dispatcher ?? this.owned!;
  }

  /** Stores `body` at `path` (replacing it); resolves with the new ETag. */
  async put(path: string, body: BlobBody, options: ClientPutOptions = {}): Promise<{ etag: string }> {
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/octet-stream' };
    if (options.offset !== undefined) headers['blobstore-offset'] = String(options.offset);
    const payload = typeof body === 'string' || body instanceof Uint8Array || body instanceof Readable ? body : Readable.from(body);
    const res = await this.send('PUT', path, { headers, body: payload, ...(options.signal ? { signal: options.signal } : {}) });
    await expectOk(res, this.urlOf(path));
    return { etag: unquote(header(res, 'etag') ?? '') };
  }

  /** Copies `from` to `to` on the server (`Blobstore-Copy-From`). Throws a 404 HttpError when `from` is missing. */
  async copy(to: string, from: string): Promise<{ etag: string }> {
    const res = await this.send('PUT', to, { headers: { 'blobstore-copy-from': encodeBlobPath(checkBlobPath(from)) } });
    await expectOk(res, this.urlOf(to));
    return { etag: unquote(header(res, 'etag') ?? '') };
  }

  /** The blob's metadata, or undefined when there is none. */
  async head(path: string): Promise<BlobHead | undefined> {
    const res = await this.send('HEAD', path, {});
    if (res.statusCode === 404) return undefined;
    await expectOk(res, this.urlOf(path));
    return headOf(res, Number(header(res, 'content-length')));
  }

  /** Streams the blob (or a range of it), or undefined when there is none. */
  async get(path: string, options: GetOptions = {}): Promise<BlobDownload | undefined> {
    const headers: Record<string, string> = {};
    if (options.range) headers.range = `bytes=${options.range.start}-${options.range.end ?? ''}`;
    const res = await this.send('GET', path, { headers, ...(options.signal ? { signal: options.signal } : {}) });
    if (res.statusCode === 404) {
      await res.body.dump();
      return undefined;
    }
    if (res.statusCode !== 200 && res.statusCode !== 206) throw httpErrorFrom(res.statusCode, await res.body.text(), this.urlOf(path));
    const range = header(res, 'content-range');
    const size = range ? Number(range.slice(range.lastIndexOf('/') + 1)) : Number(header(res, 'content-length'));
    return { ...headOf(res, size), status: res.statusCode, body: res.body };
  }

  /** The whole blob in memory, or undefined. */
  async getBuffer(path: string, options: GetOptions = {}): Promise<Buffer | undefined> {
    const blob = await this.get(path, options);
    if (!blob) return undefined;
    const parts: Buffer[] = [];
    for await (const chunk of blob.body) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  }

  /** Deletes the blob and everything under `path/`. */
  async delete(path: string): Promise<void> {
    await expectOk(await this.send('DELETE', path, {}), this.urlOf(path));
  }

  /** The original's listing: immediate children of `dir` ('' or '/' = root), directories ending in `/`. */
  async list(dir = '/'): Promise<string[]> {
    return this.listing(`dir=${encodeURIComponent(dir)}`);
  }

  /** Every blob path starting with `prefix`. */
  async listPrefix(prefix: string): Promise<string[]> {
    return this.listing(`prefix=${encodeURIComponent(prefix)}`);
  }

  async close(): Promise<void> {
    await this.owned?.close();
  }

  private async listing(query: string): Promise<string[]> {
    const url = `${this.base}/?${query}`;
    const res = await this.raw(url, { method: 'GET' });
    await expectOk(res, url, false);
    return (await res.body.json()) as string[];
  }

  private urlOf(path: string): string {
    return this.base + encodeBlobPath(checkBlobPath(path));
  }

  private send(method: Dispatcher.HttpMethod, path: string, o: { headers?: Record<string, string>; body?: Uint8Array | string | Readable; signal?: AbortSignal }): Promise<Dispatcher.ResponseData> {
    return this.raw(this.urlOf(path), { method, ...o });
  }

  private async raw(url: string, o: { method: Dispatcher.HttpMethod; headers?: Record<string, string>; body?: Uint8Array | string | Readable; signal?: AbortSignal }): Promise<Dispatcher.ResponseData> {
    try {
      return await request(url, { method: o.method, dispatcher: this.dispatcher, ...(o.headers ? { headers: o.headers } : {}), ...(o.body !== undefined ? { body: o.body } : {}), ...(o.signal ? { signal: o.signal } : {}) });
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason;
      if (FlynnError.is(err)) throw err;
      throw new HttpConnectionError(url, err);
    }
  }
}

async function expectOk(res: Dispatcher.ResponseData, url: string, drain = true): Promise<void> {
  if (res.statusCode >= 200 && res.statusCode < 300) {
    if (drain) await res.body.dump();
    return;
  }
  throw httpErrorFrom(res.statusCode, await res.body.text(), url);
}

function header(res: Dispatcher.ResponseData, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

function headOf(res: Dispatcher.ResponseData, size: number): BlobHead {
  const modified = Date.parse(header(res, 'last-modified') ?? '');
  return {
    size,
    etag: unquote(header(res, 'etag') ?? ''),
    contentType: header(res, 'content-type') ?? '',
    modifiedAt: Number.isNaN(modified) ? 0 : modified,
  };
}
