import { describe, expect, it } from 'vitest';
import { parseSubnet } from './ipv4.js';
import type { Subnet } from './ipv4.js';
import { deleteTableRuleset, masqueradeRuleset, normalizeCidr, nftTableName } from './nft-ruleset.js';

const subnet = parseSubnet('100.100.23.1/24') as Subnet;

describe('nft rulesets', () => {
  it('replaces our own table in one transaction with the masquerade rule', () => {
    expect(masqueradeRuleset({ bridge: 'flynnbr0', subnet })).toBe(
      [
        'table ip flynn-flynnbr0 {}',
        'delete table ip flynn-flynnbr0',
        'table ip flynn-flynnbr0 {',
        '  chain postrouting {',
        '    type nat hook postrouting priority srcnat; policy accept;',
        '    ip saddr 100.100.23.0/24 oifname != "flynnbr0" masquerade',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('leaves excluded destinations (the overlay) unmasqueraded', () => {
    expect(masqueradeRuleset({ bridge: 'flynnbr0', subnet, noMasqueradeTo: ['100.100.0.0/16', '10.1.2.3/8'] })).toContain(
      'ip saddr 100.100.23.0/24 oifname != "flynnbr0" ip daddr != { 100.100.0.0/16, 10.0.0.0/8 } masquerade',
    );
  });

  it('deletes idempotently and refuses names that could inject', () => {
    expect(deleteTableRuleset('br1')).toBe('table ip flynn-br1 {}\ndelete table ip flynn-br1\n');
    expect(nftTableName('br1')).toBe('flynn-br1');
    expect(() => masqueradeRuleset({ bridge: 'x"; flush ruleset', subnet })).toThrow(RangeError);
    expect(() => deleteTableRuleset('a b')).toThrow(RangeError);
    expect(() => normalizeCidr('1.2.3.4/33')).toThrow(RangeError);
    expect(() => normalizeCidr('1.2.3.4')).toThrow(RangeError);
    expect(normalizeCidr('1.2.3.4/32')).toBe('1.2.3.4/32');
  });
});
