import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command } from './commands.js';
import { CommandCodecError, decodeCommand, encodeCommand, parseCommand } from './commands.js';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('command codec', () => {
  const samples: Command[] = [
    { v: 1, type: 'add-service', service: 'foo', config: { leader_type: 'manual' } },
    { v: 1, type: 'remove-service', service: 'foo' },
    { v: 1, type: 'add-instance', service: 'foo', instance: { id: 'i', addr: '1.2.3.4:5', proto: 'tcp', meta: { a: 'b' } } },
    { v: 1, type: 'add-instance', service: 'foo', instance: { id: 'i', addr: '1.2.3.4:5', proto: 'tcp' } },
    { v: 1, type: 'remove-instance', service: 'foo', id: 'i' },
    { v: 1, type: 'expire-instances', instances: [{ service: 'foo', id: 'i' }] },
    { v: 1, type: 'set-meta', service: 'foo', data: { deep: [1, null, 'x'] }, index: 3, leader_id: 'i' },
    { v: 1, type: 'set-meta', service: 'foo', data: null, index: 0 },
    { v: 1, type: 'set-leader', service: 'foo', id: 'i' },
  ];

  it.each(samples.map((c) => [c.type, c] as const))('round-trips %s', (_t, cmd) => {
    expect(decodeCommand(encodeCommand(cmd))).toEqual(cmd);
  });

  it('normalises: leader_type other than manual is oldest; missing data is null; empty meta and leader_id are dropped; extra fields go', () => {
    expect(parseCommand({ v: 1, type: 'add-service', service: 's', config: {} })).toEqual({ v: 1, type: 'add-service', service: 's', config: { leader_type: 'oldest' } });
    expect(parseCommand({ v: 1, type: 'set-meta', service: 's', index: 0, leader_id: '' })).toEqual({ v: 1, type: 'set-meta', service: 's', data: null, index: 0 });
    expect(parseCommand({ v: 1, type: 'add-instance', service: 's', extra: 1, instance: { id: 'i', addr: 'a:1', proto: 'tcp', meta: {}, index: 9 } })).toEqual({
      v: 1,
      type: 'add-instance',
      service: 's',
      instance: { id: 'i', addr: 'a:1', proto: 'tcp' },
    });
  });

  it('keeps a __proto__ meta key as data', () => {
    const cmd = decodeCommand(new TextEncoder().encode('{"v":1,"type":"add-instance","service":"s","instance":{"id":"i","addr":"a:1","proto":"tcp","meta":{"__proto__":"x"}}}'));
    expect(cmd.type === 'add-instance' && Object.hasOwn(cmd.instance.meta!, '__proto__')).toBe(true);
  });

  it.each([
    ['not JSON', new TextEncoder().encode('{')],
    ['an unknown version', enc({ v: 2, type: 'remove-service', service: 'x' })],
    ['an unknown type', enc({ v: 1, type: 'drop-table', service: 'x' })],
    ['a missing field', enc({ v: 1, type: 'remove-instance', service: 'x' })],
    ['a non-string meta value', enc({ v: 1, type: 'add-instance', service: 's', instance: { id: 'i', addr: 'a:1', proto: 'tcp', meta: { a: 1 } } })],
    ['a negative index', enc({ v: 1, type: 'set-meta', service: 's', data: 1, index: -1 })],
    ['a non-array expire list', enc({ v: 1, type: 'expire-instances', instances: {} })],
    ['an array', enc([1])],
    ['invalid UTF-8', new Uint8Array([0xff, 0xfe])],
  ])('rejects %s', (_what, bytes) => {
    expect(() => decodeCommand(bytes)).toThrow(CommandCodecError);
  });

  it('round-trips any well-formed command (property)', () => {
    const s = fc.string({ maxLength: 8 });
    const meta = fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }).filter((k) => k !== '__proto__'), s, { minKeys: 1, maxKeys: 3 }), { nil: undefined });
    const instance = fc.record({ id: s, addr: s, proto: s, meta }).map(({ meta, ...rest }) => (meta ? { ...rest, meta } : rest));
    const cmd: fc.Arbitrary<Command> = fc.oneof(
      fc.record({ v: fc.constant(1 as const), type: fc.constant('add-service' as const), service: s, config: fc.record({ leader_type: fc.constantFrom('oldest' as const, 'manual' as const) }) }),
      fc.record({ v: fc.constant(1 as const), type: fc.constant('remove-service' as const), service: s }),
      fc.record({ v: fc.constant(1 as const), type: fc.constant('add-instance' as const), service: s, instance }),
      fc.record({ v: fc.constant(1 as const), type: fc.constant('remove-instance' as const), service: s, id: s }),
      fc.record({ v: fc.constant(1 as const), type: fc.constant('set-leader' as const), service: s, id: s }),
      fc.record({ v: fc.constant(1 as const), type: fc.constant('expire-instances' as const), instances: fc.array(fc.record({ service: s, id: s }), { maxLength: 4 }) }),
      fc.record({ v: fc.constant(1 as const), type: fc.constant('set-meta' as const), service: s, data: fc.jsonValue().map((v) => (v === undefined ? null : v)), index: fc.nat() }),
    );
    fc.assert(
      fc.property(cmd, (c) => {
        expect(decodeCommand(encodeCommand(c))).toEqual(JSON.parse(JSON.stringify(c)));
      }),
    );
  });

  it('never throws anything but CommandCodecError on arbitrary JSON (fuzz)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          decodeCommand(enc(v));
        } catch (err) {
          expect(err).toBeInstanceOf(CommandCodecError);
        }
      }),
    );
  });
});
