import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keptLinesWithoutConnectionOptions, parseRequestHead, RequestHead } from './request-head.js';

function parse(head: string): { status: number; h: RequestHead } {
  const h = new RequestHead();
  return { status: parseRequestHead(head, h), h };
}
const kept = (h: RequestHead) => {
  let s = '';
  for (let i = 0; i < h.keepLen; i += 2) s += h.head.slice(h.keep[i], h.keep[i + 1]);
  return s;
};

describe('parseRequestHead', () => {
  it('parses a typical request and keeps the ordinary header lines', () => {
    const { status, h } = parse(
      'GET /a?b=1 HTTP/1.1\r\nHost: Example.com\r\nUser-Agent: x\r\nConnection: keep-alive\r\nAccept: */*\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-For: 5.6.7.8\r\nCookie: a=1\r\ncookie: _backend=zz\r\nX-Request-Id: abc\r\n\r\n',
    );
    expect(status).toBe(0);
    expect(h).toMatchObject({ method: 'GET', target: '/a?b=1', minor: 1, host: 'Example.com', contentLength: -1, chunked: false, xff: '1.2.3.4, 5.6.7.8', cookie: 'a=1; _backend=zz', requestId: 'abc' });
    expect(h.keepAlive).toBe(true);
    expect(kept(h)).toBe('Host: Example.com\r\nUser-Agent: x\r\nAccept: */*\r\nCookie: a=1\r\ncookie: _backend=zz\r\n');
  });

  it('honours HTTP/1.0 keep-alive rules', () => {
    expect(parse('GET / HTTP/1.0\r\n\r\n').h.keepAlive).toBe(false);
    expect(parse('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n').h.keepAlive).toBe(true);
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n').h.keepAlive).toBe(false);
  });

  it('reads framing, upgrade and connection options', () => {
    const { h } = parse('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: Upgrade, X-Foo\r\nUpgrade: websocket\r\nX-Foo: 1\r\nX-Bar: 2\r\n\r\n');
    expect(h).toMatchObject({ chunked: true, connUpgrade: true, upgrade: 'websocket', connOptions: ['x-foo'] });
    expect(keptLinesWithoutConnectionOptions(h)).toBe('Host: a\r\nX-Bar: 2\r\n');
    expect(parse('PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\ncontent-length: 12\r\n\r\n').h.contentLength).toBe(12);
  });

  it('takes the host of an absolute-form target', () => {
    const { status, h } = parse('GET http://Other.com:81/x HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(status).toBe(0);
    expect(h.host).toBe('Other.com:81');
  });

  it.each([
    ['no host on 1.1', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['two hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
    ['CL and TE', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['differing CLs', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 400],
    ['signed CL', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n', 400],
    ['gzip TE', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
    ['chunked not last', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 400],
    ['TE on 1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n', 400],
    ['space before colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', 400],
    ['bare LF', 'GET / HTTP/1.1\nHost: a\r\n\r\n', 400],
    ['CR in value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n', 400],
    ['NUL in value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000b\r\n\r\n', 400],
    ['CTL in a framing field', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\u000b\r\n\r\n', 400],
    ['bare LF inside a line', 'GET / HTTP/1.1\r\nHost: a\r\nX: 1\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['bad method', 'G(T / HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['space in target', 'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 505],
    ['HTTP/1.2', 'GET / HTTP/1.2\r\nHost: a\r\n\r\n', 505],
    ['garbage version', 'GET / HTTX/1.1\r\nHost: a\r\n\r\n', 400],
    ['authority form', 'CONNECT a.com:443 HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['bad expect', 'GET / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n\r\n', 417],
  ])('%s → %i', (_name, head, want) => {
    expect(parse(head).status).toBe(want);
  });

  it('skips leading empty lines and accepts OPTIONS *', () => {
    expect(parse('\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n').status).toBe(0);
  });

  it('never throws and keeps kept ranges inside the head (fuzz)', () => {
    const pieces = ['GET', 'POST', ' ', '/', '/x', 'HTTP/1.1', 'HTTP/1.0', '\r\n', '\n', '\r', ':', 'Host', 'host', 'a', 'Content-Length', '5', 'Transfer-Encoding', 'chunked', 'Connection', 'close, x', '\t', '\u0000', '\u00ff', '\u007f'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), fc.string({ maxLength: 20 }), (parts, tail) => {
        const head = `${parts.join('')}${tail}\r\n\r\n`;
        const h = new RequestHead();
        const status = parseRequestHead(head, h);
        expect([0, 400, 417, 501, 505]).toContain(status);
        if (status === 0) {
          for (let i = 0; i < h.keepLen; i += 2) {
            const seg = head.slice(h.keep[i], h.keep[i + 1]);
            expect(seg.endsWith('\r\n')).toBe(true);
            // Every CR is followed by LF and every LF preceded by CR; no NUL: nothing can split a line downstream.
            expect(seg).not.toMatch(/\r(?!\n)|(?<!\r)\n/u);
            expect(seg.includes(String.fromCharCode(0))).toBe(false);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
