import { describe, expect, it } from 'vitest';
import { parseGoFlags } from './go-flags.js';

const spec = { values: ['addr', 'peers'] as const, bools: ['help', 'verbose'] as const };
const fail = (message: string) => new Error(message);

describe('parseGoFlags', () => {
  it('takes -name value, -name=value and the -- forms; the last value wins', () => {
    const { values, bools } = parseGoFlags(['-addr', ':1', '--peers=a,b', '--addr=:2', '-verbose'], spec, fail);
    expect(Object.fromEntries(values)).toEqual({ addr: ':2', peers: 'a,b' });
    expect(Object.fromEntries(bools)).toEqual({ verbose: true });
  });

  it("spells booleans as Go does", () => {
    for (const t of ['1', 't', 'true', 'TRUE', 'True']) expect(parseGoFlags([`-help=${t}`], spec, fail).bools.get('help')).toBe(true);
    for (const f of ['0', 'f', 'false', 'FALSE', 'False']) expect(parseGoFlags([`--help=${f}`], spec, fail).bools.get('help')).toBe(false);
    // a boolean never takes the next argument
    expect(() => parseGoFlags(['-help', 'false'], spec, fail)).toThrow('unexpected argument "false"');
  });

  it("reports mistakes in Go's words", () => {
    expect(() => parseGoFlags(['-nope'], spec, fail)).toThrow('flag provided but not defined: -nope');
    expect(() => parseGoFlags(['-addr'], spec, fail)).toThrow('flag needs an argument: -addr');
    expect(() => parseGoFlags(['-verbose=maybe'], spec, fail)).toThrow('invalid boolean value "maybe" for -verbose');
    for (const stray of ['x', '-', '--']) expect(() => parseGoFlags([stray], spec, fail)).toThrow('unexpected argument');
  });
});
