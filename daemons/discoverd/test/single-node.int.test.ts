/**
 * One real discoverd process (a single-node raft cluster, `-peers` empty) with
 * DNS: the functional suite, bad input, self-registration, and a graceful
 * SIGTERM followed by a restart on the same data dir.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig, freePorts, HOST, http, killAll, spawnDaemon, tempDir } from './daemon-harness.js';
import type { Daemon } from './daemon-harness.js';
import { describeFunctional } from './functional-suite.js';

const noDig = missingRequirements({ commands: ['dig'] });

let dir: Awaited<ReturnType<typeof tempDir>>;
let daemon: Daemon;
let port = 0;
let dnsPort = 0;

beforeAll(async () => {
  dir = await tempDir('discoverd-single-');
  [port, dnsPort] = (await freePorts(2)) as [number, number];
  daemon = await spawnDaemon({ name: 'single', dataDir: dir.path, port, dnsPort });
  await waitFor(async () => (await http('GET', `${daemon.url}/raft/leader`)).status === 200, { timeoutMs: 20_000, what: 'leader' });
});

afterAll(async () => {
  await killAll();
  await dir?.remove();
});

describe.skipIf(noDig)('discoverd, single node', () => {
  it('is its own raft leader and registers itself as service discoverd', async () => {
    expect((await http('GET', `${daemon.url}/raft/leader`)).json).toEqual({ host: daemon.addr });
    expect((await http('GET', `${daemon.url}/raft/peers`)).json).toEqual([daemon.addr]);
    await waitFor(async () => ((await http('GET', `${daemon.url}/services/discoverd/instances`)).json as Array<{ addr: string }> | undefined)?.[0]?.addr === daemon.addr, {
      what: 'self registration',
    });
    expect(daemon.logs.some((l) => l.event === 'self_registered')).toBe(true);
    const status = await http('GET', `${daemon.url}/.well-known/status`);
    expect(status.json).toEqual({ data: { status: 'healthy', version: 'dev' } });
  });

  describeFunctional(() => ({ urls: [daemon.url], dnsPorts: [dnsPort] }));

  describe('bad input answers 4xx JSON', () => {
    const expectError = (res: Awaited<ReturnType<typeof http>>, status: number, code: string) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(res.json).toMatchObject({ code, retry: false });
    };

    it('malformed JSON → 400 syntax_error', async () => {
      expectError(await http('PUT', `${daemon.url}/services/bad-json`, undefined, { raw: '{"leader_type":', headers: { 'content-type': 'application/json' } }), 400, 'syntax_error');
      expectError(await http('PUT', `${daemon.url}/services/web/meta`, undefined, { raw: 'not json', headers: { 'content-type': 'application/json' } }), 400, 'syntax_error');
    });

    it('wrong instance id → 400 validation_error naming the expected id', async () => {
      const res = await http('PUT', `${daemon.url}/services/web/instances/x`, { id: 'deadbeef', addr: '10.9.9.9:80', proto: 'tcp' });
      expectError(res, 400, 'validation_error');
      expect((res.json as { message: string }).message).toMatch(/instance id is incorrect, expected [0-9a-f]{32}/);
    });

    it('invalid service name → 400 validation_error', async () => {
      expectError(await http('PUT', `${daemon.url}/services/Bad_Name`, { leader_type: 'oldest' }), 400, 'validation_error');
    });

    it('missing Content-Type → 400 validation_error; unknown service → 404 object_not_found', async () => {
      expectError(await http('PUT', `${daemon.url}/services/no-ct`, undefined, { raw: '{}' }), 400, 'validation_error');
      const inst = { id: 'f89ac025042901d1bbc6a6872a7af35a', addr: '127.0.0.1:5000', proto: 'tcp' };
      expectError(await http('PUT', `${daemon.url}/services/nope/instances/${inst.id}`, inst), 404, 'object_not_found');
    });

    it('oversized body → 400 request_body_too_big', async () => {
      const big = JSON.stringify({ data: 'x'.repeat(2 * 1024 * 1024), index: 0 });
      expectError(await http('PUT', `${daemon.url}/services/web/meta`, undefined, { raw: big, headers: { 'content-type': 'application/json' } }), 400, 'request_body_too_big');
    });

    it('garbage over UDP and TCP to the DNS port: the server keeps answering', async () => {
      const udp = createSocket('udp4');
      const garbage = [Buffer.alloc(0), Buffer.from([1]), Buffer.alloc(11, 0xff), Buffer.alloc(12, 0xff), Buffer.alloc(512, 0x41), Buffer.from('0000010000ff000000000000', 'hex')];
      for (let i = 0; i < 50; i++) garbage.push(Buffer.from(Array.from({ length: 1 + ((i * 37) % 300) }, (_, k) => (k * 131 + i * 7) & 0xff)));
      for (const g of garbage) await new Promise<void>((r) => udp.send(g, dnsPort, HOST, () => r()));
      udp.close();
      await new Promise<void>((resolveTcp) => {
        const s = connect(dnsPort, HOST, () => s.end(Buffer.from([0x00, 0x05, 1, 2, 3, 4, 5, 0xff, 0xff, 0x00])));
        s.on('error', () => resolveTcp());
        s.on('close', () => resolveTcp());
      });
      expect((await dig(dnsPort, 'web.discoverd', 'A', '+short')).trim()).toBe('10.1.0.1');
      expect(await dig(dnsPort, 'nope.discoverd', 'A', '+tcp')).toMatch(/status: NXDOMAIN/);
      expect((await http('GET', `${daemon.url}/ping`)).status).toBe(200);
    });
  });

  it('SIGTERM: deregisters itself, exits 0; restarted on the same data dir it has the same state', async () => {
    const before = await http('GET', `${daemon.url}/services/web/meta`);
    expect(before.status).toBe(200);
    daemon.kill('SIGTERM');
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    const events = daemon.logs.map((l) => l.event);
    expect(events).toContain('self_deregistered');
    expect(events.at(-1)).toBe('discoverd_stopped');

    daemon = await spawnDaemon({ name: 'single-restarted', dataDir: dir.path, port, dnsPort });
    await waitFor(async () => (await http('GET', `${daemon.url}/services/web/meta`)).status === 200, { timeoutMs: 20_000, what: 'restarted, caught up' });
    expect((await http('GET', `${daemon.url}/services/web/meta`)).json).toEqual(before.json);
    // It registers itself again.
    await waitFor(async () => ((await http('GET', `${daemon.url}/services/discoverd/instances`)).json as unknown[] | undefined)?.length === 1, { what: 're-registered' });
  });

  it('POST /shutdown answers {last_index} and the process exits 0', async () => {
    const res = await http('POST', `${daemon.url}/shutdown`);
    expect(res.status).toBe(200);
    expect((res.json as { last_index: number }).last_index).toBeGreaterThan(0);
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
  });
});
