import { FlynnError } from '@flynn-ts/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateJob } from './validate-job.js';

const ok = { config: { args: ['sleep', '1'] } };
const v = (body: unknown, opts: Partial<{ id: string; requireMountspecs: boolean }> = {}) =>
  validateJob(body, { id: opts.id ?? 'host1-0b7c6a3e-5a5d-4c53-9d3e-7a8b9c0d1e2f', requireMountspecs: opts.requireMountspecs ?? false });

function problem(body: unknown, opts: Partial<{ id: string; requireMountspecs: boolean }> = {}): { field: string; message: string } {
  try {
    v(body, opts);
  } catch (err) {
    expect(FlynnError.is(err)).toBe(true);
    const e = err as FlynnError;
    expect(e.status).toBe(400);
    expect(e.apiCode).toBe('validation_error');
    return { field: (e.detail as { field: string }).field, message: e.message };
  }
  throw new Error('expected a validation error');
}

describe('validateJob', () => {
  it('accepts a minimal job and takes the id from the path', () => {
    const job = v(ok);
    expect(job).toEqual({ id: 'host1-0b7c6a3e-5a5d-4c53-9d3e-7a8b9c0d1e2f', config: { args: ['sleep', '1'] } });
  });

  it('names the field: config.args must be a non-empty array', () => {
    expect(problem({ config: {} })).toEqual({ field: 'config.args', message: 'config.args must be a non-empty array' });
    expect(problem({ config: { args: [] } }).message).toBe('config.args must be a non-empty array');
    expect(problem({}).field).toBe('config.args');
    expect(problem({ config: { args: 'ls' } }).message).toBe('config.args must be an array');
    expect(problem({ config: { args: ['ls', 3] } }).message).toBe('config.args.1 must be a string');
    expect(problem({ config: { args: [''] } }).message).toBe('config.args.0 must not be empty');
  });

  it('rejects a non-object body, config and bad nested fields', () => {
    expect(problem([]).field).toBe('body');
    expect(problem('x').field).toBe('body');
    expect(problem({ config: 5 }).message).toBe('config must be an object');
    expect(problem({ config: { args: ['a'], env: { A: 1 } } }).message).toBe('config.env.A must be a string');
    expect(problem({ config: { args: ['a'], env: { 'A=B': 'x' } } }).field).toBe('config.env.A=B');
    expect(problem({ config: { args: ['a'], ports: [{ port: 70000 }] } }).message).toBe('config.ports.0.port must be between 0 and 65535');
    expect(problem({ config: { args: ['a'], ports: [{ port: 1, proto: 'sctp' }] } }).field).toBe('config.ports.0.proto');
    expect(problem({ config: { args: ['a'], uid: -1 } }).field).toBe('config.uid');
    expect(problem({ config: { args: ['a'], tty: 'yes' } }).message).toBe('config.tty must be a boolean');
    expect(problem({ config: { args: ['a'], volumes: [{ target: '/data' }] } }).message).toBe('config.volumes.0.volume is required');
    expect(problem({ config: { args: ['a\0'] } }).message).toBe('config.args.0 must not contain NUL bytes');
    expect(problem({ ...ok, partition: 'gold' }).field).toBe('partition');
    expect(problem({ ...ok, resources: { gpu: { limit: 1 } } }).field).toBe('resources.gpu');
    expect(problem({ ...ok, resources: { memory: { limit: 1.5 } } }).message).toBe('resources.memory.limit must be an integer');
    expect(problem({ ...ok, mountspecs: [{ type: 'squashfs' }] }).message).toBe('mountspecs.0.id is required');
  });

  it('requires mountspecs only when asked (the oci driver)', () => {
    expect(problem(ok, { requireMountspecs: true }).field).toBe('mountspecs');
    expect(v({ ...ok, mountspecs: [{ type: 'squashfs', id: 'abc', url: 'file:///x' }] }, { requireMountspecs: true }).mountspecs).toEqual([
      { type: 'squashfs', id: 'abc', url: 'file:///x' },
    ]);
  });

  it('checks the id in the path and the body', () => {
    expect(problem(ok, { id: '../etc' }).field).toBe('id');
    expect(problem(ok, { id: '' }).field).toBe('id');
    expect(problem({ ...ok, id: 'other' }).field).toBe('id');
    expect(v({ ...ok, id: 'host1-0b7c6a3e-5a5d-4c53-9d3e-7a8b9c0d1e2f' }).id).toBe('host1-0b7c6a3e-5a5d-4c53-9d3e-7a8b9c0d1e2f');
    expect(v(ok, { id: 'any_id.1' }).id).toBe('any_id.1');
  });

  it('treats null as absent and drops unknown fields', () => {
    const job = v({ config: { args: ['a'], env: null, data: true, uid: null }, metadata: null, extra: 1 });
    expect(job).toEqual({ id: expect.any(String), config: { args: ['a'] } });
  });

  it('normalises the full wire model', () => {
    const job = v({
      mountspecs: [{ type: 'squashfs', id: 'l1', size: 10, hashes: { sha512_256: 'ab' }, meta: { k: 'v' } }],
      metadata: { 'flynn-controller.app': 'app1' },
      resources: { memory: { limit: 1024 }, cpu: { request: null, limit: 500 } },
      partition: 'user',
      resurrect: true,
      config: {
        args: ['/bin/sh', '-c', 'x'],
        env: { A: 'b' },
        ports: [{ port: 0 }, { port: 8080, proto: 'udp', service: { name: 'web', create: true, check: { type: 'http', path: '/' } } }],
        volumes: [{ target: '/data', volume: 'v1', writeable: true, delete_on_stop: true }],
        mounts: [{ location: '/host', target: '/c' }],
        working_dir: '/app',
        uid: 1000,
        gid: 0,
        tty: true,
        stdin: true,
        host_network: false,
      },
    });
    expect(job.config.ports).toEqual([
      { port: 0, proto: 'tcp' },
      { port: 8080, proto: 'udp', service: { name: 'web', create: true, check: { type: 'http', path: '/' } } },
    ]);
    expect(job.resources).toEqual({ memory: { limit: 1024 }, cpu: { limit: 500 } });
    expect(job.config.volumes).toEqual([{ target: '/data', volume: 'v1', writeable: true, delete_on_stop: true }]);
    expect(job.config.uid).toBe(1000);
    expect(job.config.gid).toBe(0);
    expect(job.config.host_network).toBeUndefined();
    expect(job.resurrect).toBe(true);
  });

  it('keeps __proto__ keys as data', () => {
    const body = JSON.parse('{"config":{"args":["a"],"env":{"__proto__":"x"}},"metadata":{"__proto__":"y"}}') as unknown;
    const job = v(body);
    expect(Object.getPrototypeOf(job.config.env)).toBe(Object.prototype);
    expect(Object.keys(job.config.env!)).toEqual(['__proto__']);
  });

  it('never throws anything but a validation error (fuzz)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (body, config) => {
        for (const b of [body, { config }, { config: { args: ['x'], ...(typeof config === 'object' && config && !Array.isArray(config) ? config : {}) } }]) {
          try {
            v(b);
          } catch (err) {
            expect(FlynnError.is(err) && (err as FlynnError).status === 400).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
