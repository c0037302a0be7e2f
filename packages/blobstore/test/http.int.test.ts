/**
 * The blobstore HTTP API over real sockets, for both backends (a directory,
 * and a PostgreSQL 15 the test starts), driven by curl (a real client) and
 * by BlobstoreClient: a 50 MiB blob up and down with matching SHA-256,
 * ranges, 404s, bad paths, an upload cut off mid-way, concurrent writers of
 * one path, and fuzzed request targets and ranges (never a 500).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestPostgres, testPostgresMissing } from '@flynn-ts/controller/testing';
import type { TestPostgres } from '@flynn-ts/controller/testing';
import { serve } from '@flynn-ts/core/http';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import { missingRequirements } from '@flynn-ts/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlobstoreApi } from '../src/blob-api.js';
import type { BlobBackend } from '../src/blob-backend.js';
import { BlobstoreClient } from '../src/client/blobstore-client.js';
import { DirectoryBackend } from '../src/directory-backend.js';
import { PostgresBackend } from '../src/pg/postgres-backend.js';
import { patternBytes } from '../src/testing/describe-blob-backend.js';

const run = promisify(execFile);
const BIG = 50 * 1024 * 1024;
const curlMissing = missingRequirements({ commands: ['curl'] });
const pgMissing = testPostgresMissing();

let work: string;
let bigFile: string;
let bigSha256: string;
let bigSha512: string;
let pgServer: TestPostgres | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), `flynn-blobhttp-${process.pid}-`));
  bigFile = join(work, 'big.bin');
  const h256 = createHash('sha256');
  const h512 = createHash('sha512');
  const out = createWriteStream(bigFile);
  for (let i = 0; i < BIG / (1024 * 1024); i++) {
    const chunk = randomBytes(1024 * 1024);
    h256.update(chunk);
    h512.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  bigSha256 = h256.digest('hex');
  bigSha512 = h512.digest('base64');
  if (!pgMissing) pgServer = await startTestPostgres();
});

afterAll(async () => {
  await pgServer?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function curl(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('curl', ['-sS', ...args], { maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' });
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** Sends raw bytes as a request and resolves with the status code (0 if the server closed without answering). */
function rawRequest(port: number, text: string): Promise<number> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      got += d;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m) {
        s.destroy();
        resolve(Number(m[1]));
      }
    });
    s.on('error', () => resolve(0));
    s.on('close', () => resolve(0));
  });
}

const backends: { name: string; skip: string | undefined; make: () => Promise<BlobBackend> }[] = [
  { name: 'directory', skip: curlMissing, make: async () => DirectoryBackend.open({ dir: await mkdtemp(join(work, 'dir-')) }) },
  { name: 'postgres', skip: curlMissing ?? pgMissing, make: async () => PostgresBackend.open({ connectionString: await pgServer!.createDatabase() }) },
];

describe.each(backends)('blobstore over HTTP: $name backend', ({ skip, make }) => {
  let backend: BlobBackend;
  let http: HttpServerHandle;
  let client: BlobstoreClient;
  let url: string;

  beforeAll(async () => {
    if (skip) return;
    backend = await make();
    http = await serve(createBlobstoreApi({ backend }).fetch, { port: 0 });
    url = http.url;
    client = new BlobstoreClient({ url });
  });

  afterAll(async () => {
    await client?.close();
    await http?.close();
    await backend?.close();
  });

  it.skipIf(skip)('streams a 50 MiB blob up and down with curl and with the client, SHA-256 intact', async () => {
    await curl(['-f', '-T', bigFile, '-H', 'content-type: application/x-test', `${url}/big/curl.bin`]);
    const head = await curl(['-f', '-I', `${url}/big/curl.bin`]);
    expect(head.stdout).toMatch(new RegExp(`content-length: ${BIG}\\r`, 'i'));
    expect(head.stdout.toLowerCase()).toContain(`etag: "${bigSha512.toLowerCase()}"`);
    expect(head.stdout).toMatch(/content-type: application\/x-test/i);
    const down = join(work, 'down-curl.bin');
    await curl(['-f', '-o', down, `${url}/big/curl.bin`]);
    expect(await sha256File(down)).toBe(bigSha256);
    await rm(down);

    const { etag } = await client.put('/big/client.bin', createReadStream(bigFile), { contentType: 'application/x-test' });
    expect(etag).toBe(bigSha512);
    const blob = await client.get('/big/client.bin');
    expect(blob).toMatchObject({ status: 200, size: BIG, etag: bigSha512, contentType: 'application/x-test' });
    const h = createHash('sha256');
    for await (const chunk of blob!.body) h.update(chunk as Buffer);
    expect(h.digest('hex')).toBe(bigSha256);
    expect(await client.list('/big')).toEqual(['/big/client.bin', '/big/curl.bin']);
  });

  it.skipIf(skip)('serves ranges (206, 416) and 404s to curl', async () => {
    const data = await readFile(bigFile);
    const part = join(work, 'part.bin');
    const r1 = await curl(['-o', part, '-w', '%{http_code}', '-r', '1048000-1049999', `${url}/big/curl.bin`]);
    expect(r1.stdout).toBe('206');
    expect(await readFile(part)).toEqual(data.subarray(1_048_000, 1_050_000));
    const r2 = await curl(['-o', part, '-w', '%{http_code}', '-r', '-10', `${url}/big/curl.bin`]);
    expect(r2.stdout).toBe('206');
    expect(await readFile(part)).toEqual(data.subarray(BIG - 10));
    await rm(part);
    expect((await curl(['-o', '/dev/null', '-w', '%{http_code}', '-r', `${BIG}-`, `${url}/big/curl.bin`])).stdout).toBe('416');
    const missing = await curl(['-w', '\n%{http_code}', `${url}/nothing/here`]);
    const [body, code] = missing.stdout.split('\n');
    expect(code).toBe('404');
    expect(JSON.parse(body!)).toMatchObject({ code: 'not_found' });
    const ranged = await client.getBuffer('/big/curl.bin', { range: { start: 5, end: 9 } });
    expect(ranged).toEqual(data.subarray(5, 10));
    expect(await client.head('/nothing')).toBeUndefined();
    expect(await client.get('/nothing')).toBeUndefined();
  });

  it.skipIf(skip)('refuses bad paths with 400 JSON, as sent (no dot-segment resolution)', async () => {
    for (const path of ['/a/../b', '/..', '/a/./b', '/a//b', '/%2e%2e/x', '/a%2Fb', '/%zz', '/a/']) {
      const res = await curl(['--path-as-is', '-X', 'PUT', '--data-binary', 'x', '-w', '\n%{http_code}', `${url}${path}`]);
      const [body, code] = res.stdout.split('\n');
      expect(code, path).toBe('400');
      expect(JSON.parse(body!)).toMatchObject({ code: 'validation_error' });
    }
    expect((await curl(['--path-as-is', '-o', '/dev/null', '-w', '%{http_code}', `${url}/big/..`])).stdout).toBe('400');
    expect(await client.listPrefix('/')).not.toContain('/b');
  });

  it.skipIf(skip)('an upload cut off half-way leaves nothing (and the old blob) in place', async () => {
    await client.put('/cut', patternBytes(1000, 1));
    const status = await new Promise<string>((resolve) => {
      const s = connect(http.port, '127.0.0.1', () => {
        s.write(`PUT /cut HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`);
        s.write(randomBytes(1024 * 1024), () => setTimeout(() => s.destroy(), 50));
      });
      s.on('close', () => resolve('closed'));
      s.on('error', () => undefined);
    });
    expect(status).toBe('closed');
    await client.put('/other', 'sync'); // the cut request has been handled by now on this single server
    expect(await client.getBuffer('/cut')).toEqual(Buffer.from(patternBytes(1000, 1)));
    await client.delete('/cut');
    await client.delete('/other');
  });

  it.skipIf(skip)('concurrent writers of one path: readers only ever see whole versions; one of them stays', async () => {
    const versions = Array.from({ length: 6 }, (_, i) => Buffer.from(patternBytes(1_000_000 + i * 377_000, 100 + i)));
    const etags = new Set(versions.map((v) => createHash('sha512').update(v).digest('base64')));
    await client.put('/hot', versions[0]!);
    let writing = true;
    const seen: string[] = [];
    const reader = async () => {
      while (writing) {
        const blob = await client.get('/hot');
        if (!blob) continue;
        const h = createHash('sha512');
        for await (const c of blob.body) h.update(c as Buffer);
        const sum = h.digest('base64');
        expect(sum).toBe(blob.etag);
        seen.push(sum);
      }
    };
    const readers = [reader(), reader(), reader()];
    await Promise.all(versions.map((v, i) => client.put('/hot', i % 2 ? v : Readable_from(v))));
    writing = false;
    await Promise.all(readers);
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(etags.has(s)).toBe(true);
    const final = await client.getBuffer('/hot');
    expect(etags.has(createHash('sha512').update(final!).digest('base64'))).toBe(true);
  });

  it.skipIf(skip)('never answers 500 to fuzzed request targets, methods and ranges', async () => {
    await client.put('/f/x', 'fuzz target content');
    const ch = fc.constantFrom('/', '%', '.', 'f', 'x', '2', 'F', 'e', '0', 'a', '?', '=', '&');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE', 'POST'),
        fc.string({ unit: ch, maxLength: 16 }),
        fc.string({ unit: fc.constantFrom('0', '1', '9', '-', ',', '=', 'b', ' '), maxLength: 12 }),
        async (method, target, range) => {
          const body = method === 'PUT' ? 'abc' : '';
          const req = `${method} /${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nRange: bytes=${range}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
          const status = await rawRequest(http.port, req);
          expect(status).not.toBe(0);
          expect(status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  });
});

function Readable_from(data: Buffer): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (let at = 0; at < data.length; at += 65_536) yield data.subarray(at, at + 65_536);
  })();
}
