import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from './context.js';
import { UsageError } from './context.js';
import { image } from './image-command.js';

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = { out: (t) => void out.push(t), err: (t) => void err.push(t), stdin: process.stdin, stdinIsTty: false, env: {} };
  return { cli, out, err };
};

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('flynn-host image', () => {
  it('refuses anything but build-base, and bad variants, as usage errors', async () => {
    for (const argv of [[], ['pull'], ['build-base', 'extra'], ['build-base', '--variant', 'huge'], ['build-base', '--bogus']]) {
      await expect(image({ argv, io: io().cli })).rejects.toBeInstanceOf(UsageError);
    }
  });

  it('build-base answers a cached base image without running debootstrap (prints the manifest id)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flynn-cli-image-'));
    await writeFile(join(dir, 'abc123.json'), '{"_type":"application/vnd.flynn.image.manifest.v1+json","rootfs":[]}');
    await writeFile(join(dir, 'base-bookworm-minbase.json'), JSON.stringify({ manifestId: 'abc123', layer: { path: join(dir, 'abc123.json'), id: 'l', length: 1, hashes: {} } }));
    const { cli, out, err } = io();
    expect(await image({ argv: ['build-base', '--dir', dir], io: cli })).toBe(0);
    expect(out.join('')).toBe('abc123\n');
    expect(err.join('')).toBe(`cached: ${join(dir, 'abc123.json')}\n`);
  });
});
