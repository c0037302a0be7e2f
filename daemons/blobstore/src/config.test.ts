import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './config.js';

const run = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseCommandLine(argv, env);
  if (parsed.kind !== 'run') throw new Error('expected run');
  return parsed.config;
};

describe('flynn-blobstore config', () => {
  it('uses PostgreSQL from DATABASE_URL or PG*, on PORT (default 3001)', () => {
    expect(run([], { DATABASE_URL: 'postgres://x/y' })).toEqual({
      host: '0.0.0.0',
      port: 3001,
      backend: { kind: 'postgres', connectionString: 'postgres://x/y' },
      serviceName: 'blobstore',
      discoverd: [],
      logLevel: 'info',
    });
    expect(run([], { PGHOST: 'db', PORT: '8080', DISCOVERD: 'http://d:1111', EXTERNAL_IP: '10.0.0.2' })).toMatchObject({
      port: 8080,
      backend: { kind: 'postgres' },
      discoverd: ['http://d:1111'],
      advertiseHost: '10.0.0.2',
    });
  });

  it('uses a directory with --dir, and takes --addr, --max-blob-bytes', () => {
    expect(run(['--dir', '/var/lib/blobs', '--addr', '127.0.0.1:0', '--max-blob-bytes', '1000'], { DATABASE_URL: 'postgres://x' })).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      backend: { kind: 'directory', dir: '/var/lib/blobs' },
      maxBlobBytes: 1000,
    });
  });

  it('refuses a missing backend and bad values with one clear message', () => {
    expect(() => run([])).toThrow(/no backend/);
    expect(() => run(['--dir', ''])).toThrow(/--dir/);
    expect(() => run(['--dir', 'd', '--addr', 'x'])).toThrow(/--addr/);
    expect(() => run(['--dir', 'd', '--max-blob-bytes', '-1'])).toThrow(/--max-blob-bytes/);
    expect(() => run(['--dir', 'd', '--discoverd', 'nope'])).toThrow(/--discoverd/);
    expect(() => run(['--dir', 'd', '--oops'])).toThrow(/oops/);
    expect(parseCommandLine(['--help'])).toMatchObject({ kind: 'help' });
  });
});
