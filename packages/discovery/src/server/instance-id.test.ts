import { describe, expect, it } from 'vitest';
import { instanceError, instanceId, serviceNameError, splitHostPort } from './instance-id.js';

describe('instanceId', () => {
  it('is hex md5 of proto-addr (ids seen on the original)', () => {
    expect(instanceId('tcp', '127.0.0.1:5000')).toBe('f89ac025042901d1bbc6a6872a7af35a');
    expect(instanceId('tcp', '127.0.0.1:5001')).toBe('e497feed309b652066ce0ea0940c9679');
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

describe('validation messages', () => {
  it('service names: lowercase alphanumeric plus dash', () => {
    expect(serviceNameError('foo-1')).toBeUndefined();
    expect(serviceNameError('')).toBe('discoverd: service name must not be empty');
    expect(serviceNameError('Foo')).toBe('discoverd: service must be lowercase alphanumeric plus dash');
    expect(serviceNameError('a_b')).toBe('discoverd: service must be lowercase alphanumeric plus dash');
  });

  it('instances: proto, then addr, then id', () => {
    const ok = { id: instanceId('http', '10.0.0.1:80'), addr: '10.0.0.1:80', proto: 'http' };
    expect(instanceError(ok)).toBeUndefined();
    expect(instanceError({ ...ok, proto: '', addr: 'x' })).toBe('discoverd: proto must be set');
    expect(instanceError({ ...ok, proto: 'h-2', addr: 'x' })).toBe('discoverd: proto must be lowercase alphanumeric');
    expect(instanceError({ ...ok, addr: 'x', id: 'y' })).toBe('address x: missing port in address');
    expect(instanceError({ ...ok, id: 'y' })).toBe(`discoverd: instance id is incorrect, expected ${ok.id}`);
  });
});
