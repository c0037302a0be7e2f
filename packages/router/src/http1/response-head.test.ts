import { describe, expect, it } from 'vitest';
import { keptResponseLines, parseResponseHead, ResponseHead } from './response-head.js';

const parse = (s: string) => {
  const h = new ResponseHead();
  return { ok: parseResponseHead(s, h), h };
};

describe('parseResponseHead', () => {
  it('parses a node-style response and drops hop-by-hop lines', () => {
    const { ok, h } = parse('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nDate: x\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n');
    expect(ok).toBe(true);
    expect(h).toMatchObject({ status: 200, minor: 1, contentLength: 13, chunked: false, connClose: false });
    expect(h.reusable).toBe(true);
    expect(keptResponseLines(h)).toBe('Content-Type: text/plain\r\nContent-Length: 13\r\nDate: x\r\n');
  });

  it('reads chunked, close, upgrade, HTTP/1.0 and reason-less status lines', () => {
    const te = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nX: 1\r\n\r\n').h;
    expect(te).toMatchObject({ chunked: true, contentLength: -1, dropContentLength: true });
    expect(keptResponseLines(te)).toBe('X: 1\r\n');
    expect(parse('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n').h.reusable).toBe(false);
    expect(parse('HTTP/1.0 200 OK\r\n\r\n').h.reusable).toBe(false);
    expect(parse('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n').h).toMatchObject({ status: 101, connUpgrade: true, upgrade: 'websocket' });
    expect(parse('HTTP/1.1 204\r\n\r\n').h.status).toBe(204);
  });

  it('drops headers named by Connection', () => {
    const { h } = parse('HTTP/1.1 200 OK\r\nConnection: x-a\r\nX-A: 1\r\nX-B: 2\r\n\r\n');
    expect(keptResponseLines(h)).toBe('X-B: 2\r\n');
  });

  it.each([
    'HTTP/2 200 OK\r\n\r\n',
    'HTTP/1.1 20 OK\r\n\r\n',
    'HTTP/1.1 999 OK\r\n\r\n',
    'HTTP/1.1 200OK\r\n\r\n',
    'HTTP/1.1 200 OK\r\nX : 1\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n',
    'HTTP/1.1 200 OK\r\nX: a\nTransfer-Encoding: chunked\r\n\r\n',
    'HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\u0000\r\n\r\n',
    'garbage\r\n\r\n',
  ])('rejects %j', (s) => {
    expect(parse(s).ok).toBe(false);
  });
});
