import { describe, expect, it } from 'vitest';
import { hostArgs, hostJson, initProblem, systemdUnit } from './init-files.js';
import { hostJsonArgs, parseDaemonArgs } from '../daemon-config.js';

describe('flynn-host init files', () => {
  it('turns peer IPs into --peer-ips and discoverd URLs, sorts tags, keeps extra flags', () => {
    const args = hostArgs({ peerIps: ['10.0.0.1', '10.0.0.2'], externalIp: '10.0.0.1', tags: { zone: 'b', disk: 'ssd' }, extraArgs: ['--driver=process'] });
    expect(args).toEqual([
      '--external-ip=10.0.0.1',
      '--peer-ips=10.0.0.1,10.0.0.2',
      '--discoverd=http://10.0.0.1:1111,http://10.0.0.2:1111',
      '--tags=disk=ssd,zone=b',
      '--driver=process',
    ]);
  });

  it('writes a host.json the daemon reads back into the same configuration', () => {
    const text = hostJson({ discoverd: ['http://127.0.0.1:1111'], id: 'host1', tags: { a: 'b' }, extraArgs: ['--driver=process'] });
    const args = hostJsonArgs(text);
    const config = parseDaemonArgs([], { isRoot: false, hasRunc: false, hostname: 'x' }, args);
    expect(config).not.toBe('help');
    expect(config).toMatchObject({ id: 'host1', tags: { a: 'b' }, driver: 'process' });
  });

  it('names the flag of bad input', () => {
    expect(initProblem({ peerIps: ['10.0.0.1', 'nope'] })).toMatch(/^--peer-ips: "nope"/);
    expect(initProblem({ externalIp: '300.1.1.1' })).toMatch(/^--external-ip/);
    expect(initProblem({ discoverd: ['ftp://x'] })).toMatch(/^--discoverd/);
    expect(initProblem({ id: 'a-b' })).toMatch(/^--id/);
    expect(initProblem({ peerIps: ['10.0.0.1'], id: 'host_1' })).toBeUndefined();
  });

  it('makes a unit that runs the daemon with the config and leaves jobs alone on stop', () => {
    const unit = systemdUnit('/usr/bin/flynn-host', '/etc/flynn/host.json');
    expect(unit).toContain('ExecStart=/usr/bin/flynn-host daemon');
    expect(unit).toContain('Environment=FLYNN_HOST_CONFIG=/etc/flynn/host.json');
    expect(unit).toContain('KillMode=process');
  });
});
