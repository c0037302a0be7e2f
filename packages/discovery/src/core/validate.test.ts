import { describe, expect, it } from 'vitest';
import { addrProblem, metaProblem, protoProblem, serviceNameProblem } from './validate.js';

describe('validation (original messages)', () => {
  it('service names: lowercase alphanumeric plus dash', () => {
    expect(serviceNameProblem('foo-1')).toBeUndefined();
    expect(serviceNameProblem('')).toBe('discoverd: service name must not be empty');
    expect(serviceNameProblem('Bad_Name')).toBe('discoverd: service must be lowercase alphanumeric plus dash');
    expect(serviceNameProblem('a.b')).toBe('discoverd: service must be lowercase alphanumeric plus dash');
  });

  it('proto: set and lowercase alphanumeric', () => {
    expect(protoProblem('tcp')).toBeUndefined();
    expect(protoProblem('h2')).toBeUndefined();
    expect(protoProblem('')).toBe('discoverd: proto must be set');
    expect(protoProblem('TCP')).toBe('discoverd: proto must be lowercase alphanumeric');
  });

  it.each([
    ['127.0.0.1:5000', undefined],
    ['[::1]:80', undefined],
    [':80', undefined],
    ['host:', undefined],
    ['127.0.0.1', 'address 127.0.0.1: missing port in address'],
    ['', 'address : missing port in address'],
    ['::1:80', 'address ::1:80: too many colons in address'],
    ['[::1]', 'address [::1]: missing port in address'],
    ['[::1:80', "address [::1:80: missing ']' in address"],
    ['[::1]x:80', 'address [::1]x:80: missing port in address'],
    ['a]:80', "address a]:80: unexpected ']' in address"],
    ['[a[b]:80', "address [a[b]:80: unexpected '[' in address"],
  ])('addr %j → %j (Go net.SplitHostPort)', (addr, problem) => {
    expect(addrProblem(addr)).toBe(problem);
  });

  it('meta: a string map, or absent', () => {
    expect(metaProblem(undefined)).toBeUndefined();
    expect(metaProblem({ a: 'b' })).toBeUndefined();
    expect(metaProblem({ a: 1 })).toBe('discoverd: instance meta values must be strings');
    expect(metaProblem(['a'])).toBe('discoverd: instance meta values must be strings');
  });
});
