import { describe, expect, it } from 'vitest';
import { buildJobEnv, resolvePorts } from './job-env.js';

describe('buildJobEnv', () => {
  it('injects PORT, PORT_<i> (0 ⇒ 5000+i), EXTERNAL_IP, LISTEN_IP and DISCOVERD', () => {
    const { env, ports } = buildJobEnv({
      env: { APP: 'x' },
      ports: [
        { port: 0, proto: 'tcp' },
        { port: 8080, proto: 'tcp' },
        { port: 0, proto: 'udp' },
      ],
      defaults: { EXTERNAL_IP: '192.0.2.1', LISTEN_IP: '192.0.2.1', DISCOVERD: 'http://192.0.2.1:1111' },
      containerIp: '100.100.1.5',
    });
    expect(env).toEqual({
      APP: 'x',
      PORT: '5000',
      PORT_0: '5000',
      PORT_1: '8080',
      PORT_2: '5002',
      EXTERNAL_IP: '100.100.1.5',
      LISTEN_IP: '100.100.1.5',
      DISCOVERD: 'http://192.0.2.1:1111',
    });
    expect(ports.map((p) => p.port)).toEqual([5000, 8080, 5002]);
  });

  it("keeps the host's LISTEN_IP for host-network jobs and the job's own LISTEN_IP always", () => {
    const defaults = { EXTERNAL_IP: '192.0.2.1', LISTEN_IP: '127.0.0.1' };
    expect(buildJobEnv({ defaults }).env.LISTEN_IP).toBe('127.0.0.1');
    expect(buildJobEnv({ defaults, containerIp: '100.100.1.5', env: { LISTEN_IP: '0.0.0.0' } }).env.LISTEN_IP).toBe('0.0.0.0');
  });

  it('lets the job override host defaults but not the port variables', () => {
    const { env } = buildJobEnv({ env: { DISCOVERD: 'none', PORT: '1' }, ports: [{ port: 7000, proto: 'tcp' }], defaults: { DISCOVERD: 'http://d', EXTERNAL_IP: '192.0.2.1' } });
    expect(env.DISCOVERD).toBe('none');
    expect(env.PORT).toBe('7000');
    expect(env.EXTERNAL_IP).toBe('192.0.2.1');
  });

  it('sets no PORT without ports and does not mutate its input', () => {
    const ports = [{ port: 0, proto: 'tcp' as const }];
    expect(buildJobEnv({}).env).toEqual({});
    resolvePorts(ports);
    expect(ports[0]!.port).toBe(0);
  });
});
