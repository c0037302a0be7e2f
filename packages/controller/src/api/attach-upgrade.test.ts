import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { noopLogger } from '@flynn-ts/core';
import { ManualClock } from '@flynn-ts/core/testing';
import { describe, expect, it } from 'vitest';
import { attachUpgradeHandler, isAttachUpgrade } from './attach-upgrade.js';
import { basicAuthHeader, KeyAuthorizer } from './auth.js';

/** A client connection: what the handler writes is collected; `ended` resolves when it ends the connection. */
class FakeSocket extends Duplex {
  written = '';
  readonly ended: Promise<string>;
  private resolveEnded!: (text: string) => void;
  constructor() {
    super();
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.written += chunk.toString('utf8');
    cb();
  }
  override _final(cb: () => void): void {
    this.resolveEnded(this.written);
    cb();
  }
}

function request(overrides: { url?: string; method?: string; headers?: Record<string, string> } = {}): IncomingMessage {
  return {
    url: overrides.url ?? '/apps/blog/jobs',
    method: overrides.method ?? 'POST',
    headers: { upgrade: 'flynn-attach/0', connection: 'Upgrade', authorization: basicAuthHeader('k'), ...(overrides.headers ?? {}) },
  } as unknown as IncomingMessage;
}

async function answer(req: IncomingMessage, body = '', options: { shutdown?: boolean } = {}): Promise<{ status: number; body: string }> {
  const shutdown = new AbortController();
  if (options.shutdown) shutdown.abort();
  const handler = attachUpgradeHandler({ authorizer: new KeyAuthorizer(['k']), shutdown: shutdown.signal, logger: noopLogger, clock: new ManualClock() });
  const socket = new FakeSocket();
  handler(req, socket, Buffer.from(body));
  const text = await socket.ended;
  const m = /^HTTP\/1\.1 (\d+) [^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`not an HTTP response: ${text}`);
  return { status: Number(m[1]), body: m[3]! };
}

describe('the attach upgrade handler refuses before anything runs', () => {
  it.each([
    [{ url: '/apps/blog/jobs/x' }, 404, /no upgrade route/],
    [{ url: '/events' }, 404, /no upgrade route/],
    [{ method: 'GET' }, 405, /attach needs POST/],
    [{ headers: { upgrade: 'websocket' } }, 400, /upgrade must be flynn-attach\/0/],
    [{ headers: { authorization: basicAuthHeader('wrong') } }, 401, /^$/],
    [{ headers: { authorization: '' } }, 401, /^$/],
    [{}, 411, /Content-Length/],
    [{ headers: { 'content-length': '2000000' } }, 400, /request_body_too_big/],
  ])('%j → %i', async (overrides, status, body) => {
    const res = await answer(request(overrides));
    expect(res.status).toBe(status);
    expect(res.body).toMatch(body);
  });

  it('answers 503 while shutting down', async () => {
    const res = await answer(request({ headers: { 'content-length': '2' } }), '{}', { shutdown: true });
    expect(res).toMatchObject({ status: 503 });
    expect(JSON.parse(res.body)).toMatchObject({ code: 'service_unavailable', retry: true });
  });

  it('checks the body: JSON, then the NewJob fields, then that jobs can run at all', async () => {
    expect(await answer(request({ headers: { 'content-length': '3' } }), '{x}')).toMatchObject({ status: 400, body: expect.stringMatching(/syntax_error/) });
    const bad = '{"args":"ls"}';
    expect(await answer(request({ headers: { 'content-length': String(bad.length) } }), bad)).toMatchObject({ status: 400, body: expect.stringMatching(/args must be an array of strings/) });
    const ok = '{"args":["ls"]}';
    expect(await answer(request({ headers: { 'content-length': String(ok.length) } }), ok)).toMatchObject({ status: 503, body: expect.stringMatching(/cannot run jobs/) });
  });

  it('recognises the protocol in the Upgrade header', () => {
    expect(isAttachUpgrade('flynn-attach/0')).toBe(true);
    expect(isAttachUpgrade('Flynn-Attach/0, h2c')).toBe(true);
    expect(isAttachUpgrade('websocket')).toBe(false);
    expect(isAttachUpgrade(undefined)).toBe(false);
  });
});
