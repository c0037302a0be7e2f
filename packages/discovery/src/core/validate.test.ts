import { describe, expect, it } from 'vitest';
import { toInstanceInput } from './commands.js';
import { instanceId } from './instance-id.js';
import { addrProblem, instanceProblem, metaProblem, protoProblem, registrationProblem, serviceNameProblem, splitHostPort } from './validate.js';

describe('validation (original messages)', () => {
  it('service names: lowercase alphanumeric plus dash', () => {
    expect(serviceNameProblem('foo-1')).toBeUndefined();
    expect(serviceNameProblem('')).toBe('discoverd: service name must not be empty');
    expect(serviceNameProblem('Bad_Name')).toBe('discoverd: service must be lowercase alphanumeric plus dash');
    expect(serviceNameProblem('a.b')).toBe('discoverd: service must be lowercase alphanumeric plus dash');
    expect(serviceNameProblem('a_b')).toBe('discoverd: service must be lowercase alphanumeric plus dash');
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
    ['', 'missing port in address'],
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

describe('splitHostPort (Go net.SplitHostPort)', () => {
  it.each([
    ['localhost:http', 'localhost', 'http'],
    ['127.0.0.1:5000', '127.0.0.1', '5000'],
    ['[::1]:80', '::1', '80'],
    ['[fe80::1%lo0]:80', 'fe80::1%lo0', '80'],
    [':80', '', '80'],
    ['golang.org:', 'golang.org', ''],
  ])('%s → %s %s', (input, host, port) => {
    expect(splitHostPort(input)).toEqual({ ok: true, host, port });
  });

  it.each([
    ['', 'missing port in address'],
    ['golang.org', 'address golang.org: missing port in address'],
    ['[::1]', 'address [::1]: missing port in address'],
    ['::1', 'address ::1: too many colons in address'],
    ['fe80::1%lo0:80', 'address fe80::1%lo0:80: too many colons in address'],
    ['[foo:bar]baz', 'address [foo:bar]baz: missing port in address'],
    ['[foo]bar:baz', 'address [foo]bar:baz: missing port in address'],
    ['[foo]:[bar]:baz', 'address [foo]:[bar]:baz: too many colons in address'],
    ['[foo]:[bar]baz', "address [foo]:[bar]baz: unexpected '[' in address"],
    ['foo[bar]:baz', "address foo[bar]:baz: unexpected '[' in address"],
    ['foo]bar:baz', "address foo]bar:baz: unexpected ']' in address"],
    ['[foo:1', "address [foo:1: missing ']' in address"],
  ])('%s → %s', (input, message) => {
    expect(splitHostPort(input)).toEqual({ ok: false, message });
  });
});

describe('instances', () => {
  it('the id is hex md5 of proto-addr (ids seen on the original, wire-observed §2)', () => {
    expect(instanceId('tcp', '127.0.0.1:5000')).toBe('f89ac025042901d1bbc6a6872a7af35a');
    expect(instanceId('tcp', '127.0.0.1:5001')).toBe('e497feed309b652066ce0ea0940c9679');
  });

  it('instanceProblem checks proto, then addr, then id (the original\'s Instance.Valid)', () => {
    const ok = { id: instanceId('http', '10.0.0.1:80'), addr: '10.0.0.1:80', proto: 'http' };
    expect(instanceProblem(ok)).toBeUndefined();
    expect(instanceProblem({ ...ok, proto: '', addr: 'x' })).toBe('discoverd: proto must be set');
    expect(instanceProblem({ ...ok, proto: 'h-2', addr: 'x' })).toBe('discoverd: proto must be lowercase alphanumeric');
    expect(instanceProblem({ ...ok, addr: 'x', id: 'y' })).toBe('address x: missing port in address');
    expect(instanceProblem({ ...ok, id: 'y' })).toBe(`discoverd: instance id is incorrect, expected ${ok.id}`);
  });

  it('registrationProblem adds the meta check, last', () => {
    const ok = { id: instanceId('tcp', '127.0.0.1:5001'), addr: '127.0.0.1:5001', proto: 'tcp' };
    expect(registrationProblem(ok)).toBeUndefined();
    expect(registrationProblem({ ...ok, proto: '' })).toBe('discoverd: proto must be set');
    expect(registrationProblem({ ...ok, addr: 'x' })).toBe('address x: missing port in address');
    expect(registrationProblem({ ...ok, id: 'x', meta: { a: 1 } })).toBe('discoverd: instance id is incorrect, expected e497feed309b652066ce0ea0940c9679');
    expect(registrationProblem({ ...ok, meta: { a: 1 } })).toBe('discoverd: instance meta values must be strings');
  });

  it('toInstanceInput copies only the registration fields, dropping index and empty meta', () => {
    const src = { id: 'i', addr: 'a:1', proto: 'tcp', meta: {}, index: 7, extra: true };
    expect(toInstanceInput(src)).toEqual({ id: 'i', addr: 'a:1', proto: 'tcp' });
    expect(toInstanceInput({ ...src, meta: { k: 'v' } })).toEqual({ id: 'i', addr: 'a:1', proto: 'tcp', meta: { k: 'v' } });
  });
});
