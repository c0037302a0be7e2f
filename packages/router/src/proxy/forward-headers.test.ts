import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequestHead, RequestHead } from '../http1/request-head.js';
import { parseResponseHead, ResponseHead } from '../http1/response-head.js';
import { downstreamResponse, upstreamRequestHead } from './forward-headers.js';
import type { ResponseHeadOptions } from './forward-headers.js';

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade']);

/** What the client must receive: status line, non-hop-by-hop lines in order, the router's lines, CRLF, body. */
function expected(lines: string[], o: ResponseHeadOptions, body: string, status = '200 OK'): string {
  let out = `HTTP/1.${o.clientMinor} ${status}\r\n`;
  for (const l of lines) if (!HOP.has(l.slice(0, l.indexOf(':')).toLowerCase())) out += `${l}\r\n`;
  if (o.chunked) out += 'Transfer-Encoding: chunked\r\n';
  if (o.setCookie) out += `${o.setCookie}\r\n`;
  if (o.close) out += 'Connection: close\r\n';
  else if (o.clientMinor === 0) out += 'Connection: keep-alive\r\n';
  return `${out}\r\n${body}`;
}

describe('downstreamResponse', () => {
  const line = fc.oneof(
    fc.constantFrom('Content-Type: text/plain', 'Date: Thu, 26 Nov 2026 08:50:47 GMT', 'X-A: 1', 'Set-Cookie: a=b', 'ETag: "x"', 'Content-Length: 4'),
    fc.constantFrom('Connection: keep-alive', 'Keep-Alive: timeout=5', 'Proxy-Connection: x', 'TE: trailers'),
  );
  const opts = fc.record({
    clientMinor: fc.constantFrom(0, 1),
    chunked: fc.constant(false),
    close: fc.boolean(),
    setCookie: fc.option(fc.constantFrom('Set-Cookie: _backend=abc; Path=/'), { nil: undefined }),
  });

  it('produces head + body exactly, in place or assembled (property)', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), opts, fc.constantFrom('', 'body', 'x'.repeat(100)), fc.nat(20), (lines, o, body, pad) => {
        const head = `HTTP/1.1 200 OK\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
        // Some garbage after the body, as in a reused read buffer.
        const src = Buffer.from(head + body + '#'.repeat(pad), 'latin1');
        const res = new ResponseHead();
        expect(parseResponseHead(head, res)).toBe(true);
        const out = downstreamResponse(res, src, o, head.length, head.length + body.length);
        expect(out.toString('latin1')).toBe(expected(lines, o, body));
      }),
      { numRuns: 500 },
    );
  });

  it('rewrites in place when the dropped lines come last (no allocation)', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n';
    const src = Buffer.from(`${head}hi`, 'latin1');
    const res = new ResponseHead();
    parseResponseHead(head, res);
    const out = downstreamResponse(res, src, { clientMinor: 1, chunked: false, close: false, setCookie: undefined }, head.length, head.length + 2);
    expect(out.buffer).toBe(src.buffer);
    expect(out.toString()).toBe('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi');
  });
});

describe('upstreamRequestHead', () => {
  const fwd = () => ({ proto: 'http', port: '8080', clientIp: '10.1.2.3', startMs: 1234, newRequestId: () => 'new-id' });

  it('copies the request line and kept lines and appends the forwarding headers', () => {
    const head = 'GET /a?b HTTP/1.1\r\nHost: x.test\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nAccept: */*\r\nX-Forwarded-For: 1.1.1.1\r\n\r\n';
    const h = new RequestHead();
    expect(parseRequestHead(head, h)).toBe(0);
    const { head: out, requestId } = upstreamRequestHead(h, Buffer.from(head, 'latin1'), fwd(), false, false, 'fallback');
    expect(requestId).toBe('new-id');
    expect(out.toString('latin1')).toBe(
      'GET /a?b HTTP/1.1\r\nHost: x.test\r\nAccept: */*\r\nX-Forwarded-For: 1.1.1.1, 10.1.2.3\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: 8080\r\n' +
        'X-Request-Start: 1234\r\nX-Request-Id: new-id\r\n\r\n',
    );
  });

  it('upgrades HTTP/1.0 to 1.1 with a Host, and keeps upgrade headers for upgrades', () => {
    const h = new RequestHead();
    const head = 'GET / HTTP/1.0\r\n\r\n';
    parseRequestHead(head, h);
    const out = upstreamRequestHead(h, Buffer.from(head), fwd(), false, false, 'fallback.test').head.toString();
    expect(out.startsWith('GET / HTTP/1.1\r\nHost: fallback.test\r\n')).toBe(true);
    const ws = 'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n';
    parseRequestHead(ws, h);
    expect(upstreamRequestHead(h, Buffer.from(ws), fwd(), true, false, '').head.toString()).toContain('Sec-WebSocket-Key: k\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n');
  });
});
