/**
 * HostClient.addJob when the connection breaks after the request went out
 * (e.g. the host closed an idle keep-alive socket just as the request was
 * sent): the client looks the job up and sends it again only if the host
 * does not have it, so a job is never started twice and never silently lost.
 * The "host" is a scripted HTTP server on loopback.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FlynnError } from '@flynn-ts/core';
import { afterEach, describe, expect, it } from 'vitest';
import { HostClient } from '../src/client/host-client.js';

type Step = 'drop' | 'drop-after-create' | 'ok' | 'conflict';

/** PUTs follow `steps` in order; GET /host/jobs/:id answers 200 once a PUT "created" the job. */
async function fakeHost(steps: Step[]): Promise<{ url: string; server: Server; puts: number; gets: number; created: () => boolean }> {
  let created = false;
  const state = { puts: 0, gets: 0 };
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET') {
        state.gets++;
        if (created) json(res, 200, { job: { id: 'h-1', config: {} }, host_id: 'h', status: 'running', created_at: '2024-01-01T00:00:00Z' });
        else json(res, 404, { code: 'object_not_found', message: 'host: unknown job' });
        return;
      }
      const step = steps[state.puts++] ?? 'ok';
      if (step === 'drop' || step === 'drop-after-create') {
        if (step === 'drop-after-create') created = true;
        req.socket.destroy();
      } else if (step === 'conflict') {
        created = true;
        json(res, 409, { code: 'conflict', message: 'job h-1 already exists' });
      } else {
        created = true;
        json(res, 200, {});
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    get puts() {
      return state.puts;
    },
    get gets() {
      return state.gets;
    },
    created: () => created,
  };
}

let server: Server | undefined;
let client: HostClient | undefined;
afterEach(async () => {
  await client?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  client = undefined;
});

const job = { id: 'h-1', config: { args: ['true'] } };

describe('HostClient.addJob over a broken connection', () => {
  it('the host got it before the connection broke: found, not sent again', async () => {
    const h = await fakeHost(['drop-after-create']);
    server = h.server;
    client = new HostClient({ url: h.url, retries: 0 });
    await client.addJob(job);
    expect([h.puts, h.gets]).toEqual([1, 1]);
  });

  it('the host did not get it: sent again', async () => {
    const h = await fakeHost(['drop', 'ok']);
    server = h.server;
    client = new HostClient({ url: h.url, retries: 0 });
    await client.addJob(job);
    expect([h.puts, h.gets, h.created()]).toEqual([2, 1, true]);
  });

  it('the first request was still being handled when the client looked: the 409 of the second is success', async () => {
    const h = await fakeHost(['drop', 'conflict']);
    server = h.server;
    client = new HostClient({ url: h.url, retries: 0 });
    await client.addJob(job);
    expect([h.puts, h.gets]).toEqual([2, 2]);
  });

  it('a plain 409 (the id is taken) is an error, without a lookup', async () => {
    const h = await fakeHost(['conflict']);
    server = h.server;
    client = new HostClient({ url: h.url, retries: 0 });
    const err = await client.addJob(job).catch((e: unknown) => e);
    expect(FlynnError.is(err) && [err.status, err.apiCode]).toEqual([409, 'conflict']);
    expect([h.puts, h.gets]).toEqual([1, 0]);
  });
});
