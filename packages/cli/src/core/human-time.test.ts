import { describe, expect, it } from 'vitest';
import { clockTime, formatElapsed, humanDuration, humanTime, parseDuration } from './human-time.js';

describe('human times', () => {
  it('reads like docker/go-units HumanDuration', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(25_000)).toBe('25 seconds');
    expect(humanDuration(90_000)).toBe('About a minute');
    expect(humanDuration(5 * 60_000)).toBe('5 minutes');
    expect(humanDuration(70 * 60_000)).toBe('About an hour');
    expect(humanDuration(5 * 3_600_000)).toBe('5 hours');
    expect(humanDuration(3 * 86_400_000)).toBe('3 days');
    expect(humanDuration(20 * 86_400_000)).toBe('2 weeks');
    expect(humanDuration(90 * 86_400_000)).toBe('3 months');
    expect(humanDuration(800 * 86_400_000)).toBe('2 years');
  });

  it('says how long ago an RFC 3339 time was', () => {
    const now = Date.parse('2024-01-01T12:00:00Z');
    expect(humanTime(now, '2024-01-01T11:59:35.5Z')).toBe('24 seconds ago');
    expect(humanTime(now, undefined)).toBe('');
    expect(humanTime(now, 'garbage')).toBe('');
    expect(humanTime(now, '2024-01-01T12:00:05Z')).toBe('Less than a second ago');
  });

  it('formats elapsed times and clock stamps', () => {
    expect(formatElapsed(850)).toBe('850ms');
    expect(formatElapsed(3944.6)).toBe('3.945s');
    expect(formatElapsed(62_500)).toBe('1m2.5s');
    expect(formatElapsed(3_600_000 + 1000)).toBe('1h0m1s');
    expect(clockTime(new Date(2024, 0, 1, 2, 28, 34, 33).getTime())).toBe('02:28:34.033');
  });

  it('parses duration flags', () => {
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('')).toBeUndefined();
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(parseDuration('-1s')).toBeUndefined();
  });
});
