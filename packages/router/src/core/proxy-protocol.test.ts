import { describe, expect, it } from 'vitest';
import { parseProxyV1 } from './proxy-protocol.js';

const b = (s: string) => new TextEncoder().encode(s);

describe('parseProxyV1', () => {
  it('decodes TCP4, TCP6 and UNKNOWN', () => {
    expect(parseProxyV1(b('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET /'))).toEqual({
      kind: 'ok', length: 47, source: { ip: '192.168.0.1', port: 56324 }, destination: { ip: '192.168.0.11', port: 443 },
    });
    expect(parseProxyV1(b('PROXY TCP6 ::1 ::1 1 2\r\n'))).toMatchObject({ kind: 'ok', source: { ip: '::1', port: 1 } });
    expect(parseProxyV1(b('PROXY UNKNOWN\r\n'))).toEqual({ kind: 'ok', length: 15 });
  });
  it('asks for more bytes until the line ends', () => {
    expect(parseProxyV1(b('PROXY TCP4 1.2'))).toEqual({ kind: 'need-more' });
    expect(parseProxyV1(b('PRO'))).toEqual({ kind: 'need-more' });
  });
  it('rejects other protocols and malformed lines', () => {
    for (const s of ['GET / HTTP/1.1\r\n', 'PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n', 'PROXY TCP4 1.2.3.4 1.2.3.4 1 99999\r\n', 'PROXY TCP5 a b 1 2\r\n', `PROXY ${'x'.repeat(120)}`]) {
      expect(parseProxyV1(b(s)).kind, s).toBe('invalid');
    }
  });
});
