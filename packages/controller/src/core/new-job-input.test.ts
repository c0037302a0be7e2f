import { describe, expect, it } from 'vitest';
import { parseNewJob } from './new-job-input.js';

const RELEASE = '5e0c0a4e-2f0b-4b0e-9a4a-0f6b8d5f7c11';

describe('parseNewJob', () => {
  it('reads what `flynn run` sends', () => {
    const input = parseNewJob({
      release: RELEASE.toUpperCase(),
      args: ['sh', '-c', 'cat; exit 4'],
      release_env: true,
      disable_log: true,
      tty: true,
      tty_columns: 120,
      tty_lines: 40,
      env: { TERM: 'xterm' },
      resources: { memory: { limit: 536870912, request: 536870912 } },
      profiles: ['zfs'],
      mounts_from: 'web',
      entrypoint: ['sh'],
      cmd: ['-c', 'ignored: args win'],
    });
    expect(input).toEqual({
      release: RELEASE,
      args: ['sh', '-c', 'cat; exit 4'],
      releaseEnv: true,
      disableLog: true,
      tty: true,
      columns: 120,
      lines: 40,
      env: { TERM: 'xterm' },
      resources: { memory: { limit: 536870912, request: 536870912 } },
      profiles: ['zfs'],
      mountsFrom: 'web',
    });
  });

  it('defaults to nothing: the current release and the image entrypoint', () => {
    expect(parseNewJob({})).toEqual({ releaseEnv: false, tty: false, disableLog: false });
    expect(parseNewJob({ args: [], partition: '' })).toEqual({ releaseEnv: false, tty: false, disableLog: false });
  });

  it('takes the deprecated entrypoint + cmd when args is empty', () => {
    expect(parseNewJob({ entrypoint: ['rake'], cmd: ['db:migrate'] }).args).toEqual(['rake', 'db:migrate']);
  });

  it.each([
    [[], /must be an object/],
    [{ release: 'nope' }, /release must be a UUID/],
    [{ args: 'ls' }, /args must be an array of strings/],
    [{ args: [''] }, /args.0 must not be empty/],
    [{ args: ['ls', 1] }, /args.1 must be a string/],
    [{ env: { '': 'x' } }, /empty key/],
    [{ env: { 'A=B': 'x' } }, /env.A=B must not contain "="/],
    [{ tty_columns: 70000 }, /tty_columns must be at most 65535/],
    [{ tty: 'yes' }, /tty must be a boolean/],
    [{ resources: { gpu: { limit: 1 } } }, /resources.gpu is not a resource type/],
    [{ resources: { memory: { limit: -1 } } }, /resources.memory.limit must be at least 0/],
    [{ resources: { memory: { max: 1 } } }, /resources.memory.max is not allowed/],
    [{ partition: 'fast' }, /partition must be one of/],
    [{ profiles: [''] }, /profiles.0 must not be empty/],
    [{ data: true }, /data is not supported/],
    [{ bogus: 1 }, /bogus is not allowed/],
    [{ artifacts: ['x'] }, /artifacts.0 must be a UUID/],
  ])('refuses %j', (body, message) => {
    expect(() => parseNewJob(body)).toThrow(message);
    try {
      parseNewJob(body);
    } catch (err) {
      expect((err as { apiCode: string }).apiCode).toBe('validation_error');
    }
  });
});
