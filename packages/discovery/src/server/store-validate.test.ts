import { describe, expect, it } from 'vitest';
import { expectedInstanceId, registrationProblem, toInstanceInput } from './store-validate.js';

describe('registration checks', () => {
  it('derives the original id (wire-observed §2 example)', () => {
    expect(expectedInstanceId('tcp', '127.0.0.1:5000')).toBe('f89ac025042901d1bbc6a6872a7af35a');
  });

  it('checks proto, then addr, then id, then meta', () => {
    const ok = { id: expectedInstanceId('tcp', '127.0.0.1:5001'), addr: '127.0.0.1:5001', proto: 'tcp' };
    expect(registrationProblem(ok)).toBeUndefined();
    expect(registrationProblem({ ...ok, proto: '' })).toBe('discoverd: proto must be set');
    expect(registrationProblem({ ...ok, addr: 'x' })).toBe('address x: missing port in address');
    expect(registrationProblem({ ...ok, id: 'x' })).toBe('discoverd: instance id is incorrect, expected e497feed309b652066ce0ea0940c9679');
    expect(registrationProblem({ ...ok, meta: { a: 1 } as unknown as Record<string, string> })).toBe('discoverd: instance meta values must be strings');
  });

  it('copies only the registration fields, dropping index and empty meta', () => {
    const src = { id: 'i', addr: 'a:1', proto: 'tcp', meta: {}, index: 7, extra: true };
    expect(toInstanceInput(src)).toEqual({ id: 'i', addr: 'a:1', proto: 'tcp' });
    expect(toInstanceInput({ ...src, meta: { k: 'v' } })).toEqual({ id: 'i', addr: 'a:1', proto: 'tcp', meta: { k: 'v' } });
  });
});
