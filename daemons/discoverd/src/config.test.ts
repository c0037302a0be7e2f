import { describe, expect, it } from 'vitest';
import { ConfigError, joinHostPort, parseCommandLine, parseDuration, parseListenAddr } from './config.js';

const run = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseCommandLine(argv, env);
  if (parsed.kind !== 'run') throw new Error('expected run');
  return parsed.config;
};

describe('parseCommandLine', () => {
  it('accepts the flags of Flynn start.sh in Go form', () => {
    expect(
      run(['-data-dir=/data', '-host=10.0.0.1', '-peers=10.0.0.1:1111,10.0.0.2:1111', '-addr=10.0.0.1:1111', '-notify=http://10.0.0.1:1113/host/discoverd', '-wait-net-dns=true']),
    ).toEqual({
      dataDir: '/data',
      host: '10.0.0.1',
      peers: ['10.0.0.1:1111', '10.0.0.2:1111'],
      addr: '10.0.0.1:1111',
      recursors: [],
      dnsWorkers: 0,
      notify: 'http://10.0.0.1:1113/host/discoverd',
      logLevel: 'info',
      waitNetDns: true,
    });
  });

  it('accepts GNU forms and separate values; lists are trimmed and empty entries dropped', () => {
    const c = run(['--data-dir', '/d', '--host', 'h', '--peers', ' a:1 , ,b:2', '--dns-addr=127.0.0.1:53', '-recursors', '8.8.8.8,1.1.1.1:53', '--log-level', 'debug']);
    expect(c.peers).toEqual(['a:1', 'b:2']);
    expect(c.dnsAddr).toBe('127.0.0.1:53');
    expect(c.recursors).toEqual(['8.8.8.8', '1.1.1.1:53']);
    expect(c.logLevel).toBe('debug');
    expect(c.addr).toBe(':1111');
    expect(c.waitNetDns).toBe(false);
    expect(c.dnsWorkers).toBe(0);
    expect(run(['-data-dir=/d', '-host=h', '--dns-workers', '2']).dnsWorkers).toBe(2);
  });

  it('reads the TTL from -ttl (wins) or DISCOVERD_TTL_MS, and FLYNN_JOB_ID', () => {
    expect(run(['-data-dir=/d', '-host=h'], { DISCOVERD_TTL_MS: '1500' }).ttlMs).toBe(1500);
    expect(run(['-data-dir=/d', '-host=h', '-ttl=2s'], { DISCOVERD_TTL_MS: '1500' }).ttlMs).toBe(2000);
    expect(run(['-data-dir=/d', '-host=h'], { FLYNN_JOB_ID: 'host-1234' }).jobId).toBe('host-1234');
    expect(run(['-data-dir=/d', '-host=h']).ttlMs).toBeUndefined();
  });

  it('answers help', () => {
    expect(parseCommandLine(['-help']).kind).toBe('help');
    expect(parseCommandLine(['--h']).kind).toBe('help');
  });

  it.each([
    [[], /-data-dir is required/],
    [['-data-dir=/d'], /-host is required/],
    [['-data-dir=/d', '-host=h', '-bogus'], /flag provided but not defined: -bogus/],
    [['-data-dir=/d', '-host=h', 'extra'], /unexpected argument/],
    [['-data-dir=/d', '-host'], /flag needs an argument: -host/],
    [['-data-dir=/d', '-host=h', '-peers=nope'], /invalid peer "nope"/],
    [['-data-dir=/d', '-host=h', '-addr=1111'], /invalid -addr/],
    [['-data-dir=/d', '-host=h', '-log-level=loud'], /invalid -log-level/],
    [['-data-dir=/d', '-host=h', '-ttl=soon'], /invalid -ttl/],
    [['-data-dir=/d', '-host=h', '-notify=ftp://x'], /invalid -notify/],
    [['-data-dir=/d', '-host=h', '-wait-net-dns=maybe'], /invalid boolean value/],
    [['-data-dir=/d', '-host=h', '-dns-workers=-1'], /invalid -dns-workers/],
    [['-data-dir=/d', '-host=h', '-dns-workers=65'], /invalid -dns-workers/],
    [['-data-dir=/d', '-host=h', '-dns-workers=two'], /invalid -dns-workers/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommandLine(argv as string[])).toThrow(ConfigError);
    expect(() => parseCommandLine(argv as string[])).toThrow(message);
  });
});

describe('addresses and durations', () => {
  it('parses listen addresses', () => {
    expect(parseListenAddr(':1111')).toEqual({ host: '0.0.0.0', port: 1111 });
    expect(parseListenAddr('127.0.0.2:0')).toEqual({ host: '127.0.0.2', port: 0 });
    expect(parseListenAddr('[::1]:53')).toEqual({ host: '::1', port: 53 });
    expect(() => parseListenAddr('127.0.0.1:70000')).toThrow(ConfigError);
  });

  it('joins host and port', () => {
    expect(joinHostPort('10.0.0.1', 1111)).toBe('10.0.0.1:1111');
    expect(joinHostPort('::1', 1111)).toBe('[::1]:1111');
  });

  it('parses durations', () => {
    expect(parseDuration('10s', 'x')).toBe(10_000);
    expect(parseDuration('2500ms', 'x')).toBe(2_500);
    expect(parseDuration('1.5s', 'x')).toBe(1_500);
    expect(parseDuration('1m', 'x')).toBe(60_000);
    expect(parseDuration('750', 'x')).toBe(750);
    expect(() => parseDuration('0', 'x')).toThrow(ConfigError);
    expect(() => parseDuration('-1s', 'x')).toThrow(ConfigError);
  });
});
