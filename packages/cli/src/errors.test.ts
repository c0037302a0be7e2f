import { HttpConnectionError } from '@flynn-ts/core/http';
import { HttpError, TimeoutError } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { CliError, describeError, TlsPinError, UNAUTHORIZED_MESSAGE, UsageError } from './errors.js';

const URL_ = 'https://controller.example.com';

describe('describeError', () => {
  it('a wrong key is a clear unauthorized message, exit 1', () => {
    expect(describeError(new HttpError(401, { code: 'unauthorized', message: 'HTTP 401' }), URL_)).toEqual({ message: UNAUTHORIZED_MESSAGE, exitCode: 1 });
    expect(UNAUTHORIZED_MESSAGE).toBe('unauthorized: check the cluster key (flynn cluster add)');
  });

  it('an unreachable controller names the URL and the reason, exit 1', () => {
    const refused = new HttpConnectionError(`${URL_}/apps`, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(describeError(refused, URL_)).toEqual({ message: `cannot reach the controller at ${URL_}: connection refused (ECONNREFUSED)`, exitCode: 1 });
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' });
    expect(describeError(dns, URL_).message).toBe(`cannot reach the controller at ${URL_}: host not found (ENOTFOUND)`);
    const selfSigned = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(describeError(selfSigned, URL_).message).toMatch(/^cannot reach the controller at .*: self-signed certificate \(add the cluster with its TLS pin/);
    expect(describeError(new TlsPinError('controller.example.com'), URL_).message).toBe(
      `cannot reach the controller at ${URL_}: the TLS certificate of controller.example.com does not match the pinned fingerprint (TLSPin)`,
    );
    expect(describeError(new TimeoutError(30_000, 'GET /apps'), URL_).message).toBe(`cannot reach the controller at ${URL_}: no answer in time (FLYNN_CORE_TIMEOUT)`);
  });

  it('API errors print their wire code and message; local errors their message; usage errors exit 2', () => {
    expect(describeError(new HttpError(404, { code: 'not_found', message: 'app not found' }))).toEqual({ message: 'not_found: app not found', exitCode: 1 });
    expect(describeError(new CliError('no app found'))).toEqual({ message: 'no app found', exitCode: 1 });
    expect(describeError(new UsageError('missing argument <name>'))).toEqual({ message: 'missing argument <name>', exitCode: 2 });
    expect(describeError(new Error('boom\nstack'))).toEqual({ message: 'boom', exitCode: 1 });
  });
});
