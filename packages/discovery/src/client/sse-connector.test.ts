import { HttpError } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { isFatalStreamError, parseEvent } from './sse-connector.js';

describe('parseEvent', () => {
  it('parses the wire events', () => {
    expect(parseEvent('{"service":"foo","kind":"up","instance":{"id":"a","addr":"1.2.3.4:80","proto":"tcp","meta":{"x":"y"},"index":7}}')).toEqual({
      service: 'foo',
      kind: 'up',
      instance: { id: 'a', addr: '1.2.3.4:80', proto: 'tcp', meta: { x: 'y' }, index: 7 },
    });
    expect(parseEvent('{"service":"foo","kind":"leader"}')).toEqual({ service: 'foo', kind: 'leader' });
    expect(parseEvent('{"service":"foo","kind":"service_meta","service_meta":{"data":null,"index":3}}')).toEqual({
      service: 'foo',
      kind: 'service_meta',
      service_meta: { data: null, index: 3 },
    });
    expect(parseEvent('{"service":"foo","kind":"current"}')).toEqual({ service: 'foo', kind: 'current' });
  });

  it('rejects malformed events with a retryable error', () => {
    for (const bad of ['nope', '{"service":"foo","kind":"sideways"}', '{"service":"foo","kind":"up"}', '{"service":"foo","kind":"service_meta"}', 'null']) {
      expect(() => parseEvent(bad)).toThrow(expect.objectContaining({ code: 'FLYNN_DISCOVERY_BAD_EVENT', retry: true }));
    }
  });
});

describe('isFatalStreamError', () => {
  it('is true for 4xx other than 408/429 only', () => {
    const e = (status: number) => new HttpError(status, { code: 'x', message: 'x' });
    expect(isFatalStreamError(e(404))).toBe(true);
    expect(isFatalStreamError(e(400))).toBe(true);
    expect(isFatalStreamError(e(429))).toBe(false);
    expect(isFatalStreamError(e(503))).toBe(false);
    expect(isFatalStreamError(new Error('reset'))).toBe(false);
  });
});
