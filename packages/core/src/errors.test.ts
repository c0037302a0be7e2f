import { describe, expect, it } from 'vitest';
import { FlynnError, HttpError, InvariantError, ValidationError, invariant, toErrorResponse } from './errors.js';

describe('FlynnError', () => {
  it('carries code, wire code, status and cause', () => {
    const cause = new Error('disk');
    const e = new FlynnError('FLYNN_TEST_GONE', 'gone', { apiCode: 'not_found', cause });
    expect(e.code).toBe('FLYNN_TEST_GONE');
    expect(e.status).toBe(404);
    expect(e.cause).toBe(cause);
    expect(e.toJSON()).toEqual({ code: 'not_found', message: 'gone', retry: false });
  });

  it('is recognised across copies by its Symbol.for brand', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('flynn.error')]: true, code: 'FLYNN_X' });
    expect(FlynnError.is(foreign)).toBe(true);
    expect(FlynnError.is(new Error('plain'))).toBe(false);
    expect(FlynnError.is(null)).toBe(false);
  });

  it('maps validation errors to 400 with field detail', () => {
    const e = new ValidationError('name', 'must not be empty');
    expect(toErrorResponse(e)).toEqual({
      status: 400,
      body: { code: 'validation_error', message: 'must not be empty', detail: { field: 'name', message: 'must not be empty' }, retry: false },
    });
  });

  it('hides unknown errors behind a 500 body', () => {
    expect(toErrorResponse(new TypeError('secret'))).toEqual({ status: 500, body: { code: 'unknown_error', message: 'internal server error', retry: false } });
  });

  it('decodes remote bodies, keeping retry', () => {
    const e = new HttpError(503, { code: 'service_unavailable', message: 'no leader', retry: true });
    expect(e.retry).toBe(true);
    expect(e.status).toBe(503);
    expect(e.code).toBe('FLYNN_HTTP_SERVICE_UNAVAILABLE');
  });

  it('invariant throws with the values', () => {
    expect(() => invariant(1 > 2, 'commit went backwards', { from: 5, to: 3 })).toThrow(InvariantError);
    expect(() => invariant(false, 'commit went backwards', { from: 5, to: 3 })).toThrow(/"from":5/);
  });
});
