/** The directory backend: the conformance suite on a real filesystem, plus what is specific to files. */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryBackend } from '../src/directory-backend.js';
import { chunked, describeBlobBackend, patternBytes } from '../src/testing/describe-blob-backend.js';

const tempDir = () => mkdtemp(join(tmpdir(), `flynn-blobdir-${process.pid}-`));

describeBlobBackend('directory', async () => {
  const dir = await tempDir();
  return { backend: await DirectoryBackend.open({ dir, chunkBytes: 1_000 }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('DirectoryBackend files', () => {
  it('lays blobs out as .d directories and .f files, and leaves no temp file after a failed upload', async () => {
    const dir = await tempDir();
    try {
      const b = await DirectoryBackend.open({ dir });
      await b.put('/a/b', chunked(patternBytes(10)), { contentType: 'x/y' });
      await b.put('/a', chunked(patternBytes(10)), { contentType: 'x/y' });
      expect((await readdir(join(dir, 'blobs'))).sort()).toEqual(['a.d', 'a.f']);
      expect(await readdir(join(dir, 'blobs', 'a.d'))).toEqual(['b.f']);
      async function* failing() {
        yield patternBytes(5_000);
        throw new Error('gone');
      }
      await expect(b.put('/c', failing(), { contentType: 'x/y' })).rejects.toThrow('gone');
      expect(await readdir(join(dir, 'tmp'))).toEqual([]);
      expect(await b.delete('/a')).toBe(2);
      expect(await readdir(join(dir, 'blobs'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('removes uploads left by a previous run at open, and refuses a damaged blob file', async () => {
    const dir = await tempDir();
    try {
      const b = await DirectoryBackend.open({ dir });
      await writeFile(join(dir, 'tmp', 'stale.part'), 'half an upload');
      await writeFile(join(dir, 'blobs', 'bad.f'), 'not a blob file');
      await DirectoryBackend.open({ dir });
      expect(await readdir(join(dir, 'tmp'))).toEqual([]);
      await expect(b.open('/bad')).rejects.toMatchObject({ code: 'FLYNN_BLOBSTORE_CORRUPT' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
