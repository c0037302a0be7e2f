import { describe, expect, it } from 'vitest';
import { ConfigError, duration, parseCommandLine } from './config.js';

describe('flannel command line', () => {
  it('has the defaults of the original', () => {
    expect(parseCommandLine([], {})).toEqual({
      kind: 'run',
      config: { discoverd: ['http://127.0.0.1:1111'], network: '100.100.0.0/16', vni: 1, port: 8472, subnetFile: '/run/flannel/subnet.env', leaseTtlMs: 86_400_000, resyncMs: 60_000, releaseOnExit: false, logLevel: 'info' },
    });
  });

  it('takes Go-style and GNU-style flags and the wrapper environment', () => {
    const parsed = parseCommandLine(['-discoverd-url=http://10.0.0.1:1111,http://10.0.0.2:1111', '--iface', 'eth1', '-notify-url', 'http://10.0.0.1:1113/host/network', '--lease-ttl=30s', '--netns', '/var/run/netns/h1'], {
      NETWORK: '10.50.0.0/16',
      FLYNN_JOB_ID: 'host1-job',
    });
    expect(parsed.kind === 'run' && parsed.config).toMatchObject({
      discoverd: ['http://10.0.0.1:1111', 'http://10.0.0.2:1111'],
      iface: 'eth1',
      network: '10.50.0.0/16',
      notifyUrl: 'http://10.0.0.1:1113/host/network',
      leaseTtlMs: 30_000,
      netns: '/var/run/netns/h1',
      jobId: 'host1-job',
    });
    expect(parseCommandLine(['--help']).kind).toBe('help');
  });

  it('rejects bad flags and values', () => {
    for (const argv of [['--nope'], ['--vni', 'x'], ['--lease-ttl', '1d'], ['--discoverd', 'tcp://x'], ['--log-level', 'loud'], ['stray']]) {
      expect(() => parseCommandLine(argv, {}), argv.join(' ')).toThrow(ConfigError);
    }
    expect(duration('x', '1.5s')).toBe(1_500);
    expect(duration('x', '250')).toBe(250);
  });
});
