import { describe, expect, it } from 'vitest';
import { parseCommandLine, parseListenAddr } from './config.js';

const run = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseCommandLine(argv, env);
  if (parsed.kind !== 'run') throw new Error('expected run');
  return parsed.config;
};

describe('flynn-logaggregator config', () => {
  it('has the original defaults: API on 5000, syslog on 3000, service logaggregator, no discovery', () => {
    expect(run([])).toEqual({ apiHost: '0.0.0.0', apiPort: 5000, syslogHost: '0.0.0.0', syslogPort: 3000, serviceName: 'logaggregator', discoverd: [], refill: true, logLevel: 'info' });
  });

  it('reads PORT_0, PORT_1, SERVICE_NAME, DISCOVERD and EXTERNAL_IP', () => {
    expect(run([], { PORT_0: '80', PORT_1: '514', SERVICE_NAME: 'logs', DISCOVERD: 'http://10.0.0.1:1111, http://10.0.0.2:1111', EXTERNAL_IP: '10.0.0.5' })).toMatchObject({
      apiPort: 80,
      syslogPort: 514,
      serviceName: 'logs',
      discoverd: ['http://10.0.0.1:1111', 'http://10.0.0.2:1111'],
      advertiseHost: '10.0.0.5',
    });
  });

  it('lets flags override env', () => {
    expect(run(['--api-addr', '127.0.0.1:0', '--syslog-addr=[::1]:6514', '--no-refill', '--log-level', 'debug'], { PORT_0: '80' })).toMatchObject({
      apiHost: '127.0.0.1',
      apiPort: 0,
      syslogHost: '::1',
      syslogPort: 6514,
      refill: false,
      logLevel: 'debug',
    });
    expect(parseListenAddr('x', ':3000')).toEqual({ host: '0.0.0.0', port: 3000 });
  });

  it('refuses bad values with one clear message', () => {
    expect(() => run(['--api-addr', 'nope'])).toThrow(/--api-addr must be HOST:PORT/);
    expect(() => run([], { PORT_1: '70000' })).toThrow(/--syslog-addr/);
    expect(() => run(['--discoverd', 'ftp://x'])).toThrow(/http\(s\) URLs/);
    expect(() => run(['--log-level', 'loud'])).toThrow(/--log-level/);
    expect(() => run(['--bogus'])).toThrow(/bogus/);
    expect(() => run([], { SERVICE_NAME: 'Bad Name' })).toThrow(/service name/);
    expect(parseCommandLine(['--help'])).toMatchObject({ kind: 'help' });
  });
});
