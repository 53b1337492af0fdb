import { describe, expect, it } from 'vitest';
import { EGRESS_ALLOW, parseSettingAssignment, settingDefinition } from './settings';

describe('egress.allow', () => {
  it.each([
    ['10.0.0.0/8', ['10.0.0.0/8']],
    ['10.1.2.3/8, 192.168.5.0/24 10.0.0.0/8', ['10.0.0.0/8', '192.168.5.0/24']],
    ['10.0.0.5', ['10.0.0.5/32']],
    ['FD00:1::/64', ['fd00:1::/64']],
    ['', []],
    [' , ', []],
  ])('%j is stored as %j', (text, value) => expect(EGRESS_ALLOW.parse(text)).toEqual(value));

  it.each([
    ['0.0.0.0/0', /too broad/],
    ['10.0.0.0/7', /too broad/],
    ['::/0', /too broad/],
    ['10/8', /"10\/8" is not an IP range/],
    ['0x0a.0.0.0/8', /is not an IP range/],
    ['example.com', /is not an IP range/],
    [Array.from({ length: 65 }, (_, i) => `10.0.${i}.0/24`).join(','), /at most 64 ranges/],
  ])('refuses %j', (text, why) => expect(() => EGRESS_ALLOW.parse(text)).toThrow(why));

  it('formats back to what it parses', () => expect(EGRESS_ALLOW.format(EGRESS_ALLOW.parse('10.0.0.0/8,fd00::/8'))).toBe('10.0.0.0/8,fd00::/8'));
});

describe('KEY=VALUE', () => {
  it('parses a known key', () => expect(parseSettingAssignment('egress.allow=10.0.0.0/8')).toEqual({ key: 'egress.allow', value: ['10.0.0.0/8'] }));
  it('refuses unknown keys and missing =', () => {
    expect(() => parseSettingAssignment('nope=1')).toThrow('Unknown setting "nope". Settings: egress.allow.');
    expect(() => parseSettingAssignment('egress.allow')).toThrow(/Use KEY=VALUE/);
    expect(() => settingDefinition('')).toThrow(/Unknown setting/);
  });
});
