import { createHash } from 'node:crypto';
import { ManualClock } from '@flynn-ts/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBlobstoreApi } from './blob-api.js';
import { MemoryBlobBackend } from './testing/memory-blob-backend.js';

function setup(options: { maxBlobBytes?: number } = {}) {
  const clock = new ManualClock(Date.UTC(2024, 0, 2, 3, 4, 5));
  const backend = new MemoryBlobBackend({ clock });
  const app = createBlobstoreApi({ backend, clock, ...options });
  const put = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) => app.request(path, { method: 'PUT', body, headers });
  return { app, backend, clock, put };
}

const etagOf = (s: string) => `"${createHash('sha512').update(s).digest('base64')}"`;

describe('blobstore API', () => {
  it('PUT then GET/HEAD: body, Content-Length, Content-Type, quoted SHA-512 ETag, Last-Modified', async () => {
    const { app, put } = setup();
    const res = await put('/dir/file.txt', 'hello', { 'content-type': 'text/plain' });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(etagOf('hello'));
    const get = await app.request('/dir/file.txt');
    expect(get.status).toBe(200);
    expect(await get.text()).toBe('hello');
    expect(Object.fromEntries(get.headers)).toMatchObject({
      'content-length': '5',
      'content-type': 'text/plain',
      etag: etagOf('hello'),
      'last-modified': 'Tue, 02 Jan 2024 03:04:05 GMT',
      'accept-ranges': 'bytes',
    });
    const head = await app.request('/dir/file.txt', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('5');
    expect(await head.text()).toBe('');
  });

  it('defaults the content type and answers 404 JSON for a missing blob', async () => {
    const { app, put } = setup();
    await put('/x', new TextEncoder().encode('data')); // a string body would get text/plain from Request
    expect((await app.request('/x')).headers.get('content-type')).toBe('application/octet-stream');
    const missing = await app.request('/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'not_found', message: expect.stringContaining('/nope') });
    expect((await app.request('/nope', { method: 'HEAD' })).status).toBe(404);
  });

  it('serves single ranges (206), ignores several, refuses unsatisfiable ones (416)', async () => {
    const { app, put } = setup();
    await put('/r', '0123456789');
    const part = await app.request('/r', { headers: { range: 'bytes=2-4' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('234');
    expect(part.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(part.headers.get('content-length')).toBe('3');
    expect(await (await app.request('/r', { headers: { range: 'bytes=-3' } })).text()).toBe('789');
    const multi = await app.request('/r', { headers: { range: 'bytes=0-1,5-6' } });
    expect(multi.status).toBe(200);
    const bad = await app.request('/r', { headers: { range: 'bytes=10-' } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe('bytes */10');
    expect(await bad.json()).toMatchObject({ code: 'range_not_satisfiable' });
    // If-Range with a stale ETag: the whole blob.
    expect((await app.request('/r', { headers: { range: 'bytes=2-4', 'if-range': '"stale"' } })).status).toBe(200);
    expect((await app.request('/r', { headers: { range: 'bytes=2-4', 'if-range': etagOf('0123456789') } })).status).toBe(206);
  });

  it('answers 304 for a matching If-None-Match or an old enough If-Modified-Since', async () => {
    const { app, put } = setup();
    await put('/c', 'cached');
    const nm = await app.request('/c', { headers: { 'if-none-match': etagOf('cached') } });
    expect(nm.status).toBe(304);
    expect(nm.headers.get('etag')).toBe(etagOf('cached'));
    expect((await app.request('/c', { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    expect((await app.request('/c', { headers: { 'if-modified-since': 'Tue, 02 Jan 2024 03:04:05 GMT' } })).status).toBe(304);
    expect((await app.request('/c', { headers: { 'if-modified-since': 'Tue, 02 Jan 2024 03:04:04 GMT' } })).status).toBe(200);
  });

  it('appends with Blobstore-Offset and copies with Blobstore-Copy-From', async () => {
    const { app, put } = setup();
    await put('/up', 'abc');
    expect((await put('/up', 'def', { 'blobstore-offset': '3' })).status).toBe(200);
    expect(await (await app.request('/up')).text()).toBe('abcdef');
    const conflict = await put('/up', 'x', { 'blobstore-offset': '2' });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ code: 'conflict' });
    expect((await put('/up', 'x', { 'blobstore-offset': 'abc' })).status).toBe(400);
    expect((await put('/copy', '', { 'blobstore-copy-from': '/up' })).status).toBe(200);
    expect(await (await app.request('/copy')).text()).toBe('abcdef');
    expect((await put('/copy2', '', { 'blobstore-copy-from': '/missing' })).status).toBe(404);
    expect((await put('/copy2', '', { 'blobstore-copy-from': 'relative' })).status).toBe(400);
  });

  it('lists like the original README (?dir=) and by prefix (?prefix=)', async () => {
    const { app, put } = setup();
    for (const p of ['/foo.txt', '/dir1/foo.txt', '/dir2/foo.txt', '/dir3/foo.txt']) await put(p, 'data');
    expect(await (await app.request('/')).json()).toEqual(['/dir1/', '/dir2/', '/dir3/', '/foo.txt']);
    expect(await (await app.request('/?dir=/dir1')).json()).toEqual(['/dir1/foo.txt']);
    expect(await (await app.request('/?dir=/dir2/')).json()).toEqual(['/dir2/foo.txt']);
    expect(await (await app.request('/?dir=/none')).json()).toEqual([]);
    expect(await (await app.request('/?prefix=/dir')).json()).toEqual(['/dir1/foo.txt', '/dir2/foo.txt', '/dir3/foo.txt']);
    expect((await app.request('/?dir=/a&prefix=/b')).status).toBe(400);
    expect((await app.request('/?dir=x')).status).toBe(400);
    expect((await app.request('/', { method: 'HEAD' })).status).toBe(200);
  });

  it('DELETE removes a blob and everything under it, and answers 200 even when nothing was there', async () => {
    const { app, put } = setup();
    for (const p of ['/d', '/d/a', '/d/b/c', '/e']) await put(p, 'x');
    expect((await app.request('/d', { method: 'DELETE' })).status).toBe(200);
    expect(await (await app.request('/?prefix=/')).json()).toEqual(['/e']);
    expect((await app.request('/d', { method: 'DELETE' })).status).toBe(200);
  });

  it('refuses bad paths and headers with 400 JSON, other methods with 405, too large blobs with 413', async () => {
    const { app, put } = setup({ maxBlobBytes: 4 });
    for (const path of ['/a//b', '/a/', '/%zz', '/a%2Fb', '/%2e%2e', '/']) {
      const res = await put(path, 'x');
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'validation_error' });
    }
    expect((await app.request('/a%00b')).status).toBe(400);
    expect((await put('/ok', 'x', { 'content-type': 'a'.repeat(300) })).status).toBe(400);
    expect((await app.request('/x', { method: 'POST' })).status).toBe(405);
    expect((await put('/big', '12345')).status).toBe(413);
    expect((await app.request('/big')).status).toBe(404);
  });

  it('never answers 500, whatever the path, range and conditional headers (property)', async () => {
    const { app, put } = setup();
    await put('/f', 'some content here');
    const chars = fc.constantFrom('/', '%', '.', 'f', '2', 'F', 'e', '0', 'a', ' ', '-', '=', ',', '"', '*');
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: chars, maxLength: 20 }), fc.string({ unit: chars, maxLength: 20 }), fc.string({ maxLength: 20 }), async (path, range, inm) => {
        let url: string;
        try {
          url = new URL(path.startsWith('/') ? path : `/${path}`, 'http://x').toString();
        } catch {
          return;
        }
        const res = await app.request(url, { headers: { range: `bytes=${range}`, 'if-none-match': inm, 'if-range': inm } });
        expect(res.status).toBeLessThan(500);
        await res.arrayBuffer();
      }),
      { numRuns: 300 },
    );
  });
});
