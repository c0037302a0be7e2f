import { describe, expect, it } from 'vitest';
import { bootstrapCommand } from './bootstrap-command.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await bootstrapCommand(argv, { out: (t) => (out += t), err: (t) => (err += t), env: {} });
  return { code, out, err };
}

describe('bootstrapCommand (command line)', () => {
  it('--help prints the usage', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: flynn-host bootstrap \[options\] \[<manifest>\]/);
  });

  it('usage errors exit 2 with the usage', async () => {
    expect(await run(['--min-hosts=0', 'm.json'])).toMatchObject({ code: 2, err: expect.stringMatching(/--min-hosts must be a number from 1/) });
    expect(await run(['--timeout=soon', 'm.json'])).toMatchObject({ code: 2, err: expect.stringMatching(/--timeout must be a number of seconds/) });
    expect(await run(['--bogus'])).toMatchObject({ code: 2, err: expect.stringMatching(/Unknown option '--bogus'/) });
    expect(await run(['a.json', 'b.json'])).toMatchObject({ code: 2, err: expect.stringMatching(/give one manifest/) });
  });
});
