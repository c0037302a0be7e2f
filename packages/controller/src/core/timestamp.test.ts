import { describe, expect, it } from 'vitest';
import { pgTimestampToRfc3339, trimMillis } from './timestamp.js';

describe('timestamps', () => {
  it('turns PostgreSQL UTC text into RFC 3339 with trailing zeros trimmed', () => {
    expect(pgTimestampToRfc3339('2024-05-01 10:00:00.606100+00')).toBe('2024-05-01T10:00:00.6061Z');
    expect(pgTimestampToRfc3339('2024-05-01 10:00:00+00')).toBe('2024-05-01T10:00:00Z');
    expect(pgTimestampToRfc3339('2024-05-01T10:00:00.5+00:00')).toBe('2024-05-01T10:00:00.5Z');
    expect(pgTimestampToRfc3339('2024-05-01 12:00:00.25+02')).toBe('2024-05-01T10:00:00.25Z');
  });

  it('trims JS ISO strings the same way', () => {
    expect(trimMillis('2024-05-01T10:00:00.600Z')).toBe('2024-05-01T10:00:00.6Z');
    expect(trimMillis('2024-05-01T10:00:00.000Z')).toBe('2024-05-01T10:00:00Z');
  });
});
